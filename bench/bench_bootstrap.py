"""Time the wild cluster restricted bootstrap (B = 9,999) on the city panel (132 rows,
G = 12) and on a synthetic 300 x 20 panel, beside pyfixest's `Feols.wildboottest` (the
`wildboottest` package on the one-hot dummy design) on the same data in the same process.
Reports medians of repeated runs and ratios, and both p-values; never pass/fail.

    pip install pyfixest wildboottest   # the peer; without it only our timings are shown
    python bench/bench_bootstrap.py [--repeat 5] [--skip-peer-large]
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from bench_battery import median_seconds, synthetic

from reporter.battery.bootstrap import WildClusterBootstrap, WildT, _draws
from reporter.battery.panel import PanelDesign, estimate
from reporter.config import load_config
from reporter.load import load_panel
from reporter.prepare import prepare

ROOT = Path(__file__).resolve().parent.parent


def ours(frame: pd.DataFrame, entity: str, time: str, y: str, xs: list[str],
         options: WildClusterBootstrap, with_ci: bool) -> Callable[[], float]:
    """Fit, draw and test (and invert for the CI when `with_ci`), as the battery does; the
    weights cache is cleared so every run draws its weights, as the peer does."""

    def run() -> float:
        _draws.cache_clear()
        design = PanelDesign.from_frame(frame, entity, time)
        fit = estimate(frame, design, y, xs, model_id="bench", entity_effects=True,
                       time_effects=True)
        if with_ci:
            return options.test(fit, xs[0]).p
        return WildT(fit, 0, options.draws(fit.n_clusters)[0]).pvalue(0.0)

    return run


def pyfixest_peer(frame: pd.DataFrame, entity: str, time: str, y: str, xs: list[str],
                  weights: str) -> Callable[[], float] | None:
    try:
        import pyfixest as pf
        import wildboottest  # noqa: F401
    except ImportError:
        return None
    data = frame.rename(columns={entity: "unit", time: "period"})
    data["unit"] = pd.factorize(data["unit"], sort=True)[0]  # numba wants numeric cluster ids
    formula = f"{y} ~ {' + '.join(xs)} | unit + period"

    def run() -> float:
        fit = pf.feols(formula, data=data, vcov={"CRV1": "unit"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fit.wildboottest(param=xs[0], reps=9999, seed=1, weights_type=weights)
        return float(out["Pr(>|t|)"])

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-peer-large", action="store_true",
                        help="do not run pyfixest on the 300 x 20 panel (slow)")
    args = parser.parse_args()

    config = load_config(ROOT / "data" / "zhejiang_hightech.toml")
    panel, _ = prepare(load_panel(config), config)
    m = config.model
    city = (panel.frame, panel.entity, panel.time, m.dependent, [m.core, *m.controls])
    large = (synthetic(), "id", "year", "y", ["c4", "x", "c1", "c2", "c3"])  # c4: true 0
    cases = [("city 132 rows, G=12", city, "rademacher", "enumerated 4,096"),
             ("city 132 rows, G=12", city, "webb", "9,999 Webb"),
             ("300 x 20, G=300", large, "rademacher", "9,999 Rademacher")]

    print(f"{'panel':<21}{'draws':<18}{'ours p-only ms':>15}{'ours +CI ms':>13}"
          f"{'pyfixest ms':>13}{'ratio':>7}{'p ours':>9}{'p pyfixest':>11}")
    for name, data, weights, label in cases:
        options = WildClusterBootstrap(weights=weights)
        fast = median_seconds(ours(*data, options, with_ci=False), args.repeat)
        full = median_seconds(ours(*data, options, with_ci=True), args.repeat)
        p_ours = ours(*data, options, with_ci=False)()
        peer = pyfixest_peer(*data, weights)
        if peer is None or (args.skip_peer_large and data is large):
            print(f"{name:<21}{label:<18}{fast * 1e3:>15.1f}{full * 1e3:>13.1f}"
                  f"{'—':>13}{'—':>7}{p_ours:>9.4f}{'—':>11}")
            continue
        p_peer = peer()  # also the warm-up: numba compiles on the first call
        slow = median_seconds(peer, 1 if data is large else args.repeat)
        print(f"{name:<21}{label:<18}{fast * 1e3:>15.1f}{full * 1e3:>13.1f}"
              f"{slow * 1e3:>13.0f}{slow / fast:>7.0f}{p_ours:>9.4f}{p_peer:>11.4f}")


if __name__ == "__main__":
    main()
