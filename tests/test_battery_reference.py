"""The rest of the battery against R, from fixtures made by tests/reference/make_battery.R:
Hausman variants, Driscoll-Kraay, robustness, moderation with marginal effects, mechanisms
with Sobel, heterogeneity with its equal-effects test."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reporter.battery import robustness
from reporter.battery.heterogeneity import heterogeneity
from reporter.battery.mechanisms import mechanism
from reporter.battery.moderation import moderation
from reporter.battery.panel import PanelDesign
from reporter.battery.selection import selection
from reporter.config import ModelConfig

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "reference" / "fixtures" / "battery").glob("*.json"))
RTOL = 1e-6


def _close(actual, expected, what: str, rtol: float = RTOL) -> None:
    if expected == 0.0:
        assert abs(actual) < 1e-12, what
        return
    assert actual == pytest.approx(expected, rel=rtol, abs=0), what


def _coefficients(ours, ref: dict, what: str) -> None:
    assert set(ours) == set(ref), what
    for var, coef in ref.items():
        for key, value in coef.items():
            _close(getattr(ours[var], key), value, f"{what}.{var}.{key}")


@pytest.fixture(scope="module", params=FIXTURES, ids=[p.stem for p in FIXTURES])
def case(request):
    fx = json.loads(request.param.read_text(encoding="utf-8"))
    frame = pd.read_csv(ROOT / fx["data_file"])
    design = PanelDesign.from_frame(frame, fx["entity"], fx["time"])
    model = ModelConfig(dependent=fx["dependent"], core=fx["core"],
                        controls=tuple(fx["controls"]))
    return fx, frame, design, model


def test_fixture_set_is_complete():
    assert {p.stem for p in FIXTURES} == {"grunfeld", "produc", "emplUK", "zhejiang_cities",
                                         "provinces"}


def test_hausman_variants(case):
    fx, frame, design, model = case
    result = selection(frame, design, model.dependent, [model.core, *model.controls], 0.05)
    ref = fx["selection"]
    for name in ("hausman", "hausman_robust", "f_entity", "bp_lm"):
        test = result.tests[name]
        _close(test.stat, ref[name]["stat"], f"{name}.stat")
        if test.extra.get("applicable") is False:
            # V_FE - V_RE not positive definite (R's phtest prints a p-value regardless,
            # Stata warns): we give none; the smallest eigenvalue says why
            assert math.isnan(test.p_value) and test.extra["min_eigenvalue"] < 0, name
            continue
        _close(test.p_value, ref[name]["p_value"], f"{name}.p")
    twoways = ref["hausman_twoways"]
    if twoways["estimable"]:
        # V_FE - V_RE is ill-conditioned here (see vdiff_condition): 1e-6 still holds.
        test = result.tests["hausman_twoways"]
        _close(test.stat, twoways["stat"], "hausman_twoways")
        if test.extra.get("applicable") is False:  # year dummies: V_FE - V_RE indefinite
            assert math.isnan(test.p_value) and test.extra["min_eigenvalue"] < 0
        else:
            _close(test.p_value, twoways["p_value"], "hausman_tw.p")
        assert result.tests["hausman_twoways"].df == twoways["df"]
    else:
        assert math.isnan(result.tests["hausman_twoways"].stat)


def test_driscoll_kraay(case):
    fx, frame, design, model = case
    ref = fx["driscoll_kraay"]
    result = robustness.driscoll_kraay(frame, design, model)
    assert result.diagnostics["maxlag"] == ref["maxlag"]
    assert result.df_inference == ref["t_df"]
    _coefficients(result.coefficients, ref["coefficients"], "dk")


@pytest.mark.parametrize(("block", "prepared"), [("p01_p99", None), ("p05_p95", (0.01, 0.99))])
def test_winsorized(case, block, prepared):
    fx, frame, design, model = case
    ref = fx["robustness"]["winsorized"][block]
    result = robustness.winsorized(frame, design, model, prepared)
    assert result.diagnostics["cuts"] == ref["limits"]
    for var, cut in ref["cuts"].items():
        assert result.diagnostics["clipped"][var] == cut["n_below"] + cut["n_above"], var
    _coefficients(result.coefficients, ref["coefficients"], block)
    _close(result.r2_within, ref["r2_within"], "r2_within")


def test_lagged_core_and_dropped_years(case):
    fx, frame, _, model = case
    ref = fx["robustness"]
    lagged = robustness.lagged_core(frame, fx["entity"], fx["time"], model)
    assert lagged.nobs == ref["lagged_core"]["nobs"]
    _coefficients(lagged.coefficients, ref["lagged_core"]["coefficients"], "lagged")
    first, last = robustness.drop_years(frame, fx["entity"], fx["time"], model)
    for result, key in ((first, "drop_first_year"), (last, "drop_last_year")):
        assert result.diagnostics["dropped_year"] == ref[key]["dropped_year"]
        _coefficients(result.coefficients, ref[key]["coefficients"], key)


def test_leave_one_out(case):
    fx, frame, _, model = case
    ours = robustness.leave_one_out(frame, fx["entity"], fx["time"], model, 0.05)["runs"]
    ref = fx["robustness"]["leave_one_out"]
    assert [str(r["entity"]) for r in ours] == [str(r["entity"]) for r in ref]
    for mine, theirs in zip(ours, ref, strict=True):
        for key in ("estimate", "std_error", "p_value"):
            _close(mine[key], theirs[key], f"loo.{theirs['entity']}.{key}")


def test_moderation(case):
    fx, frame, design, _ = case
    checked = {m: ref for m, ref in fx.get("moderation", {}).items() if "coefficients" in ref}
    if not checked:
        pytest.skip(f"the {fx['dataset']} fixture has no moderator")
    for moderator, ref in checked.items():
        model = ModelConfig(dependent=fx["dependent"], core=fx["core"],
                            controls=tuple(ref["controls"]), moderators=(moderator,))
        result = moderation(frame, design, model, moderator)
        assert result.id == f"moderation_{moderator}"
        _coefficients(result.coefficients, ref["coefficients"], result.id)
        for mine, theirs in zip(result.diagnostics["marginal_effects"],
                                ref["marginal_effects"], strict=True):
            assert mine["percentile"] == theirs["quantile"]
            for key in ("moderator_value", "estimate", "std_error", "stat", "p_value",
                        "ci_low", "ci_high"):
                _close(mine[key], theirs[key], f"{result.id}.me{theirs['quantile']}.{key}")


def test_mechanisms(case):
    fx, frame, design, _ = case
    for mediator, ref in fx.get("mechanisms", {}).items():
        model = ModelConfig(dependent=fx["dependent"], core=fx["core"],
                            controls=tuple(ref["controls"]), mediators=(mediator,))
        (a, b), sobel = mechanism(frame, design, model, mediator)
        _coefficients(a.coefficients, ref["a"]["coefficients"], a.id)
        _coefficients(b.coefficients, ref["b"]["coefficients"], b.id)
        _close(sobel.stat, ref["sobel"]["stat"], "sobel.z")
        _close(sobel.p_value, ref["sobel"]["p_value"], "sobel.p")
        _close(sobel.extra["indirect"], ref["sobel"]["indirect"], "sobel.indirect")
        _close(sobel.extra["std_error"], ref["sobel"]["std_error"], "sobel.se")


HETEROGENEITY = [p for p in FIXTURES if "heterogeneity" in json.loads(p.read_text())]


@pytest.mark.parametrize("path", HETEROGENEITY, ids=[p.stem for p in HETEROGENEITY])
def test_heterogeneity(path):
    fx = json.loads(path.read_text(encoding="utf-8"))
    frame = pd.read_csv(ROOT / fx["data_file"])
    design = PanelDesign.from_frame(frame, fx["entity"], fx["time"])
    model = ModelConfig(dependent=fx["dependent"], core=fx["core"],
                        controls=tuple(fx["controls"]))
    ref = fx["heterogeneity"]
    assert len(HETEROGENEITY) == 2
    frame = frame.assign(**{ref["column"]: frame[ref["column"]].astype(str)})
    models, test = heterogeneity(frame, fx["entity"], fx["time"], design, model, ref["column"])
    by_id = {m.id: m for m in models}
    for level, group in ref["groups"].items():
        _coefficients(by_id[f"heterogeneity_{level}"].coefficients, group["coefficients"],
                      level)
    inter = ref["interaction_test"]
    _coefficients(by_id["heterogeneity_interaction"].coefficients, inter["coefficients"],
                  "interaction")
    _close(test.stat, inter["stat"], "F")
    _close(test.p_value, inter["p_value"], "F.p")
    assert (test.df, test.extra["df2"]) == (inter["df1"], inter["df2"])
    assert np.isclose(test.extra["chi2"], inter["wald"], rtol=RTOL)
