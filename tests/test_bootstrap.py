"""The wild cluster restricted bootstrap (reporter/battery/bootstrap.py): the fast path
against a brute-force refit of the dummy-variable regression for every weight vector (exact
p under full enumeration), against the `wildboottest` package on the city study, size under
H0 by Monte Carlo, and the `inference` blocks it gives results.json and the findings."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reporter import pipeline
from reporter.battery import run_battery
from reporter.battery.bootstrap import (
    WEBB,
    WildClusterBootstrap,
    WildT,
    rademacher_enumeration,
)
from reporter.battery.panel import PanelDesign, estimate
from reporter.config import InferenceConfig, load_config
from reporter.errors import InputError
from reporter.findings import conservative, core_facts
from reporter.load import load_panel
from reporter.prepare import prepare
from reporter.results import Coefficient, to_dict

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "reference" / "fixtures" / "bootstrap" / "city_wildboottest.json"
PROVINCE = ROOT / "data" / "provinces_resilience.toml"


def toy_panel(n_entities: int, n_periods: int, k: int, seed: int,
              drop: int = 0) -> pd.DataFrame:
    """A small panel with entity and year effects, clustered errors and `drop` rows removed."""
    rng = np.random.default_rng(seed)
    e = np.repeat(np.arange(n_entities), n_periods)
    t = np.tile(np.arange(n_periods), n_entities)
    effect = rng.normal(size=n_entities)[e] + 0.3 * rng.normal(size=n_periods)[t]
    x = rng.normal(size=(e.size, k)) + 0.5 * rng.normal(size=(n_entities, k))[e]
    scale = rng.uniform(0.5, 2.0, n_entities)[e]
    y = effect + x @ np.linspace(0.4, -0.2, k) + scale * (
        rng.normal(size=e.size) + 0.7 * rng.normal(size=n_entities)[e])
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(k)])
    frame.insert(0, "id", e)
    frame.insert(1, "year", 2000 + t)
    frame["y"] = y
    if drop:
        frame = frame.drop(index=rng.choice(len(frame), drop, replace=False))
    return frame.reset_index(drop=True)


def brute_force(frame: pd.DataFrame, xs: list[str], name: str, draws, b: float = 0.0):
    """t and t* of H0: β_name = b by explicit regressions on [X, entity dummies, year
    dummies] (numpy lstsq), refitted for every weight vector; the contract's factor
    G/(G−1)·(n−1)/(n−k−T)."""
    ids = np.unique(frame["id"])
    cluster = np.searchsorted(ids, frame["id"].to_numpy())
    years = np.unique(frame["year"])
    z = np.column_stack([frame[xs].to_numpy(dtype=float),
                         (frame["id"].to_numpy()[:, None] == ids).astype(float),
                         (frame["year"].to_numpy()[:, None] == years[1:]).astype(float)])
    y = frame["y"].to_numpy(dtype=float)
    j = xs.index(name)
    n, n_clusters = len(y), len(ids)
    factor = n_clusters / (n_clusters - 1) * (n - 1) / (n - len(xs) - len(years))
    bread = np.linalg.inv(z.T @ z)

    def t_of(values: np.ndarray) -> float:
        coef = np.linalg.lstsq(z, values, rcond=None)[0]
        resid = values - z @ coef
        meat = np.zeros((z.shape[1], z.shape[1]))
        for g in range(n_clusters):
            score = z[cluster == g].T @ resid[cluster == g]
            meat += np.outer(score, score)
        var = factor * (bread @ meat @ bread)[j, j]
        return (coef[j] - b) / np.sqrt(var)

    restricted = np.delete(z, j, axis=1)
    target = y - b * z[:, j]
    fitted = restricted @ np.linalg.lstsq(restricted, target, rcond=None)[0] + b * z[:, j]
    resid = y - fitted
    t_star = np.array([t_of(fitted + resid * np.asarray(v)[cluster]) for v in draws])
    return t_of(y), t_star


def _fit(frame: pd.DataFrame, xs: list[str]):
    design = PanelDesign.from_frame(frame, "id", "year")
    return estimate(frame, design, "y", xs, model_id="toy", entity_effects=True,
                    time_effects=True)


def _share(t: float, t_star: np.ndarray) -> float:
    return float(np.mean(t_star**2 >= t**2 * (1 - 1e-9)))


# --- exact: full enumeration against brute force -----------------------------------------

SPECS = [  # G, T, k, rows dropped, tested column, null value b
    (6, 7, 1, 0, "x0", 0.0),
    (6, 7, 3, 0, "x1", 0.0),
    (8, 5, 2, 0, "x0", 0.3),
    (8, 6, 3, 5, "x2", 0.0),
    (7, 6, 2, 4, "x1", -0.2),
]


@pytest.mark.parametrize(("n_entities", "n_periods", "k", "drop", "name", "b"), SPECS)
def test_enumerated_p_equals_brute_force(n_entities, n_periods, k, drop, name, b):
    frame = toy_panel(n_entities, n_periods, k, seed=n_entities * 10 + k, drop=drop)
    xs = [f"x{j}" for j in range(k)]
    fit = _fit(frame, xs)
    draws, kind, enumerated = WildClusterBootstrap(weights="rademacher").draws(n_entities)
    assert (kind, enumerated, len(draws)) == ("rademacher", True, 2 ** n_entities)
    wild = WildT(fit, xs.index(name), draws)
    signs = list(itertools.product([1.0, -1.0], repeat=n_entities))
    t, t_star = brute_force(frame, xs, name, signs, b)
    assert wild.stat(b) == pytest.approx(t, rel=1e-10)
    np.testing.assert_allclose(np.sort(np.abs(wild.stats(b))), np.sort(np.abs(t_star)),
                               rtol=1e-9)
    assert abs(wild.pvalue(b) - _share(t, t_star)) <= 1e-12
    # v = ±1 reproduce the data, so |t*| = |t| exactly twice: ties count
    assert np.sum(np.isclose(np.abs(t_star), abs(t), rtol=1e-9)) == 2


def test_random_webb_draws_equal_brute_force():
    frame = toy_panel(9, 6, 2, seed=3)
    fit = _fit(frame, ["x0", "x1"])
    options = WildClusterBootstrap(reps=199, seed=7)
    draws, kind, enumerated = options.draws(9)
    assert (kind, enumerated, draws.shape) == ("webb", False, (199, 9))
    assert set(np.unique(draws)) <= set(WEBB)
    wild = WildT(fit, 0, draws)
    t, t_star = brute_force(frame, ["x0", "x1"], "x0", draws)
    np.testing.assert_allclose(wild.stats(0.0), t_star, rtol=1e-9)
    assert abs(wild.pvalue(0.0) - _share(t, t_star)) <= 1e-12


@pytest.mark.parametrize("weights", ["rademacher", "webb"])
def test_interval_ends_where_the_brute_force_p_crosses_alpha(weights):
    """The CI by test inversion: just inside each end p ≥ 0.05, just outside p < 0.05, by
    brute-force refits under the null β = end ± δ with the same draws."""
    frame = toy_panel(6, 8, 2, seed=11)
    fit = _fit(frame, ["x0", "x1"])
    options = WildClusterBootstrap(reps=199, seed=5, weights=weights)
    result = options.test(fit, "x0")
    draws = options.draws(6)[0]
    se = float(np.sqrt(fit.cov[0, 0]))
    assert result.ci_low < fit.beta[0] < result.ci_high
    for end, outward in ((result.ci_low, -1.0), (result.ci_high, 1.0)):
        for shift, accepted in ((-1e-6, True), (1e-6, False)):
            b = end + outward * shift * se
            p = _share(*brute_force(frame, ["x0", "x1"], "x0", draws, b))
            assert (p >= 0.05) == accepted, (end, shift, p)


def test_draws_follow_the_weights_rule():
    auto = WildClusterBootstrap()
    assert auto.kind(12) == "webb" and auto.kind(13) == "rademacher"
    draws, kind, enumerated = auto.draws(13)  # 2^13 = 8192 ≤ 9999: enumerate
    assert (kind, enumerated, draws.shape) == ("rademacher", True, (8192, 13))
    assert len({tuple(row) for row in draws}) == 8192
    draws, _, enumerated = auto.draws(14)
    assert not enumerated and draws.shape == (9999, 14)
    assert set(np.unique(draws)) == {-1.0, 1.0}
    again = WildClusterBootstrap().draws(12)[0]
    np.testing.assert_array_equal(auto.draws(12)[0], again)  # the seed fixes the draws
    assert not np.array_equal(again, WildClusterBootstrap(seed=1).draws(12)[0])
    assert rademacher_enumeration(3).tolist()[:2] == [[1, 1, 1], [-1, 1, 1]]


# --- against wildboottest (pyfixest's engine) on the city study ----------------------------


@pytest.fixture(scope="module")
def city_panel():
    config = load_config()
    panel, _ = prepare(load_panel(config), config)
    return config, panel


def _city_fit(panel, regressors):
    design = PanelDesign.from_frame(panel.frame, panel.entity, panel.time)
    return estimate(panel.frame, design, "compet", regressors, model_id="city",
                    entity_effects=True, time_effects=True)


def test_city_matches_wildboottest_with_full_enumeration(city_panel):
    """Same 4,096 draws: |t*| agree up to the small-sample factor, and p differs by exactly
    the tied draws (v = ±1) that wildboottest's strict `>` left out by rounding."""
    _, panel = city_panel
    reference = json.loads(FIXTURE.read_text(encoding="utf-8"))
    options = WildClusterBootstrap(weights="rademacher")
    for spec in reference["models"].values():
        regressors = list(spec["coefficients"])
        fit = _city_fit(panel, regressors)
        scale = np.sqrt((fit.nobs - spec["k_design"]) / (fit.nobs - fit.k_model))
        for name, ref in spec["coefficients"].items():
            draws, _, enumerated = options.draws(fit.n_clusters)
            wild = WildT(fit, fit.names.index(name), draws)
            t_star = np.sort(np.abs(wild.stats(0.0)))
            assert enumerated and ref["reps"] == len(draws) == 4096
            assert wild.stat(0.0) * scale == pytest.approx(ref["t_stat"], rel=1e-9)
            np.testing.assert_allclose(t_star[reference["ranks"]] * scale, ref["abs_t_boot"],
                                       rtol=1e-9)
            assert ref["ties"] == 2
            missed = ref["ties"] - ref["ties_counted"]
            assert wild.pvalue(0.0) - missed / 4096 == pytest.approx(ref["p_value"], abs=1e-12)


@pytest.mark.slow
def test_fixture_is_what_wildboottest_gives_now(tmp_path, monkeypatch):
    pytest.importorskip("wildboottest")
    import importlib.util

    spec = importlib.util.spec_from_file_location("maker", FIXTURE.parent / "make_wildboottest.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    monkeypatch.setattr(maker, "HERE", tmp_path)
    maker.main()
    assert json.loads((tmp_path / FIXTURE.name).read_text()) == json.loads(FIXTURE.read_text())


# --- size under H0 -------------------------------------------------------------------------


@pytest.mark.slow
def test_p_values_are_roughly_uniform_under_the_null():
    """12 clusters of unequal error variance, β = 0 true: WCR p-values are close to
    uniform (seeded; 400 panels × 399 Webb draws)."""
    options = WildClusterBootstrap(reps=399, seed=3)
    rng = np.random.default_rng(2026)
    p_wild, p_cluster = [], []
    for _ in range(400):
        frame = toy_panel(12, 10, 2, seed=int(rng.integers(1 << 31)))
        frame["y"] -= 0.4 * frame["x0"]  # toy_panel's x0 slope is 0.4: make H0 true
        fit = _fit(frame, ["x0", "x1"])
        wild = WildT(fit, 0, options.draws(12)[0])
        p_wild.append(wild.pvalue(0.0))
        p_cluster.append(2 * stats.t.sf(abs(wild.stat(0.0)), 11))
    p_wild = np.array(p_wild)
    assert 0.025 <= np.mean(p_wild < 0.05) <= 0.08
    assert 0.06 <= np.mean(p_wild < 0.10) <= 0.14
    assert stats.kstest(p_wild, "uniform").pvalue > 0.01


# --- the battery's inference blocks -------------------------------------------------------


def test_battery_attaches_inference_blocks(city_panel):
    config, panel = city_panel
    battery = run_battery(panel, config)
    by_id = {m.id: m for m in battery.models}
    record = battery.sensitivity["wild_bootstrap"]
    assert record["seed"] == 20261123 and record["reps"] == 9999
    assert record["weights"] == "auto" and record["skipped"] == {}
    expected = ["baseline", "baseline_controls", "robustness_winsorized",
                "robustness_lagged_core", "robustness_drop_first_year",
                "robustness_drop_last_year", "robustness_driscoll_kraay"]
    assert record["models"] == expected
    for model_id in expected:
        name = "ec_lag1" if model_id == "robustness_lagged_core" else "ec"
        coef = by_id[model_id].coefficients[name]
        wild = coef.inference["wild_bootstrap"]
        assert (wild["weights"], wild["reps"], wild["enumerated"]) == ("webb", 9999, False)
        assert wild["ci_low"] < coef.estimate < wild["ci_high"]
        assert coef.inference["cluster"]["p"] == pytest.approx(
            by_id["baseline_controls" if model_id.endswith("kraay") else model_id]
            .coefficients[name].p_value)
        # 12 clusters: the bootstrap is less confident than the clustered t test
        assert wild["p"] > coef.inference["cluster"]["p"]
        assert "x1" not in by_id[model_id].coefficients or not (
            by_id[model_id].coefficients["x1"].inference)
    main, dk = by_id["baseline_controls"].coef("ec"), by_id["robustness_driscoll_kraay"].coef("ec")
    assert main.inference["driscoll_kraay"]["p"] == dk.p_value
    assert main.inference == dk.inference
    assert list(main.inference) == ["cluster", "wild_bootstrap", "driscoll_kraay"]


def test_iv_coefficient_carries_the_anderson_rubin_test(city_panel):
    config, panel = city_panel
    iv = next(m for m in run_battery(panel, config).models if m.id == "iv_2sls")
    blocks = iv.coef("ec").inference
    assert list(blocks) == ["cluster", "anderson_rubin"]
    ar = iv.diagnostics["anderson_rubin"]
    assert blocks["anderson_rubin"]["p"] == ar["p_value"]
    assert blocks["anderson_rubin"]["ci_low"] == iv.diagnostics["ar_ci_low"]
    assert conservative(iv.coef("ec"))[0] == max(ar["p_value"], iv.coef("ec").p_value)


def test_bootstrap_off_keeps_cluster_blocks(city_panel):
    config, panel = city_panel
    off = replace(config, inference=InferenceConfig(bootstrap=False))
    battery = run_battery(panel, off)
    coef = next(m for m in battery.models if m.id == "baseline").coef("ec")
    assert set(coef.inference) == {"cluster"}
    assert battery.sensitivity["wild_bootstrap"]["method"] is None


def test_results_json_holds_inference_per_coefficient(city_panel):
    config, _ = city_panel
    results = pipeline.analyse(config, pipeline.Timer())
    body = json.loads(json.dumps(to_dict(results)))
    model = next(m for m in body["models"] if m["id"] == "baseline_controls")
    assert set(model["inference"]) == {"ec"}
    assert set(model["inference"]["ec"]["wild_bootstrap"]) == {
        "p", "ci_low", "ci_high", "reps", "weights", "enumerated"}
    assert "inference" not in model["coefficients"]["ec"]  # the contract's six keys stay
    assert body["sensitivity"]["wild_bootstrap"]["seed"] == 20261123


def test_moderation_tests_core_and_interaction():
    config = load_config(PROVINCE)
    results = pipeline.analyse(config, pipeline.Timer())
    moderation = [m for m in results.models if m.id.startswith("moderation_")]
    assert moderation
    for model in moderation:
        names = [n for n, c in model.coefficients.items() if c.inference]
        assert names == [config.model.core, model.diagnostics["interaction"]]
        for name in names:
            wild = model.coef(name).inference["wild_bootstrap"]
            assert wild["weights"] == "rademacher" and not wild["enumerated"]  # G = 29
    assert results.sensitivity["wild_bootstrap"]["skipped"] == {}


def test_findings_grade_on_the_most_conservative_p(city_panel):
    config, panel = city_panel
    battery = run_battery(panel, config)
    by_id = {m.id: m for m in battery.models}
    facts = core_facts(by_id, "ec", 0.05, None)
    main = by_id["baseline_controls"].coef("ec")
    assert facts["p"] == main.p_value  # the contract's cluster p
    assert facts["p_conservative"] == max(b["p"] for b in main.inference.values())
    assert facts["p_method"] == "wild_bootstrap"
    plain = Coefficient(1.0, 0.5, 2.0, 0.04, 0.1, 1.9)  # the existing construction works
    assert conservative(plain) == (0.04, "reported")
    blocks = {"cluster": {"p": 0.04}, "wild_bootstrap": {"p": 0.07}}
    assert conservative(replace(plain, inference=blocks)) == (0.07, "wild_bootstrap")


@pytest.mark.parametrize(("table", "key"), [
    ('weights = "mammen"', "config.bad_choice"), ("reps = 10", "config.out_of_range"),
    ('bootstrap = "yes"', "config.wrong_type"), ("seed = -1", "config.out_of_range"),
    ("draws = 99", "config.unknown_key")])
def test_inference_config_is_checked(tmp_path, table, key):
    text = (ROOT / "data" / "zhejiang_hightech.toml").read_text(encoding="utf-8")
    path = tmp_path / "study.toml"
    data = (ROOT / "data" / "zhejiang_cities.csv").resolve().as_posix()
    text = text.replace('path = "zhejiang_cities.csv"', f'path = "{data}"')
    path.write_text(f"{text}\n[inference]\n{table}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_config(path)
    assert err.value.key == key


def test_inference_config_is_read(tmp_path):
    text = (ROOT / "data" / "zhejiang_hightech.toml").read_text(encoding="utf-8")
    path = tmp_path / "study.toml"
    path.write_text(text + '\n[inference]\nreps = 999\nseed = 7\nweights = "rademacher"\n',
                    encoding="utf-8")
    assert load_config(path).inference == InferenceConfig(True, 999, 7, "rademacher")
    assert load_config().inference == InferenceConfig()


def test_each_groups_subsample_is_bootstrapped_exactly():
    """A heterogeneity group has a handful of clusters (8 central provinces): its core gets
    the wild cluster bootstrap, on its own subsample, and with Rademacher weights the 2^8
    draws are enumerated: the p-value equals the brute-force refits of that subsample."""
    config = load_config(PROVINCE)
    config = replace(config, inference=replace(config.inference, weights="rademacher"))
    results = pipeline.analyse(config, pipeline.Timer())
    core = config.model.core
    groups = [m for m in results.models if m.id.startswith("heterogeneity_")
              and m.id != "heterogeneity_interaction"]
    assert len(groups) == 3
    smallest = min(groups, key=lambda m: m.n_clusters)
    wild = smallest.coef(core).inference["wild_bootstrap"]
    assert wild["enumerated"] and wild["reps"] == 2 ** smallest.n_clusters == 256
    from reporter.indices import build_indices

    frame = build_indices(prepare(load_panel(config), config)[0], config)[0].frame
    group, level = smallest.diagnostics["group"], smallest.diagnostics["level"]
    sample = frame[frame[group] == level].reset_index(drop=True)
    names = {config.data.entity: "id", config.data.time: "year", smallest.dependent: "y"}
    sample = sample.rename(columns=names)
    sample["id"] = pd.factorize(sample["id"], sort=True)[0]
    xs = list(smallest.regressors)
    signs = list(itertools.product([1.0, -1.0], repeat=smallest.n_clusters))
    t, t_star = brute_force(sample, xs, core, signs)
    assert smallest.coef(core).stat == pytest.approx(t, rel=1e-8)
    assert wild["p"] == pytest.approx(_share(t, t_star), abs=1e-12)
    # the interaction model, on the whole panel, is not a subsample: not bootstrapped here
    interaction = next(m for m in results.models if m.id == "heterogeneity_interaction")
    assert "wild_bootstrap" not in interaction.coef(core).inference
