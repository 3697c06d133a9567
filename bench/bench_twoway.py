"""Two-way fixed effects with entity-clustered SEs on synthetic balanced panels: reporter
beside pyfixest `feols` and linearmodels `PanelOLS`, on the same data.

Each (library, size) runs in a fresh subprocess, which generates the panel, warms the
library up on a small panel (pyfixest compiles with numba on first use), and then:

- memory: extra peak = `ru_maxrss` after one fit on the big panel minus the resident set
  (`/proc/self/statm`) just before it; the panel is generated column by column so that the
  high-water mark before the fit is the resident set;
- time: median of `--repeat` further fits (ours includes building `PanelDesign`, since the
  peers factorise their ids inside the call too).

The parent checks that the three agree on the coefficients, and on the SEs up to the known
small-sample factors: ours is Stata's G/(G-1)·(n-1)/(n-K) with K = k + T (slopes, constant,
T-1 year dummies), and so is pyfixest's CRV1 default (fixed effects nested in the clusters
not counted); linearmodels' `fit(cov_type="clustered")` scales by n/(n-k-G-(T-1))
(`count_effects=True`) and has no G/(G-1).

    python bench/bench_twoway.py [--sizes 6000,200000,2000000] [--repeat 5]
                                 [--libs ours,pyfixest,linearmodels]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

N_PERIODS = 20
K = 5
LIBS = ("ours", "pyfixest", "linearmodels")
XS = [f"x{j + 1}" for j in range(K)]
BETA = np.array([0.5, 0.2, -0.1, 0.05, 0.0])


def panel(rows: int, seed: int = 1):
    """A balanced panel of rows/20 entities × 20 years, sorted by id then year."""
    import pandas as pd

    n_e = rows // N_PERIODS
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(n_e, dtype=np.int64), N_PERIODS)
    years = np.tile(np.arange(2001, 2001 + N_PERIODS, dtype=np.int64), n_e)
    alpha = rng.normal(size=n_e)
    frame = pd.DataFrame({"id": ids, "year": years})
    y = alpha[ids] + 0.1 * (years - 2001)
    for j, name in enumerate(XS):
        col = rng.normal(size=ids.size)
        col += 0.5 * alpha[ids]
        frame[name] = col
        y += BETA[j] * col
    y += rng.normal(size=ids.size) * (1 + 0.5 * np.abs(alpha[ids]))
    frame["y"] = y
    return frame


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def fitter(lib: str):
    """A function frame -> (coefficients, SEs) for one library, and the data it takes."""
    if lib == "ours":
        from reporter.battery.panel import PanelDesign, estimate

        def fit(frame):
            design = PanelDesign.from_frame(frame, "id", "year")
            res = estimate(frame, design, "y", XS, model_id="bench", entity_effects=True,
                           time_effects=True)
            return res.beta, np.sqrt(np.diag(res.cov))

        return fit, lambda frame: frame
    if lib == "pyfixest":
        import pyfixest as pf

        formula = f"y ~ {' + '.join(XS)} | id + year"

        def fit(frame):
            res = pf.feols(formula, data=frame, vcov={"CRV1": "id"})
            return res.coef().to_numpy(), res.se().to_numpy()

        return fit, lambda frame: frame
    if lib == "linearmodels":
        from linearmodels import PanelOLS

        def fit(data):
            res = PanelOLS(data["y"], data[XS], entity_effects=True, time_effects=True).fit(
                cov_type="clustered", cluster_entity=True)
            return res.params.to_numpy(), res.std_errors.to_numpy()

        return fit, lambda frame: frame.set_index(["id", "year"])
    raise ValueError(lib)


def child(lib: str, rows: int, repeat: int) -> dict:
    fit, prepare = fitter(lib)
    fit(prepare(panel(600, seed=2)))  # warm-up: imports, numba compilation, caches
    data = prepare(panel(rows))
    before_rss, before_max = rss_bytes(), maxrss_bytes()
    start = time.perf_counter()
    beta, se = fit(data)
    first = time.perf_counter() - start
    extra = maxrss_bytes() - before_rss
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fit(data)
        times.append(time.perf_counter() - start)
    return {"lib": lib, "rows": rows, "median_s": statistics.median(times) if times else first,
            "first_s": first, "times": times, "extra_peak_mb": extra / 2**20,
            "rss_before_mb": before_rss / 2**20, "maxrss_before_mb": before_max / 2**20,
            "beta": list(map(float, beta)), "se": list(map(float, se))}


def measure(lib: str, rows: int, repeat: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", lib, str(rows), str(repeat)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def se_factor(rows: int, k_counted: int) -> float:
    g = rows // N_PERIODS
    return g / (g - 1) * (rows - 1) / (rows - k_counted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="6000,200000,2000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--libs", default=",".join(LIBS))
    parser.add_argument("--child", nargs=3, metavar=("LIB", "ROWS", "REPEAT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        lib, rows, repeat = args.child
        print(json.dumps(child(lib, int(rows), int(repeat))))
        return
    libs = [lib for lib in args.libs.split(",") if lib]
    print("| rows | library | median (s) | extra peak (MB) | time ratio vs ours "
          "| max |Δβ| vs ours | SE ratio / expected |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for rows in map(int, args.sizes.split(",")):
        repeat = args.repeat if rows < 1_000_000 else max(1, min(args.repeat, 3))
        res = {lib: measure(lib, rows, repeat) for lib in libs}
        base = res.get("ours")
        for lib, r in res.items():
            ratio = dbeta = se_check = ""
            if base is not None:
                ratio = f"{r['median_s'] / base['median_s']:.1f}×"
                dbeta = f"{np.max(np.abs(np.subtract(r['beta'], base['beta']))):.1e}"
                ours_k = K + N_PERIODS
                g = rows // N_PERIODS
                counted = rows / (rows - K - g - (N_PERIODS - 1))
                expected = {"ours": 1.0, "pyfixest": 1.0,
                            "linearmodels": np.sqrt(counted / se_factor(rows, ours_k))}[lib]
                observed = np.divide(r["se"], base["se"])
                se_check = f"{observed.mean():.6f} / {expected:.6f}"
            print(f"| {rows:,} | {lib} | {r['median_s']:.3f} | {r['extra_peak_mb']:.0f} "
                  f"| {ratio} | {dbeta} | {se_check} |", flush=True)


if __name__ == "__main__":
    main()
