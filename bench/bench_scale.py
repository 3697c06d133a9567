"""The whole run at 12, 300 and 3,000 entities (issue 15): pages and time of a brief should
grow with pages, not with entities. Generated panels (T = 10, one control), each run end
to end in this process; reported as pages a language and the ratio of the run's time to
the default study's, measured in the same script.

    python bench/bench_scale.py [--repeat 3] [--sizes 12,300,3000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from reporter import pipeline


def panel(n: int, years: int = 10, seed: int = 7) -> pd.DataFrame:
    """y = 0.4 x + 0.2 c + entity and year effects + noise, with level columns positive."""
    rng = np.random.default_rng(seed)
    entity = np.repeat([f"E{i:04d}" for i in range(n)], years)
    year = np.tile(np.arange(2014, 2014 + years), n)
    alpha = np.repeat(rng.normal(0, 1, n), years)
    x = alpha * 0.5 + rng.normal(0, 1, n * years)
    c = rng.normal(0, 1, n * years)
    y = 0.4 * x + 0.2 * c + alpha + np.tile(np.linspace(0, 1, years), n) \
        + rng.normal(0, 1, n * years)
    return pd.DataFrame({"entity": entity, "year": year, "y": y, "x": x, "c": c,
                         "exports": np.exp(1 + 0.3 * y)})


def study(folder: Path, n: int) -> Path:
    panel(n).to_csv(folder / f"panel_{n}.csv", index=False)
    config = folder / f"scale_{n}.toml"
    config.write_text(f"""
[study]
id = "scale-{n}"
title = {{ zh = "规模测试", en = "Scale test" }}
region = {{ zh = "测试省", en = "Test" }}
year = 2023
[data]
path = "panel_{n}.csv"
entity = "entity"
time = "year"
[status]
share = "exports"
focus = ["E0042"]
[model]
dependent = "y"
core = "x"
controls = ["c"]
""", encoding="utf-8")
    return config


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines()
                    if line.startswith("Pages:")))


def timed(config: Path | None, out: Path) -> tuple[float, dict[str, float], pipeline.RunSummary]:
    started = time.perf_counter()
    summary = pipeline.run(config, out)
    return time.perf_counter() - started, summary.seconds, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="12,300,3000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        configs = {n: study(folder, int(n)) for n in args.sizes.split(",")}
        runs: dict[str, list[float]] = {"default": [], **{n: [] for n in configs}}
        stages: dict[str, dict[str, float]] = {}
        summaries = {}
        for _ in range(args.repeat):  # alternate, so a slow moment hits every size alike
            for name, config in [("default", None), *configs.items()]:
                seconds, stage, summaries[name] = timed(config, folder / "out")
                runs[name].append(seconds)
                stages[name] = stage
        base = statistics.median(runs["default"])
        print("| panel | rows | pages zh / en | run (s) | ratio to default | slowest stages |")
        print("|---|---:|---:|---:|---:|---|")
        for name, times in runs.items():
            out = summaries[name].output
            rows = summaries[name].results.data.nobs
            slow = sorted(stages[name].items(), key=lambda kv: -kv[1])[:3]
            print(f"| {name} | {rows:,} | {pages(out / 'brief_zh.pdf')} / "
                  f"{pages(out / 'brief_en.pdf')} | {statistics.median(times):.2f} | "
                  f"{statistics.median(times) / base:.2f} | "
                  + ", ".join(f"{k} {v:.2f}" for k, v in slow) + " |")


if __name__ == "__main__":
    main()
