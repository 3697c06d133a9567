"""FGLS against tests/reference/fixtures/fgls (made by tests/reference/make_fgls.R): Stata's
`xtgls …, panels(hetero) corr(ar1)` re-implemented from xtgls.ado, and `plm::pggls(within)`.
Plus closed forms: ρ = 0 with one variance is OLS, a fixed ρ is GLS with the AR(1) Ω."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import linalg

from reporter.battery.fgls import fit_pggls, fit_xtgls, plm_block_inverse
from reporter.battery.panel import PanelDesign
from reporter.errors import EstimationError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "reference" / "fixtures" / "fgls").glob("*.json"))
RTOL = 1e-6
FITS = {"fgls": fit_xtgls, "fgls_general": fit_pggls}


def _close(actual: float, expected: float, what: str) -> None:
    # p-values that underflow in R are stored as 0; anything below 1e-12 matches them.
    if expected == 0.0:
        assert abs(actual) < 1e-12, what
        return
    assert actual == pytest.approx(expected, rel=RTOL, abs=0), what


@pytest.fixture(scope="module", params=FIXTURES, ids=[p.stem for p in FIXTURES])
def case(request):
    fx = json.loads(request.param.read_text(encoding="utf-8"))
    path = ROOT / fx["data_file"]
    assert hashlib.md5(path.read_bytes()).hexdigest() == fx["data_md5"], (
        f"{fx['data_file']} changed: rerun Rscript tests/reference/make_fgls.R")
    frame = pd.read_csv(path)
    design = PanelDesign.from_frame(frame, fx["entity"], fx["time"])
    labels = [str(v) for v in np.sort(frame[fx["entity"]].unique())]
    return fx, frame, design, labels


def test_fixture_set_is_complete():
    assert {p.stem for p in FIXTURES} == {"grunfeld", "produc", "emplUK", "zhejiang_cities",
                                         "provinces"}


@pytest.mark.parametrize("model_id", list(FITS))
def test_against_reference(case, model_id):
    fx, frame, design, labels = case
    ref = fx["models"][model_id]
    fit = FITS[model_id]
    if "error" in ref:  # N <= T: the contract refuses the general FGLS
        with pytest.raises(EstimationError) as info:
            fit(frame, design, fx["dependent"], fx["regressors"])
        assert info.value.key == ref["error"]
        assert info.value.params["n_entities"] == ref["n_entities"]
        assert info.value.params["n_periods"] == ref["n_periods"]
        return
    model = fit(frame, design, fx["dependent"], fx["regressors"])
    assert (model.id, model.df_inference, model.n_clusters) == (model_id, 0, ref["n_entities"])
    for key in ("nobs", "n_entities", "n_periods", "df_resid"):
        assert getattr(model, key) == ref[key], key
    assert list(model.coefficients) == list(ref["coefficients"])
    for var, coef in ref["coefficients"].items():
        for key, value in coef.items():
            _close(getattr(model.coefficients[var], key), value, f"{model_id}.{var}.{key}")

    diag = model.diagnostics
    if model_id == "fgls":
        assert model.cov_type == "xtgls_hetero_ar1" and np.isnan(model.r2)
        _close(diag["rho"], ref["rho"], "rho")
        for name in ("rho_by_entity", "panel_variances"):
            for label, value in zip(labels, diag[name], strict=True):
                _close(value, ref[name][label], f"{name}[{label}]")
        assert diag["n_year_dummies"] == ref["n_year_dummies"] == len(ref["year_effects"])
        for ours, value in zip(diag["year_effects"], ref["year_effects"].values(), strict=True):
            _close(ours, value, "year effect")
        _close(diag["wald_chi2"], ref["wald_chi2"], "wald_chi2")
        assert diag["wald_df"] == ref["wald_df"]
    else:
        assert model.cov_type == "pggls_within"
        _close(model.r2, ref["r2"], "r2")
        _close(diag["ssr"], ref["ssr"], "ssr")
        scale = max(abs(v) for row in ref["omega"].values() for v in row if v is not None)
        for ours, row in zip(diag["omega"], ref["omega"].values(), strict=True):
            for a, b in zip(ours, row, strict=True):
                assert (a is None) == (b is None)
                if b is not None:
                    assert a == pytest.approx(b, rel=RTOL, abs=1e-12 * scale)
        assert diag["balanced"] == ref["balanced"]
        # balanced: Ω_T is singular by construction (min eigenvalue is rounding noise);
        # EmplUK's pairwise Ω_T is indefinite, which plm's pivot rule absorbs
        assert diag["omega_indefinite"] == (not ref["balanced"])
        if not ref["balanced"]:
            _close(diag["omega_min_eigenvalue"], ref["omega_min_eigenvalue"], "min eigenvalue")


# --- closed forms -----------------------------------------------------------------------

def _panel(seed: int, n_entities: int = 6, n_periods: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"id": np.repeat(np.arange(n_entities), n_periods),
                          "year": np.tile(2000 + np.arange(n_periods), n_entities)})
    frame["x1"] = rng.normal(size=len(frame))
    frame["x2"] = rng.normal(size=len(frame)) + 0.3 * frame["x1"]
    noise = rng.normal(size=len(frame)) * (1 + frame["id"].to_numpy() % 3)
    frame["y"] = 1.0 + 0.5 * frame["x1"] - 0.2 * frame["x2"] + noise
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # row order


def _design_matrix(frame: pd.DataFrame) -> np.ndarray:
    """[x1, x2, year dummies (first year base), const] in the frame's row order."""
    dummies = pd.get_dummies(frame["year"], drop_first=True, dtype=float).to_numpy()
    return np.column_stack([frame[["x1", "x2"]].to_numpy(), dummies, np.ones(len(frame))])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_xtgls_with_rho_zero_and_one_variance_is_ols_with_year_dummies(seed):
    frame = _panel(seed)
    design = PanelDesign.from_frame(frame, "id", "year")
    model = fit_xtgls(frame, design, "y", ["x1", "x2"], rho=0.0, panels="iid")
    x, y = _design_matrix(frame), frame["y"].to_numpy()
    beta, ssr, *_ = np.linalg.lstsq(x, y, rcond=None)
    se = np.sqrt(np.diag(linalg.inv(x.T @ x)) * ssr[0] / len(y))  # Stata: divisor N
    for j, name in {0: "x1", 1: "x2", x.shape[1] - 1: "const"}.items():
        assert model.coef(name).estimate == pytest.approx(beta[j], rel=1e-10)
        assert model.coef(name).std_error == pytest.approx(se[j], rel=1e-10)


@pytest.mark.parametrize("rho", [-0.3, 0.6])
def test_xtgls_with_fixed_rho_is_gls_with_the_ar1_covariance(rho):
    frame = _panel(7).sort_values(["id", "year"], ignore_index=True)
    design = PanelDesign.from_frame(frame, "id", "year")
    model = fit_xtgls(frame, design, "y", ["x1", "x2"], rho=rho)
    n_periods = design.n_periods
    lags = np.abs(np.subtract.outer(np.arange(n_periods), np.arange(n_periods)))
    sigma2 = np.asarray(model.diagnostics["panel_variances"])
    omega = linalg.block_diag(*(s / (1 - rho**2) * rho**lags for s in sigma2))
    x, y = _design_matrix(frame), frame["y"].to_numpy()
    cov = linalg.inv(x.T @ linalg.solve(omega, x))
    beta = cov @ x.T @ linalg.solve(omega, y)
    for j, name in {0: "x1", 1: "x2", x.shape[1] - 1: "const"}.items():
        assert model.coef(name).estimate == pytest.approx(beta[j], rel=1e-9)
        assert model.coef(name).std_error == pytest.approx(np.sqrt(cov[j, j]), rel=1e-9)


def test_xtgls_refuses_gaps_and_drops_single_observation_panels():
    frame = _panel(4)
    design = PanelDesign.from_frame(frame, "id", "year")
    base = fit_xtgls(frame, design, "y", ["x1", "x2"])
    gap = frame[~((frame["id"] == 2) & (frame["year"] == 2003))]
    with pytest.raises(EstimationError) as info:
        fit_xtgls(gap, PanelDesign.from_frame(gap, "id", "year"), "y", ["x1", "x2"])
    assert info.value.key == "estimate.fgls_gaps"
    single = pd.concat([frame, frame.iloc[[0]].assign(id=99, y=1e6)], ignore_index=True)
    model = fit_xtgls(single, PanelDesign.from_frame(single, "id", "year"), "y", ["x1", "x2"])
    assert model.diagnostics["dropped_singletons"] == 1
    assert (model.nobs, model.n_entities) == (base.nobs, base.n_entities)
    assert model.coef("x1").estimate == pytest.approx(base.coef("x1").estimate, rel=1e-12)


def test_pggls_needs_more_entities_than_periods():
    frame = _panel(5, n_entities=8, n_periods=8)
    design = PanelDesign.from_frame(frame, "id", "year")
    with pytest.raises(EstimationError) as info:
        fit_pggls(frame, design, "y", ["x1", "x2"])
    assert info.value.key == "estimate.fgls_short_panel"
    assert info.value.params == {"model": "fgls_general", "n_entities": 8, "n_periods": 8}
    wide = _panel(5, n_entities=9, n_periods=8)
    assert fit_pggls(wide, PanelDesign.from_frame(wide, "id", "year"), "y", ["x1"]).nobs == 72


def test_plm_block_inverse_matches_bdsmatrix():
    """Values printed by R's bdsmatrix 1.3-6 `solve(bdsmatrix(...), 1)`: positive definite
    blocks are inverted, a negative pivot's component is set to zero."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    spd = a @ a.T + np.eye(5)
    np.testing.assert_allclose(plm_block_inverse(spd, 1e-10), linalg.inv(spd), rtol=1e-10)
    ones = np.ones(2)
    for block, expected in [(np.diag([1.0, -1.0]), [1.0, 0.0]),
                            (np.diag([-1.0, 1.0]), [0.0, 1.0]),
                            (np.array([[2.0, 0.5], [0.5, -1.0]]), [0.5, 0.0])]:
        np.testing.assert_allclose(plm_block_inverse(block, 1e-10) @ ones, expected)
    np.testing.assert_allclose(plm_block_inverse(np.diag([2.0, -1.0, 3.0]), 1e-10) @ np.ones(3),
                               [0.5, 0.0, 1 / 3])


def test_general_fgls_is_shown_and_counted_only_where_identified(tmp_path):
    """N = 12, T = 11: the 66 error covariances cannot be estimated from 12 regions. The
    model stays in results.json (the contract lists it, plm estimates it) flagged as not
    identified, and the brief neither shows nor counts it, saying why."""
    from reporter import pipeline
    from reporter.battery import general_fgls_unidentified
    from reporter.config import load_config
    from reporter.load import load_panel
    from reporter.render.html import DEFAULT_TEMPLATES
    from reporter.render.i18n import Translator, load_catalogue
    from reporter.render.tables import robustness_table, specifications

    city = ROOT / "data" / "zhejiang_hightech.toml"
    panel = load_panel(load_config(city))
    why = general_fgls_unidentified(len(panel.entities), len(panel.periods))
    assert why == {"reason": "estimate.fgls_not_identified", "model": "fgls_general",
                   "n_entities": 12, "n_periods": 11, "parameters": 66}
    config = load_config(city)
    results = pipeline.analyse(config, pipeline.Timer())
    general = results.model("fgls_general")
    assert general.diagnostics["identified"] is False
    assert "fgls_general" not in [m.id for m in specifications(results, "ec")]
    core = next(f for f in results.findings if f.key == "core_effect")
    shown = specifications(results, "ec")  # the baseline and the alternatives shown
    assert core.params["n_specs"] + len(core.params["other_effects"]) == len(shown) - 1
    assert core.params["other_effects"] == ["fgls"]  # shown, not counted (no entity effects)
    table = robustness_table(results, config, Translator(load_catalogue(
        [DEFAULT_TEMPLATES], "en"), "en"))
    assert any("66 variances and covariances" in n and "there are 12" in n
               for n in table.notes)

    assert general_fgls_unidentified(60, 5) is None  # 60 entities >= 15 covariances
    assert general_fgls_unidentified(14, 5)["parameters"] == 15
