"""Time the battery on the two sample panels and on a synthetic 300 x 20 panel, beside
linearmodels' PanelOLS (two-way FE, entity-clustered) fitted to the same data in the same
process. Reports medians of repeated runs and ratios, never pass/fail.

    python bench/bench_battery.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from reporter.battery import run_battery
from reporter.battery.panel import PanelDesign, fit_panel_ols
from reporter.config import Config, ModelConfig, PrepareConfig, StatusConfig, load_config
from reporter.indices import build_indices
from reporter.load import Panel, load_panel
from reporter.prepare import prepare

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(func, repeat: int) -> float:
    func()  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def synthetic(n_entities: int = 300, n_periods: int = 20, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    e = np.repeat(np.arange(n_entities), n_periods)
    t = np.tile(np.arange(2000, 2000 + n_periods), n_entities)
    a = rng.normal(size=n_entities)[e]
    x = rng.normal(size=(e.size, 5)) + 0.5 * a[:, None]
    y = a + 0.1 * (t - 2000) + x @ np.array([0.5, 0.2, -0.1, 0.05, 0.0]) + rng.normal(size=e.size)
    frame = pd.DataFrame(x, columns=["x", "c1", "c2", "c3", "c4"])
    frame.insert(0, "id", [f"e{i:03d}" for i in e])
    frame.insert(1, "year", t)
    frame["y"] = y
    frame["m"] = rng.normal(size=e.size)
    frame["group"] = np.where(np.arange(n_entities)[e] % 3 == 0, "A", "B")
    return frame


def linearmodels_twoway(frame: pd.DataFrame, entity: str, time_: str, y: str, xs: list[str]):
    from linearmodels import PanelOLS

    data = frame.set_index([entity, time_])
    return PanelOLS(data[y], data[xs], entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True)


def ours_twoway(frame: pd.DataFrame, entity: str, time_: str, y: str, xs: list[str]):
    design = PanelDesign.from_frame(frame, entity, time_)
    return fit_panel_ols(frame, design, y, xs, model_id="baseline_controls",
                         entity_effects=True, time_effects=True, estimator="twoway_fe")


def measure(name: str, panel: Panel, config: Config, repeat: int) -> tuple:
    """Battery time, and one two-way FE fit by us and by linearmodels, on one panel."""
    m = config.model
    xs = [m.core, *m.controls]
    battery = median_seconds(lambda: run_battery(panel, config), repeat)
    ours = median_seconds(lambda: ours_twoway(panel.frame, panel.entity, panel.time,
                                              m.dependent, xs), repeat)
    peer = median_seconds(lambda: linearmodels_twoway(panel.frame, panel.entity, panel.time,
                                                      m.dependent, xs), repeat)
    n_models = len(run_battery(panel, config).models)
    return name, len(panel.frame), n_models, battery, ours, peer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    import linearmodels  # noqa: F401 - import cost kept out of the timings

    rows = []
    for name in ("zhejiang_hightech", "provinces_resilience"):
        config = load_config(ROOT / "data" / f"{name}.toml")
        panel, _ = prepare(load_panel(config), config)
        panel, _, _ = build_indices(panel, config)  # e.g. the provinces' eres, ecpc
        rows.append(measure(name, panel, config, args.repeat))

    base = load_config(ROOT / "data" / "zhejiang_hightech.toml")
    model = ModelConfig(dependent="y", core="x", controls=("c1", "c2", "c3", "c4"),
                        moderators=("m",), heterogeneity="group")
    panel = Panel(frame=synthetic(), entity="id", time="year", path=Path("synthetic"),
                  sha256="", encoding=None, entity_names={})
    config = replace(base, model=model, study=replace(base.study, year=2019),
                     status=StatusConfig(), prepare=PrepareConfig())
    rows.append(measure("synthetic 300x20", panel, config, args.repeat))

    print(f"{'panel':<22}{'rows':>6}{'models':>8}{'battery s':>11}"
          f"{'2FE ours ms':>13}{'2FE linearmodels ms':>21}{'ratio':>7}")
    for name, n, k, b, o, p in rows:
        print(f"{name:<22}{n:>6}{k:>8}{b:>11.3f}{o * 1e3:>13.2f}{p * 1e3:>21.2f}{p / o:>7.1f}")


if __name__ == "__main__":
    main()
