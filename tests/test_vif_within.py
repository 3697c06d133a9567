"""The collinearity caveat reads the VIF the two-way FE estimate faces (corpus, issue 15):
after the entity and year effects, not the pooled one in levels, where entities' sizes make
every regressor look collinear (six New England states: 48 pooled)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.outliers_influence import variance_inflation_factor

from reporter.battery.descriptives import vif_within
from tests.studies import ROOT

REGRESSORS = ["lpcap", "lpc", "lemp", "unemp"]


def _panel() -> pd.DataFrame:
    """The corpus's New England panel with the logs its config makes."""
    frame = pd.read_csv(ROOT / "tests" / "corpus" / "new_england" / "panel.csv")
    return frame.assign(lpcap=np.log(frame["pcap"]), lpc=np.log(frame["pc"]),
                        lemp=np.log(frame["emp"]))


def test_within_vif_equals_an_independent_computation():
    frame, entity = _panel(), "state"
    ours = vif_within(frame, entity, "year", REGRESSORS)
    # balanced: x − x̄ᵢ − x̄ₜ + x̄, then statsmodels' VIF with a constant
    x = frame[REGRESSORS]
    within = (x - x.groupby(frame[entity]).transform("mean")
              - x.groupby(frame["year"]).transform("mean") + x.mean())
    design = np.column_stack([np.ones(len(within)), within.to_numpy()])
    for j, name in enumerate(REGRESSORS, start=1):
        assert ours[name] == pytest.approx(variance_inflation_factor(design, j), rel=1e-9)
    assert max(ours.values()) < 2  # the pooled VIF in levels is 48


def test_an_absorbed_control_has_no_within_vif():
    frame, entity = _panel(), "state"
    frame["coastal"] = frame[entity].astype("category").cat.codes % 2
    out = vif_within(frame, entity, "year", [*REGRESSORS, "coastal"])
    assert set(out) == set(REGRESSORS)
