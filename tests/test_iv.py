"""Two-way FE 2SLS, its first stage and weak-instrument diagnostics against R (AER::ivreg,
plm, sandwich, car), from fixtures made by tests/reference/make_iv.R; the lag helper and
the exit-3 errors on small hand-made panels."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reporter.battery.iv import ar_confidence_set, fit_iv_2sls, iv, lag
from reporter.battery.panel import PanelDesign, estimate, wald
from reporter.config import ModelConfig
from reporter.errors import EstimationError
from reporter.results import _plain

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "reference" / "fixtures" / "iv").glob("*.json"))
RTOL = 1e-6
DIAGNOSTICS = ("first_stage_f", "first_stage_f_p_value", "first_stage_f_cluster",
               "first_stage_f_cluster_p_value", "partial_r2")
DEGREES = ("first_stage_f_df1", "first_stage_f_df2", "first_stage_f_cluster_df1",
           "first_stage_f_cluster_df2", "n_dropped_for_lags")


def _close(actual: float, expected: float | None, what: str) -> None:
    # R writes +-inf and NaN as null; p-values that underflow are stored as 0.
    if expected is None:
        assert not math.isfinite(actual), what
    elif expected == 0.0:
        assert abs(actual) < 1e-12, what
    else:
        assert actual == pytest.approx(expected, rel=RTOL, abs=0), what


@pytest.fixture(scope="module", params=FIXTURES, ids=[p.stem for p in FIXTURES])
def case(request):
    fx = json.loads(request.param.read_text(encoding="utf-8"))
    frame = pd.read_csv(ROOT / fx["data_file"])
    models = fit_iv_2sls(frame, fx["entity"], fx["time"], fx["dependent"], fx["endogenous"],
                         fx["controls"], fx["instruments"])
    return fx, models


def test_fixture_set_is_complete():
    assert {p.stem for p in FIXTURES} >= {"grunfeld", "emplUK", "zhejiang_cities", "provinces"}


def test_fixture_inputs_unchanged(case):
    fx, _ = case
    digest = hashlib.md5((ROOT / fx["data_file"]).read_bytes()).hexdigest()
    assert digest == fx["input_md5"], (
        f"{fx['data_file']} changed since the fixture was made; "
        f"rerun `Rscript tests/reference/make_iv.R {fx['dataset']}`")


@pytest.mark.parametrize("stage", ["iv_2sls", "iv_first_stage"])
def test_stage_against_r(case, stage):
    fx, (second, first) = case
    model, ref = (second if stage == "iv_2sls" else first), fx[stage]
    assert model.id == stage
    assert list(model.regressors) == ref["regressors"]
    assert (model.nobs, model.n_clusters, model.df_resid) == (ref["nobs"], ref["n_clusters"],
                                                              ref["df_resid"])
    assert model.n_periods == fx["n_periods"] and model.df_inference == ref["n_clusters"] - 1
    assert model.cov_type == "cluster_entity_stata"
    assert set(model.coefficients) == set(ref["coefficients"])
    for var, coef in ref["coefficients"].items():
        for key, value in coef.items():
            _close(getattr(model.coefficients[var], key), value, f"{stage}.{var}.{key}")
        _close(model.diagnostics["classical_std_error"][var], ref["classical_std_error"][var],
               f"{stage}.{var}.classical")
    for key in ("r2", "r2_within"):
        _close(getattr(model, key), ref[key], f"{stage}.{key}")
    _close(model.diagnostics["cluster_factor"], ref["cluster_factor"], "cluster_factor")


def test_diagnostics_against_r(case):
    fx, (second, first) = case
    ref, ours = fx["diagnostics"], second.diagnostics
    assert ours["instruments"] == fx["instruments"]
    for key in DEGREES:
        assert ours[key] == ref[key], key
    for key in DIAGNOSTICS:
        _close(ours[key], ref[key], key)
        assert first.diagnostics[key] == ours[key], key
    ar = ours["anderson_rubin"]
    assert (ar["df1"], ar["df2"], ar["beta0"]) == (ref["anderson_rubin"]["df1"],
                                                   ref["anderson_rubin"]["df2"], 0.0)
    _close(ar["stat"], ref["anderson_rubin"]["stat"], "AR stat")
    _close(ar["p_value"], ref["anderson_rubin"]["p_value"], "AR p")
    assert ours["ar_ci_kind"] == ref["ar_ci_kind"]
    _close(ours["ar_ci_low"], ref["ar_ci_low"], "AR CI low")
    _close(ours["ar_ci_high"], ref["ar_ci_high"], "AR CI high")
    chi2 = fx["iv_2sls"]["wald_chi2"]
    assert ours["wald_chi2"]["df"] == chi2["df"]
    _close(ours["wald_chi2"]["stat"], chi2["stat"], "Wald chi2")
    _close(ours["wald_chi2"]["p_value"], chi2["p_value"], "Wald p")
    json.dumps(_plain(second), allow_nan=False)  # results.json turns inf/NaN into null


def test_default_instrument_is_lag_of_core():
    frame = pd.read_csv(ROOT / "tests/reference/data/grunfeld.csv")
    second, first = iv(frame, "firm", "year",
                       ModelConfig(dependent="inv", core="value", controls=("capital",)))
    ref = json.loads((ROOT / "tests/reference/fixtures/iv/grunfeld.json").read_text())
    assert (second.id, first.id) == ("iv_2sls", "iv_first_stage")
    assert first.regressors == ("value_lag1", "capital")
    assert second.diagnostics["n_dropped_for_lags"] == 10
    _close(second.coef("value").estimate,
           ref["iv_2sls"]["coefficients"]["value"]["estimate"], "value")


def test_row_order_does_not_matter():
    frame = pd.read_csv(ROOT / "tests/reference/data/emplUK.csv")
    args = ("firm", "year", "emp", "wage", ["capital", "output"])
    ours, _ = fit_iv_2sls(frame, *args)
    shuffled, _ = fit_iv_2sls(frame.sample(frac=1.0, random_state=7), *args)
    for var in ours.coefficients:
        assert shuffled.coef(var).std_error == pytest.approx(ours.coef(var).std_error, rel=1e-10)
    assert shuffled.diagnostics["ar_ci_high"] == pytest.approx(ours.diagnostics["ar_ci_high"],
                                                               rel=1e-10)


def test_lag_matches_on_year_not_row_order():
    frame = pd.DataFrame({
        "city": ["a", "a", "a", "a", "b", "b", "b"],
        "year": [2010, 2011, 2013, 2014, 2011, 2012, 2013],  # a skips 2012
        "x": [1.0, 2.0, 4.0, 5.0, 10.0, 20.0, 30.0],
    }).sample(frac=1.0, random_state=3)
    out = lag(frame, "city", "year", "x")
    expected = {("a", 2010): np.nan, ("a", 2011): 1.0, ("a", 2013): np.nan, ("a", 2014): 4.0,
                ("b", 2011): np.nan, ("b", 2012): 10.0, ("b", 2013): 20.0}
    assert out.name == "x_lag1" and out.index.equals(frame.index)
    for (city, year), value in zip(zip(frame.city, frame.year, strict=True), out, strict=True):
        np.testing.assert_equal(value, expected[city, year])
    lag2 = lag(frame, "city", "year", "x", periods=2)
    assert lag2[(frame.city == "a") & (frame.year == 2013)].item() == 2.0
    assert np.isnan(lag2[(frame.city == "a") & (frame.year == 2014)].item())


def _toy_panel(n_entities: int = 6, years: range = range(2000, 2010), seed: int = 0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame([(e, t) for e in range(n_entities) for t in years],
                         columns=["id", "year"])
    n = len(frame)
    frame["d"] = rng.normal(size=n).cumsum()
    frame["c"] = rng.normal(size=n)
    frame["y"] = 0.5 * frame["d"] + frame["c"] + rng.normal(size=n)
    frame["z_const"] = frame["id"] * 1.5  # constant within entities
    return frame


def test_panel_too_short_for_lags():
    with pytest.raises(EstimationError) as err:
        fit_iv_2sls(_toy_panel(years=range(2000, 2002)), "id", "year", "y", "d", ["c"])
    assert err.value.exit_code == 3 and err.value.key == "estimate.panel_too_short"
    assert "iv_2sls" in err.value.bilingual()


def test_every_other_year_lags_one_period_of_two_years():
    """Biennial data: the lag is the previous observation, two years back (issue 21), so
    each entity loses one period, not all of them."""
    frame = _toy_panel(years=range(2000, 2020, 2))
    model, first_stage = fit_iv_2sls(frame, "id", "year", "y", "d", ["c"])
    assert model.nobs == first_stage.nobs == len(frame) - 6


def test_instrument_constant_within_entities():
    with pytest.raises(EstimationError) as err:
        fit_iv_2sls(_toy_panel(), "id", "year", "y", "d", ["c"], ["z_const"])
    assert err.value.exit_code == 3 and err.value.key == "estimate.no_instrument_power"
    assert err.value.params["instruments"] == "z_const"


def test_singular_controls():
    frame = _toy_panel().assign(c2=lambda f: 2 * f["c"] + f["id"])  # c2 = 2c + entity effect
    with pytest.raises(EstimationError) as err:
        fit_iv_2sls(frame, "id", "year", "y", "d", ["c", "c2"])
    assert err.value.exit_code == 3 and err.value.key == "estimate.singular"


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n_instruments", [1, 2])
def test_ar_set_boundaries_by_brute_force(seed, n_instruments):
    """Each boundary of the AR set, refitted as the regression of y - b·d on the instruments
    and controls, gives exactly the critical value, and a point inside every piece is
    accepted. Weak instruments for small seeds, so unbounded sets occur."""
    frame = _toy_panel(n_entities=8, years=range(2000, 2012), seed=seed)
    rng = np.random.default_rng(100 + seed)
    frame["z1"], frame["z2"] = rng.normal(size=len(frame)), rng.normal(size=len(frame))
    frame["d"] += 0.15 * seed * frame["z1"]
    instruments = ["z1", "z2"][:n_instruments]
    second, _ = fit_iv_2sls(frame, "id", "year", "y", "d", ["c"], instruments)
    diag = second.diagnostics
    design = PanelDesign.from_frame(frame, "id", "year")
    crit = stats.f.ppf(0.95, n_instruments, design.n_entities - 1)

    def ar(b: float) -> float:
        shifted = frame.assign(y_b=frame["y"] - b * frame["d"])
        fit = estimate(shifted, design, "y_b", [*instruments, "c"], model_id="t",
                       entity_effects=True, time_effects=True)
        return wald(fit, instruments).stat

    assert ar(0.0) == pytest.approx(diag["anderson_rubin"]["stat"], rel=1e-10)
    assert diag["ar_ci_kind"] in {"bounded", "union_of_rays", "real_line", "empty", "other"}
    for lo, hi in diag["ar_ci_intervals"]:
        for edge in (lo, hi):
            if math.isfinite(edge):
                assert ar(edge) == pytest.approx(crit, rel=1e-8)
        inner = {(True, True): (lo + hi) / 2, (False, False): 0.0,
                 (False, True): hi - 1.0, (True, False): lo + 1.0}
        assert ar(inner[math.isfinite(lo), math.isfinite(hi)]) <= crit
    if diag["ar_ci_kind"] == "bounded":
        width = diag["ar_ci_high"] - diag["ar_ci_low"]
        assert ar(diag["ar_ci_low"] - width) > crit and ar(diag["ar_ci_high"] + width) > crit


def test_ar_set_shapes():
    """Strong instrument: an interval around π_y/π_d; weak: two rays; none: the real line."""
    one, v = np.array([1.0]), np.eye(1)
    strong = ar_confidence_set(2.0 * one, one, 0.01 * v, 0.0 * v, 0.01 * v, crit=4.0)
    assert strong.kind == "bounded" and strong.low < 2.0 < strong.high
    weak = ar_confidence_set(2.0 * one, 0.05 * one, 0.01 * v, 0.0 * v, 0.01 * v, crit=4.0)
    assert weak.kind == "union_of_rays" and weak.low < weak.high
    flat = ar_confidence_set(0.01 * one, 0.01 * one, 0.01 * v, 0.0 * v, 0.01 * v, crit=4.0)
    assert flat.kind == "real_line"


def test_weak_instruments_put_the_anderson_rubin_set_in_place_of_the_wald_interval():
    """First-stage F below Stock and Yogo's 10 % value (16.38 for one instrument) or a
    cluster F below 10: the robustness table gives the AR set, marked, and says why."""
    from reporter import pipeline
    from reporter.battery.iv import STOCK_YOGO_10
    from reporter.config import load_config
    from reporter.render.html import DEFAULT_TEMPLATES
    from reporter.render.i18n import Translator, load_catalogue
    from reporter.render.tables import robustness_table

    config = load_config(ROOT / "data" / "zhejiang_hightech.toml")
    results = pipeline.analyse(config, pipeline.Timer())
    d = results.model("iv_2sls").diagnostics
    assert STOCK_YOGO_10[1] == 16.38 and d["stock_yogo_10"] == 16.38
    assert d["weak_instruments"] is (d["first_stage_f"] < 16.38 or
                                     d["first_stage_f_cluster"] < 10)
    assert d["weak_instruments"]  # F = 16.30 here
    table = robustness_table(results, config,
                             Translator(load_catalogue([DEFAULT_TEMPLATES], "en"), "en"))
    row = next(r for r in table.rows if r.cells[0].text == results.model("iv_2sls").label["en"])
    assert row.cells[5].text == f"[{d['ar_ci_low']:.3f}, {d['ar_ci_high']:.3f}]†".replace(
        "-", "−")
    assert any(n.startswith("† Weak instruments") and "16.38" in n for n in table.notes)
