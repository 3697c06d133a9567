"""Every estimate against R (plm + sandwich + car), from fixtures made by
tests/reference/make_reference.R. The reference is data; the test is a loop."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reporter.battery.descriptives import correlations, descriptives, vif
from reporter.battery.panel import PanelDesign, fit_panel_ols

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "reference" / "fixtures").glob("*.json"))
RTOL = 1e-6

# model id -> (entity effects, time effects, with controls)
SPECS = {
    "pooled_ols": (False, False, True),
    "fe_entity": (True, False, True),
    "baseline": (True, True, False),
    "baseline_controls": (True, True, True),
}


def _close(actual: float, expected: float, what: str, rtol: float = RTOL) -> None:
    # p-values that underflow in R are stored as 0 (or as a subnormal, which has lost its
    # precision); anything below 1e-12 matches them.
    if abs(expected) < 1e-300:
        assert abs(actual) < 1e-12, what
        return
    assert actual == pytest.approx(expected, rel=rtol, abs=0), what


@pytest.fixture(scope="module", params=FIXTURES, ids=[p.stem for p in FIXTURES])
def case(request):
    fx = json.loads(request.param.read_text(encoding="utf-8"))
    frame = pd.read_csv(ROOT / fx["data_file"])
    return fx, frame


def _main_sample(fx: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows with the dependent, core and controls present: the battery's sample for
    the models that share one (selection, VIF); the others drop rows themselves."""
    return frame.dropna(subset=[fx["dependent"], fx["core"], *fx["controls"]])


def test_fixture_set_is_complete():
    assert {p.stem for p in FIXTURES} >= {"grunfeld", "produc", "emplUK", "zhejiang_cities",
                                         "provinces", "produc_holes"}


def test_models_drop_incomplete_rows_each_on_its_own_variables():
    """produc_holes (make_missing.R): the core-only baseline keeps the rows that only miss
    a control, so it has more observations and one more state than the model with
    controls; each records what it left out."""
    fx = json.loads((ROOT / "tests/reference/fixtures/produc_holes.json").read_text())
    frame = pd.read_csv(ROOT / fx["data_file"])
    design = PanelDesign.from_frame(frame, "state", "year")
    fits = {model_id: fit_panel_ols(frame, design, "lgsp", regressors, model_id=model_id,
                                    entity_effects=True, time_effects=True, estimator="test")
            for model_id, regressors in (("baseline", ["lpcap"]),
                                         ("baseline_controls", ["lpcap", "lpc", "lemp",
                                                                "unemp"]))}
    core, full = fits["baseline"], fits["baseline_controls"]
    assert (core.nobs, full.nobs) == (fx["models"]["baseline"]["nobs"], fx["nobs"])
    assert (core.n_entities, full.n_entities) == (48, 47)
    assert core.diagnostics["missing"] == {"rows": fx["missing"]["rows_core"], "entities": 0,
                                           "by_variable": {"lgsp": 16, "lpcap": 8}}
    lost = full.diagnostics["missing"]
    assert (lost["rows"], lost["entities"]) == (fx["missing"]["rows"], 1)
    assert lost["by_variable"]["unemp"] == int(frame["unemp"].isna().sum())


def test_descriptives(case):
    fx, frame = case
    ours = descriptives(frame, list(fx["descriptives"]))
    for var, ref in fx["descriptives"].items():
        for key, value in ref.items():
            _close(getattr(ours[var], key), value, f"{var}.{key}")


def test_correlations(case):
    fx, frame = case
    names = list(fx["correlations"]["r"])
    ours = correlations(frame.dropna(subset=names), names)  # listwise, as the battery
    for a in names:
        for b in names:
            _close(ours.r[a][b], fx["correlations"]["r"][a][b], f"r[{a},{b}]")
            _close(ours.p[a][b], fx["correlations"]["p"][a][b], f"p[{a},{b}]")


def test_vif(case):
    fx, frame = case
    ours = vif(_main_sample(fx, frame), [fx["core"], *fx["controls"]])
    assert set(ours) == set(fx.get("vif", {}))
    for var, value in fx.get("vif", {}).items():
        _close(ours[var], value, var)


@pytest.mark.parametrize("model_id", list(SPECS))
def test_panel_models(case, model_id):
    fx, frame = case
    entity_effects, time_effects, with_controls = SPECS[model_id]
    regressors = [fx["core"], *(fx["controls"] if with_controls else [])]
    design = PanelDesign.from_frame(frame, fx["entity"], fx["time"])
    model = fit_panel_ols(frame, design, fx["dependent"], regressors, model_id=model_id,
                          entity_effects=entity_effects, time_effects=time_effects,
                          estimator="test")
    ref = fx["models"][model_id]
    assert model.nobs == ref["nobs"]
    assert model.n_clusters == ref["n_clusters"]
    assert model.df_resid == ref["df_resid"]
    assert model.df_inference == ref["n_clusters"] - 1
    assert set(model.coefficients) == set(ref["coefficients"])
    for var, coef in ref["coefficients"].items():
        for key, value in coef.items():
            _close(getattr(model.coefficients[var], key), value, f"{model_id}.{var}.{key}")
        _close(model.diagnostics["classical_std_error"][var],
               ref["classical"][var]["std_error"], f"{model_id}.{var}.classical")
    _close(model.r2, ref["r2"], "r2")
    if ref.get("r2_within") is not None:
        _close(model.r2_within, ref["r2_within"], "r2_within")


def test_contract_cluster_convention_against_linearmodels():
    """linearmodels (debiased, group_debias) scales the cluster sandwich by
    G/(G-1)·(n-1)/(n-k-N-T+1), counting the absorbed entity effects; the contract (Stata
    xtreg, fe vce(cluster)) uses G/(G-1)·(n-1)/(n-k-T). Same point estimates, and the
    variances differ by exactly (n-k-N-T+1)/(n-k-T)."""
    from linearmodels import PanelOLS

    fx = json.loads((ROOT / "tests/reference/fixtures/grunfeld.json").read_text())
    frame = pd.read_csv(ROOT / fx["data_file"])
    design = PanelDesign.from_frame(frame, "firm", "year")
    ours = fit_panel_ols(frame, design, "inv", ["value", "capital"], model_id="baseline",
                         entity_effects=True, time_effects=True, estimator="test")
    panel = frame.set_index(["firm", "year"])
    theirs = PanelOLS(panel["inv"], panel[["value", "capital"]], entity_effects=True,
                      time_effects=True).fit(cov_type="clustered", cluster_entity=True,
                                             debiased=True, group_debias=True)
    n, k, t, g = 200, 2, 20, 10
    assert ours.diagnostics["cluster_factor"] == pytest.approx(
        g / (g - 1) * (n - 1) / (n - k - t), rel=1e-15)
    for var in ("value", "capital"):
        assert ours.coefficients[var].estimate == pytest.approx(theirs.params[var], rel=1e-10)
        ratio = (ours.coefficients[var].std_error / theirs.std_errors[var]) ** 2
        assert ratio == pytest.approx((n - k - g - t + 1) / (n - k - t), rel=1e-10)


def test_random_effects_and_selection_tests(case):
    """Swamy-Arora RE (plm's unbalanced moment equations) and pFtest/plmtest/phtest."""
    from reporter.battery.selection import selection

    fx, frame = case
    frame = _main_sample(fx, frame)
    design = PanelDesign.from_frame(frame, fx["entity"], fx["time"])
    result = selection(frame, design, fx["dependent"], [fx["core"], *fx["controls"]], 0.05)
    re = next(m for m in result.models if m.id == "re")
    ref = fx["models"]["re"]
    for var, coef in ref["coefficients"].items():
        for key, value in coef.items():
            _close(getattr(re.coefficients[var], key), value, f"re.{var}.{key}")
    _close(re.diagnostics["sigma2_idios"], ref["sigma2_idios"], "sigma2_idios")
    _close(re.diagnostics["sigma2_indiv"], ref["sigma2_indiv"], "sigma2_indiv")
    _close(re.r2, ref["r2_overall"], "r2_overall")
    for name in ("hausman", "f_entity", "bp_lm"):
        test = result.tests[name]
        _close(test.stat, fx["tests"][name]["stat"], f"{name}.stat")
        if test.extra.get("applicable") is False:  # R prints a p-value regardless
            assert math.isnan(test.p_value) and test.extra["min_eigenvalue"] < 0, name
            continue
        _close(test.p_value, fx["tests"][name]["p_value"], f"{name}.p")


def test_sample_fixtures_were_made_from_the_committed_data():
    """A regenerated sample CSV must come with regenerated fixtures (make_*.R)."""
    import hashlib

    for folder in ("", "battery"):
        for path in sorted((ROOT / "tests/reference/fixtures" / folder).glob("*.json")):
            fx = json.loads(path.read_text(encoding="utf-8"))
            if "data_md5" in fx:
                data = (ROOT / fx["data_file"]).read_bytes()
                assert hashlib.md5(data).hexdigest() == fx["data_md5"], path.name


def test_random_effects_convention_against_linearmodels():
    """linearmodels' RandomEffects equals plm's Swamy-Arora on a balanced panel but uses a
    different between-variance estimator on an unbalanced one; the contract follows plm
    (checked against the R fixtures above), so on EmplUK the two must differ."""
    import statsmodels.api as sm
    from linearmodels import RandomEffects

    from reporter.battery.selection import random_effects

    for name, entity, y, xs, same in (("grunfeld", "firm", "inv", ["value", "capital"], True),
                                      ("emplUK", "firm", "emp", ["wage", "capital", "output"],
                                       False)):
        frame = pd.read_csv(ROOT / "tests/reference/data" / f"{name}.csv")
        ours = random_effects(frame, PanelDesign.from_frame(frame, entity, "year"), y, xs)
        panel = frame.set_index([entity, "year"])
        theirs = RandomEffects(panel[y], sm.add_constant(panel[xs])).fit()
        agree = np.isclose(ours.sigma2_indiv, theirs.variance_decomposition["Effects"],
                           rtol=1e-8)
        assert agree == same, name
        assert np.isclose(ours.beta[1], theirs.params[xs[0]], rtol=1e-8) == same, name
