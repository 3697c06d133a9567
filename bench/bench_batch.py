"""A batch of province briefs: `--count` copies (31 by default) of the bundled provinces
study, each with its own study id and its data path pointing at the bundled
`data/provinces.csv`, written to a temporary folder; then

- one after another: `reporter run --config a.toml --config b.toml … --jobs 1`,
- with the process pool: the same with `--jobs N` (default: the number of cores),

each a whole process, timed once (a batch is long; `--repeat` for more). Reports the wall
times, the ratio, and seconds per brief.

    python bench/bench_batch.py [--count 31] [--jobs 2] [--format pdf,json] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STUDY = ROOT / "data" / "provinces_resilience.toml"


def write_configs(folder: Path, count: int) -> list[Path]:
    """`count` study configs that differ in their id, all on the bundled provinces data."""
    text = STUDY.read_text(encoding="utf-8")
    data = STUDY.parent.as_posix()  # data files named in the config, made absolute
    text = re.sub(r'"([^"/]+\.(?:csv|xlsx|parquet))"', f'"{data}/\\1"', text)
    paths = []
    for i in range(count):
        path = folder / f"province_{i:02d}.toml"
        path.write_text(re.sub(r'(?m)^id = "provinces-resilience"',
                               f'id = "provinces-resilience-{i:02d}"', text, count=1),
                        encoding="utf-8")
        paths.append(path)
    return paths


def batch(configs: list[Path], output: Path, jobs: int, formats: str) -> float:
    cmd = [sys.executable, "-m", "reporter.cli", "run", "--output", str(output),
           "--format", formats, "--jobs", str(jobs)]
    for path in configs:
        cmd += ["--config", str(path)]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"batch failed ({done.returncode}):\n{done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=31)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--format", default="pdf,json")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    env_epoch = os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    with tempfile.TemporaryDirectory() as tmp:
        configs = write_configs(Path(tmp), args.count)
        results = {}
        for jobs in (1, args.jobs):
            results[jobs] = statistics.median(
                batch(configs, Path(tmp) / f"out{jobs}_{r}", jobs, args.format)
                for r in range(args.repeat))
        same = all((Path(tmp) / "out1_0" / c.stem.replace("province_", "provinces-resilience-")
                    ).exists() for c in configs)
    seq, par = results[1], results[args.jobs]
    print(f"{args.count} briefs (--format {args.format}, SOURCE_DATE_EPOCH={env_epoch}), "
          f"{len(os.sched_getaffinity(0))} cores:")
    print(f"    one after another (--jobs 1): {seq:7.1f} s  ({seq / args.count:.2f} s a brief)")
    print(f"    process pool (--jobs {args.jobs}):     {par:7.1f} s  "
          f"({par / args.count:.2f} s a brief); {seq / par:.2f}× faster")
    print(f"    every study folder written: {same}")


if __name__ == "__main__":
    main()
