"""The status section reads levels (issue 21): a dependent that enters the models as a log
is ranked, trended and labelled in its source column, with its unit; the models keep the
log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reporter import api
from tests.studies import ROOT, write_study


def test_a_log_dependent_is_described_in_levels(tmp_path: Path):
    path = write_study(tmp_path, 'dependent = "ln_hx"\ncore = "ec"\ncontrols = ["x1"]\n')
    path.write_text(path.read_text(encoding="utf-8").replace("[model]", (
        '[variables.hx_export]\nlabel = { zh = "高新技术产品出口额", en = "high-tech exports" }\n'
        'unit = { zh = "亿元", en = "100 million yuan" }\n'
        '[prepare]\nlog = { ln_hx = "hx_export" }\n[model]')), encoding="utf-8")
    analysis = api.analyse(path)
    status = analysis.results.status
    frame = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")
    latest = frame[frame.year == 2023].set_index("city")["hx_export"]
    assert status.variable == "hx_export"
    assert status.entities[0].value == pytest.approx(latest.max(), rel=1e-12)
    assert status.dependent_mean[-1] == pytest.approx(latest.mean(), rel=1e-12)
    core = analysis.results.model("baseline_controls")
    assert core.dependent == "ln_hx"  # the models keep the log
    assert np.isfinite(core.coefficients["ec"].estimate)
    ranking = analysis.tables("en")["ranking"]
    assert "Level in 2023 (100 million yuan)" in ranking.columns
    texts = {f["key"]: f["text"]["en"] for f in analysis.findings()}
    assert "mean high-tech exports across cities" in texts["trend"]
    assert "high-tech exports (log)" in texts["core_effect"]
