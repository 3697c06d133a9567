"""A control the fixed effects absorb (issue 15): a time-invariant control has no
coefficient in the fixed-effects models ("absorbed", as Stata's "omitted because of
collinearity"), which then equal the models without it to the last digit; pooled OLS and
random effects still estimate it; the tables say so; only an absorbed core stops the run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reporter import pipeline
from reporter.battery.panel import PanelDesign, fit_panel_ols
from reporter.errors import EstimationError
from tests.studies import write_study

ROOT = Path(__file__).resolve().parent.parent


def test_an_absorbed_control_leaves_the_fit_of_the_others_unchanged():
    frame = pd.read_csv(ROOT / "tests/reference/data/grunfeld.csv")
    frame["size"] = frame.groupby("firm")["value"].transform("mean")  # time-invariant
    design = PanelDesign.from_frame(frame, "firm", "year")
    fits = [fit_panel_ols(frame, design, "inv", regressors, model_id="baseline",
                          entity_effects=True, time_effects=True, estimator="twoway_fe")
            for regressors in (["value", "capital", "size"], ["value", "capital"])]
    assert fits[0].diagnostics["absorbed"] == ["size"] and "size" not in fits[0].coefficients
    for name, coef in fits[1].coefficients.items():
        assert fits[0].coefficients[name] == coef, name  # the same numbers, not close ones
    assert fits[0].df_resid == fits[1].df_resid
    with pytest.raises(EstimationError) as info:
        fit_panel_ols(frame, design, "inv", ["size", "value"], model_id="baseline",
                      entity_effects=True, time_effects=True, estimator="twoway_fe")
    assert info.value.key == "estimate.core_absorbed" and info.value.exit_code == 3


def test_a_whole_run_with_a_time_invariant_control(tmp_path):
    frame = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")
    frame["coastal"] = frame["city"].isin(["杭州", "宁波", "温州", "舟山", "台州"]).astype(float)
    config = write_study(tmp_path, 'dependent = "compet"\ncore = "ec"\n'
                                   'controls = ["x1", "coastal"]\nmoderators = ["x1"]', frame)
    summary = pipeline.run(config, tmp_path / "out", langs=("en",), formats=("html", "json"))
    results = summary.results
    for model_id in ("baseline_controls", "fe_entity", "robustness_winsorized",
                     "robustness_driscoll_kraay", "iv_2sls", "moderation_x1"):
        model = results.model(model_id)
        assert model.diagnostics["absorbed"] == ["coastal"], model_id
        assert "coastal" not in model.coefficients, model_id
    for model_id in ("pooled_ols", "re"):
        assert "coastal" in results.model(model_id).coefficients, model_id
    assert results.tests["hausman"].df == 2  # over what both models estimate
    page = (summary.output / "brief_en.html").read_text(encoding="utf-8")
    assert ">absorbed<" in page and "omitted because of collinearity" in page


@pytest.mark.parametrize("sample", ["balanced", "unbalanced"])
def test_random_effects_with_a_time_invariant_regressor_against_plm(sample):
    """Swamy-Arora's σ²_ν comes from the within regression, which absorbs the time-invariant
    regressor; plm counts only the slopes both regressions identify (fixture made by
    tests/reference/make_absorbed.R)."""
    import json

    from reporter.battery.selection import random_effects

    fx = json.loads((ROOT / "tests/reference/fixtures/absorbed/re.json").read_text())[sample]
    frame = pd.read_csv(ROOT / "tests/reference/data/grunfeld.csv")
    frame["size"] = frame.groupby("firm")["value"].transform("mean")
    if sample == "unbalanced":
        frame = frame[~((frame.firm == 3) & (frame.year > 1950))].reset_index(drop=True)
    fit = random_effects(frame, PanelDesign.from_frame(frame, "firm", "year"), "inv",
                         ["value", "capital", "size"])
    se = np.sqrt(np.diag(fit.cov))
    for j, name in enumerate(["const", "value", "capital", "size"]):
        assert fit.beta[j] == pytest.approx(float(fx["estimate"][name]), rel=1e-8), name
        assert se[j] == pytest.approx(float(fx["std_error"][name]), rel=1e-8), name
    assert [fit.sigma2_idios, fit.sigma2_indiv] == pytest.approx(
        [float(v) for v in fx["sigma2"]], rel=1e-8)


def test_general_fgls_leaves_out_what_the_within_transformation_removes():
    """plm::pggls(model = "within") on plm::Wages: education and sex do not vary within a
    worker, so they have no coefficient; the others equal plm's (fixture made by
    tests/reference/make_absorbed.R)."""
    from reporter.battery.fgls import fit_pggls

    fx = json.loads((ROOT / "tests/reference/fixtures/absorbed/pggls.json").read_text())
    frame = pd.read_csv(ROOT / "tests/corpus/wages/panel.csv")
    design = PanelDesign.from_frame(frame, "worker", "year")
    model = fit_pggls(frame, design, "lwage", ["wks", "exp", "ed", "fem", "union", "married",
                                               "south", "smsa"])
    assert model.diagnostics["absorbed"] == ["ed", "fem"]
    assert list(model.coefficients) == list(fx["estimate"])
    for name, coef in model.coefficients.items():
        assert coef.estimate == pytest.approx(float(fx["estimate"][name]), rel=1e-8), name
        assert coef.std_error == pytest.approx(float(fx["std_error"][name]), rel=1e-8), name
