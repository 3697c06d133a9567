"""A batch of province briefs, as a national user runs them: one study config per province.

`--study national` (the default) generates a national city panel with the sample DGP of
`data/generate.py` (`make_city_panel`): the 29 provinces of the provinces sample plus Tibet
and Xinjiang, 8-16 cities each, 2013-2023, one seeded stream per province. Each province
gets its own CSV and a copy of the default study's config (its id, title, region and data
path changed). `--study provinces` instead runs `--count` copies of the bundled 29-province
study (a longer brief: 17-19 pages a language). Then

- one after another: `reporter run --config a.toml --config b.toml … --jobs 1`,
- with the process pool: the same with `--jobs N` (default: the number of cores),

each a whole process, timed once (a batch is long; `--repeat` for more). Reports the wall
times, the ratio, seconds per brief, the median stage times of the pool's manifests, and
the part of the pool's time that WeasyPrint's layout and writing alone account for.

    python bench/bench_batch.py [--study national|provinces] [--count 31] [--jobs 2]
                                [--format pdf,json] [--repeat 1] [--sequential/--no-sequential]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CITY_STUDY = ROOT / "data" / "zhejiang_hightech.toml"
PROVINCE_STUDY = ROOT / "data" / "provinces_resilience.toml"
EXTRA_PROVINCES = [("西藏", "Tibet"), ("新疆", "Xinjiang")]


def _generator():
    """data/generate.py as a module (it writes nothing on import)."""
    spec = importlib.util.spec_from_file_location("generate", ROOT / "data" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def national_panel(count: int) -> dict[tuple[str, str], object]:
    """{(province zh, en): its city panel} for the first `count` of 31 provinces."""
    gen = _generator()
    provinces = [(p[0], p[1]) for p in gen.PROVINCES] + EXTRA_PROVINCES
    panels = {}
    for i, (zh, en) in enumerate(provinces[:count]):
        for attempt in range(20):  # the DGP asserts TC in (-1, 1); redraw if a seed breaks it
            rng = np.random.default_rng([gen.SEED, 100 + i, attempt])
            n = int(rng.integers(8, 17))
            anchors = rng.dirichlet(np.ones(n)) * 100
            cities = [(f"{zh}{k:02d}市", f"{en} {k:02d}", float(s), float(a)) for k, (s, a)
                      in enumerate(zip(rng.uniform(0.1, 1.0, n), anchors, strict=True), 1)]
            try:
                panels[zh, en] = gen.make_city_panel(cities, rng)
                break
            except AssertionError:
                continue
        else:
            raise SystemExit(f"no valid draw for {en}")
    return panels


def write_national(folder: Path, count: int) -> list[Path]:
    """A CSV and a study config per province, in `folder`."""
    text = CITY_STUDY.read_text(encoding="utf-8")
    paths = []
    for i, ((zh, en), frame) in enumerate(national_panel(count).items()):
        data = folder / f"cities_{i:02d}.csv"
        frame.to_csv(data, index=False, float_format="%.6f")
        config = re.sub(r'(?m)^id = ".*"$', f'id = "province-{i:02d}"', text, count=1)
        config = re.sub(r'(?m)^title = .*$',
                        f'title = {{ zh = "{zh}高新技术产业出口竞争力年度简报", '
                        f'en = "High-Tech Export Competitiveness in {en}: Annual Brief" }}',
                        config, count=1)
        config = re.sub(r'(?m)^region = .*$', f'region = {{ zh = "{zh}", en = "{en}" }}',
                        config, count=1)
        config = re.sub(r'(?m)^path = ".*?"', f'path = "{data.name}"', config, count=1)
        path = folder / f"province_{i:02d}.toml"
        path.write_text(config, encoding="utf-8")
        paths.append(path)
    return paths


def write_provinces(folder: Path, count: int) -> list[Path]:
    """`count` study configs that differ in their id, all on the bundled provinces data."""
    text = PROVINCE_STUDY.read_text(encoding="utf-8")
    data = PROVINCE_STUDY.parent.as_posix()  # data files named in the config, made absolute
    text = re.sub(r'"([^"/]+\.(?:csv|xlsx|parquet))"', f'"{data}/\\1"', text)
    paths = []
    for i in range(count):
        path = folder / f"province_{i:02d}.toml"
        path.write_text(re.sub(r'(?m)^id = "provinces-resilience"',
                               f'id = "province-{i:02d}"', text, count=1),
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


def stage_medians(output: Path) -> dict[str, float]:
    """The median over studies of each stage's seconds in their manifest.json."""
    timings: dict[str, list[float]] = {}
    for manifest in output.glob("*/*/manifest.json"):
        for stage, seconds in json.loads(manifest.read_text(encoding="utf-8"))["timings"].items():
            timings.setdefault(stage, []).append(seconds)
    return {stage: statistics.median(values) for stage, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--study", choices=("national", "provinces"), default="national")
    parser.add_argument("--count", type=int, default=31)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--format", default="pdf,json")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--sequential", action=argparse.BooleanOptionalAction, default=True,
                        help="also time --jobs 1 (the peer of the ratio)")
    args = parser.parse_args()
    env_epoch = os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    with tempfile.TemporaryDirectory() as tmp:
        write = write_national if args.study == "national" else write_provinces
        configs = write(Path(tmp), args.count)
        results = {}
        for jobs in ((1,) if args.sequential else ()) + (args.jobs,):
            results[jobs] = statistics.median(
                batch(configs, Path(tmp) / f"out{jobs}_{r}", jobs, args.format)
                for r in range(args.repeat))
        stages = stage_medians(Path(tmp) / f"out{args.jobs}_0")
        written = all((Path(tmp) / f"out{args.jobs}_0" / c.stem.replace("province_", "province-")
                       ).is_dir() for c in configs)
    par = results[args.jobs]
    print(f"{args.count} {args.study} briefs (--format {args.format}, "
          f"SOURCE_DATE_EPOCH={env_epoch}), {len(os.sched_getaffinity(0))} cores:")
    if args.sequential:
        seq = results[1]
        print(f"    one after another (--jobs 1): {seq:7.1f} s  "
              f"({seq / args.count:.2f} s a brief)")
    print(f"    process pool (--jobs {args.jobs}):     {par:7.1f} s  "
          f"({par / args.count:.2f} s a brief)"
          + (f"; {results[1] / par:.2f}× faster" if args.sequential else ""))
    print(f"    every study folder written: {written}")
    print("    median seconds per study and stage (manifest timings, pool run): "
          + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
    pdf = sum(v for k, v in stages.items() if k.startswith("pdf_"))
    print(f"    WeasyPrint alone (median pdf stages {pdf:.2f} s a study × {args.count} / "
          f"{args.jobs} processes): {pdf * args.count / args.jobs:.1f} s of the pool's "
          f"{par:.1f} s")


if __name__ == "__main__":
    main()
