"""The fast paths of issue 9 against brute force, and the batch CLI.

- `estimate` (in-place demeaning, the entity × period reshape for grid-ordered balanced
  panels, gathered means for shuffled ones, FWL for unbalanced ones, per-entity score sums,
  blocked QR for the rank check) equals the explicit dummy-variable regression with its
  cluster sandwich, on seeded balanced and unbalanced panels, sorted and shuffled;
- `reporter run --config A --config B … [--jobs N]`: every study runs, one failing does not
  stop the others, each failure is printed in both languages, the exit code is the worst.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from studies import write_study

from reporter.battery import panel as panel_module
from reporter.battery.demean import demean_entity, demean_twoway, is_grid
from reporter.battery.panel import PanelDesign, check_rank, estimate
from reporter.cli import main
from reporter.errors import EstimationError

ROOT = Path(__file__).resolve().parent.parent
CITY = ROOT / "data" / "zhejiang_hightech.toml"


def _panel(seed: int, drop: float, shuffle: bool, k: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_e, n_t = int(rng.integers(4, 25)), int(rng.integers(3, 10))
    e = np.repeat(np.arange(n_e), n_t)
    t = np.tile(np.arange(n_t), n_e)
    keep = rng.random(e.size) >= drop
    keep[np.unique(e, return_index=True)[1]] = True
    keep[np.unique(t, return_index=True)[1]] = True
    e, t = e[keep], t[keep]
    alpha = rng.normal(size=n_e)[e]
    x = rng.normal(size=(e.size, k)) + alpha[:, None]
    y = x @ rng.normal(size=k) + alpha - 0.2 * t + rng.normal(size=e.size) * (1 + np.abs(alpha))
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(k)])
    frame.insert(0, "id", [f"e{i:02d}" for i in e])
    frame.insert(1, "year", 2000 + t)
    frame["y"] = y
    if shuffle:
        frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return frame


def _brute_force(frame: pd.DataFrame, xs: list[str]) -> dict[str, object]:
    """OLS on the regressors and every entity and year dummy (first year dropped), the
    HC0 entity-cluster sandwich of the slopes times Stata's factor, and R² within."""
    e_codes, e_levels = pd.factorize(frame["id"], sort=True)
    t_codes, t_levels = pd.factorize(frame["year"], sort=True)
    n, g, periods, k = len(frame), len(e_levels), len(t_levels), len(xs)
    dummies = np.zeros((n, g + periods - 1))
    dummies[np.arange(n), e_codes] = 1.0
    later = t_codes > 0
    dummies[np.flatnonzero(later), g + t_codes[later] - 1] = 1.0
    w = np.hstack([frame[xs].to_numpy(), dummies])
    y = frame["y"].to_numpy()
    bread = np.linalg.inv(w.T @ w)
    coef = bread @ (w.T @ y)
    resid = y - w @ coef
    scores = np.zeros((g, w.shape[1]))
    for i in range(n):
        scores[e_codes[i]] += w[i] * resid[i]
    sandwich = (bread @ scores.T @ scores @ bread)[:k, :k]
    factor = g / (g - 1) * (n - 1) / (n - (k + periods))
    y_within = y - (np.bincount(e_codes, weights=y) / np.bincount(e_codes))[e_codes]
    ssr = float(resid @ resid)
    return {"beta": coef[:k], "cov": factor * sandwich, "resid": resid, "ssr": ssr,
            "r2_within": 1 - ssr / float(y_within @ y_within)}


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("drop", "shuffle"), [(0.0, False), (0.0, True), (0.25, False),
                                               (0.25, True)])
def test_twoway_fit_equals_dummy_regression(seed, drop, shuffle):
    frame = _panel(seed, drop, shuffle)
    before = frame.copy()
    xs = ["x0", "x1", "x2"]
    design = PanelDesign.from_frame(frame, "id", "year")
    assert design.grid == (drop == 0.0 and not shuffle)
    fit = estimate(frame, design, "y", xs, model_id="t", entity_effects=True,
                   time_effects=True)
    brute = _brute_force(frame, xs)
    scale = np.max(np.abs(brute["beta"]))
    np.testing.assert_allclose(fit.beta, brute["beta"], rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(fit.cov, brute["cov"], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(fit.resid, brute["resid"], rtol=0, atol=1e-9)
    assert fit.ssr == pytest.approx(brute["ssr"], rel=1e-10)
    assert fit.r2_within == pytest.approx(brute["r2_within"], rel=1e-10)
    pd.testing.assert_frame_equal(frame, before)  # the caller's data is never touched


@pytest.mark.parametrize("shuffle", [False, True])
def test_inplace_demeaning_equals_copying(shuffle):
    frame = _panel(7, 0.0, shuffle)
    design = PanelDesign.from_frame(frame, "id", "year")
    values = frame[["y", "x0", "x1"]].to_numpy()
    copied = demean_twoway(values, design.entity, design.time, design.n_entities,
                           design.n_periods)
    np.testing.assert_array_equal(values, frame[["y", "x0", "x1"]].to_numpy())
    for order in ("C", "F"):
        own = np.array(values, order=order)
        out = design.demean(own, entity_effects=True, time_effects=True, inplace=True)
        assert out is own
        np.testing.assert_allclose(out, copied, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        demean_entity(values, design.entity, design.n_entities),
        values - pd.DataFrame(values).groupby(design.entity).transform("mean").to_numpy(),
        rtol=0, atol=1e-12)


def test_grid_detection():
    e, t = np.repeat(np.arange(3), 4), np.tile(np.arange(4), 3)
    assert is_grid(e, t, 3, 4)
    assert not is_grid(t % 3, e, 3, 4)
    assert not is_grid(e[:-1], t[:-1], 3, 4)


def test_cluster_sums_grid_and_gathered_agree():
    frame = _panel(3, 0.0, False)
    grid = PanelDesign.from_frame(frame, "id", "year")
    assert grid.grid
    x, r = frame[["x0", "x1"]].to_numpy(), frame["y"].to_numpy()
    scattered = PanelDesign(grid.entity, grid.time, grid.n_entities, grid.n_periods + 1)
    assert not scattered.grid
    np.testing.assert_allclose(grid.cluster_sums(x, r), scattered.cluster_sums(x, r),
                               rtol=1e-12, atol=1e-12)


def test_blocked_rank_check_names_the_collinear_column(monkeypatch):
    monkeypatch.setattr(panel_module, "_CHUNK", 16)  # several blocks of rows
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3))
    check_rank(x, ["a", "b", "c"], "m")
    x = np.hstack([x, x[:, :1] * 2 - x[:, 1:2]])
    with pytest.raises(EstimationError) as caught:
        check_rank(x, ["a", "b", "c", "d"], "m")
    assert caught.value.params["variables"] in {"a", "b", "d"}


# --- several studies in one run ------------------------------------------------------------

def _typo(tmp_path: Path) -> Path:
    return write_study(tmp_path / "a", 'dependent = "compet"\ncore = "ec"\ncontols = ["x1"]',
                       name="typo")


def _singular(tmp_path: Path) -> Path:
    frame = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")
    frame["ec_copy"] = 2 * frame["ec"]
    return write_study(tmp_path / "b",
                       'dependent = "compet"\ncore = "ec"\ncontrols = ["x1", "ec_copy"]', frame,
                       name="singular")


def test_batch_one_failing_study_does_not_stop_the_next(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "--config", str(_typo(tmp_path)), "--config",
                                       str(CITY), "--output", str(out), "--lang", "en",
                                       "--format", "json"])
    assert result.exit_code == 2, result.output
    assert "contols" in result.output and "错误" in result.output and "Error" in result.output
    assert "1 of 2 studies failed" in result.output and "2 项研究中 1 项失败" in result.output
    assert (out / "zhejiang-hightech" / "2023" / "results.json").is_file()
    assert not (out / "typo").exists()


@pytest.mark.slow
def test_batch_with_a_pool_exits_with_the_worst_code(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "--config", str(_typo(tmp_path)), "--config",
                                       str(_singular(tmp_path)), "--jobs", "2", "--output",
                                       str(out), "--format", "json"])
    assert result.exit_code == 3, result.output
    assert "contols" in result.output and "ec_copy" in result.output
    assert result.output.index("typo.toml") < result.output.index("singular.toml")
    assert "2 of 2 studies failed" in result.output
    assert "Traceback" not in result.output


def test_jobs_must_be_positive():
    result = CliRunner().invoke(main, ["run", "--jobs", "0"])
    assert result.exit_code == 2


@pytest.mark.slow
def test_batch_pool_workers_start_warm():
    """A pool worker imports the rendering libraries once, before its first study."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    from reporter.workers import warm_worker

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=warm_worker, initargs=(os.getpid(),)) as pool:
        loaded = pool.submit(_loaded, ("weasyprint", "matplotlib.pyplot", "pandas")).result()
    assert loaded == [True, True, True]


def _loaded(names: tuple[str, ...]) -> list[bool]:
    import sys

    return [name in sys.modules for name in names]


def test_chart_png_is_opaque_and_equal_to_matplotlib_render(tmp_path):
    """Charts are saved without alpha (WeasyPrint would split it into a soft mask) and
    the colour pixels are exactly matplotlib's own."""
    from PIL import Image

    from reporter.render import charts

    plt = charts._pyplot()
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1], color=charts.ACCENT)
    ax.set_title("规模经济 scale")
    fig.canvas.draw()
    expected = np.asarray(fig.canvas.buffer_rgba())
    path = charts._save(plt, fig, tmp_path / "c.png")
    with Image.open(path) as image:
        assert image.mode == "RGB"
        assert image.info["dpi"] == pytest.approx((charts.DPI, charts.DPI), rel=1e-5)
        got = np.asarray(image)
    assert (expected[..., 3] == 255).all()  # nothing was transparent
    np.testing.assert_array_equal(got, expected[..., :3])


def test_rules_are_compiled_once_a_process():
    from reporter import findings

    findings._compiled.cache_clear()
    facts = {"p": 0.01}
    assert findings.evaluate("p < 0.05", facts, file="rules.toml", key="k")
    assert not findings.evaluate("p < 0.001", facts, file="rules.toml", key="k")
    assert findings.evaluate("p < 0.05", {"p": 0.02}, file="rules.toml", key="k")
    assert findings._compiled.cache_info().misses == 2


def _balanced(n_e: int, n_t: int, seed: int, k: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    e, t = np.repeat(np.arange(n_e), n_t), np.tile(np.arange(n_t), n_e)
    alpha, gamma = rng.normal(size=n_e)[e], rng.normal(size=n_t)[t]
    x = rng.normal(size=(e.size, k)) + alpha[:, None] + 0.5 * gamma[:, None]
    y = (x @ rng.normal(size=k) + alpha + gamma
         + rng.normal(size=e.size) * (1 + 0.5 * np.abs(x[:, 0])))  # heteroskedastic
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(k)])
    frame["y"], frame["id"], frame["year"] = y, [f"e{i:03d}" for i in e], 2000 + t
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)



def _loo_rows(runs) -> dict:
    """Leave-one-out runs as the results hold them, by the entity left out."""
    from reporter.battery import robustness

    assert runs is not None
    return {row["entity"]: row for row in robustness._rows(list(runs.values()))}


@pytest.mark.parametrize(("n_e", "n_t", "seed"), [(5, 4, 1), (12, 11, 2), (29, 10, 3),
                                                  (40, 7, 4), (300, 6, 5)])
def test_leave_one_out_closed_form_equals_refits(n_e, n_t, seed):
    from reporter.battery import robustness
    from reporter.config import ModelConfig

    model = ModelConfig(dependent="y", core="x0", controls=("x1", "x2", "x3"))
    frame = _balanced(n_e, n_t, seed)
    fast = _loo_rows(robustness._balanced_runs(frame, "id", "year", model))
    assert len(fast) == n_e
    for dropped in sorted(frame["id"].unique()):
        slow = _loo_rows({0: robustness._refit_without(frame, "id", "year", model, dropped)})
        slow = slow[dropped]
        for key in ("estimate", "std_error", "p_value"):
            assert fast[dropped][key] == pytest.approx(slow[key], rel=1e-10), (dropped, key)


def test_leave_one_out_closed_form_leaves_out_a_time_invariant_control():
    """A control the entity effects absorb (education in a wage panel) has no coefficient
    in any run: the closed form drops it as the refits do, and still answers."""
    from reporter.battery import robustness
    from reporter.config import ModelConfig

    frame = _balanced(9, 6, 8)
    frame["fixed"] = frame["id"].str[1:].astype(int) * 0.7  # constant within entities
    model = ModelConfig(dependent="y", core="x0", controls=("x1", "fixed", "x2"))
    fast = _loo_rows(robustness._balanced_runs(frame, "id", "year", model))
    assert len(fast) == 9
    for dropped in sorted(frame["id"].unique()):
        slow = _loo_rows({0: robustness._refit_without(frame, "id", "year", model, dropped)})
        slow = slow[dropped]
        for key in ("estimate", "std_error", "p_value"):
            assert fast[dropped][key] == pytest.approx(slow[key], rel=1e-10), (dropped, key)


def test_leave_one_out_unbalanced_or_incomplete_panels_are_refitted():
    from reporter.battery import robustness
    from reporter.config import ModelConfig

    model = ModelConfig(dependent="y", core="x0", controls=("x1",))
    frame = _balanced(8, 5, 5)
    assert robustness._balanced_runs(frame.iloc[1:], "id", "year", model) is None
    holed = frame.copy()
    holed.loc[3, "x1"] = np.nan
    assert robustness._balanced_runs(holed, "id", "year", model) is None
    runs = robustness.leave_one_out(frame.iloc[1:].reset_index(drop=True), "id", "year",
                                    model, 0.05)["runs"]
    assert len(runs) == 8


def test_leave_one_out_absorbs_a_control_that_only_one_entity_moves():
    """Without that entity the control is constant: the closed form hands the sample to
    the refit, where the effects absorb the control (as Stata omits it), so that run equals
    the fit without the control."""
    from reporter.battery import robustness
    from reporter.config import ModelConfig

    frame = _balanced(6, 5, 6)
    frame["only_e000"] = np.where(frame["id"] == "e000", np.arange(len(frame)) % 3, 0.0)
    model = ModelConfig(dependent="y", core="x0", controls=("x1", "only_e000"))
    runs = {r["entity"]: r for r in robustness.leave_one_out(frame, "id", "year", model,
                                                              0.05)["runs"]}
    sample = frame[frame["id"] != "e000"].reset_index(drop=True)
    fit = estimate(sample, PanelDesign.from_frame(sample, "id", "year"), "y", ["x0", "x1"],
                   model_id="leave_one_out", entity_effects=True, time_effects=True)
    assert runs["e000"]["estimate"] == pytest.approx(float(fit.beta[0]), rel=1e-12)
    assert runs["e000"]["std_error"] == pytest.approx(float(np.sqrt(fit.cov[0, 0])), rel=1e-12)
