"""End to end: `reporter run` on the default study (both PDFs and results.json) as a whole
process, the per-stage breakdown from its manifest.json, the import time of `reporter.cli`
(`python -X importtime`) and the time to `reporter --version`. Medians of repeated runs,
hyperfine-style (one warm-up, then `--repeat` timed runs), beside `python -c pass` as the
interpreter's own start-up.

    python bench/bench_e2e.py [--repeat 5] [--config FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> list[float]:
    subprocess.run(cmd, check=True, capture_output=True, env=env)  # warm-up: page cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return times


def import_profile(module: str, top: int = 8) -> tuple[float, list[tuple[float, str]]]:
    """Total cumulative import time of `module` and its heaviest imports (seconds)."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                         check=True, capture_output=True, text=True).stderr
    rows = []
    for line in out.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((int(m.group(2)) / 1e6, len(m.group(3)), m.group(4)))
    total = next(c for c, _, name in reversed(rows) if name == module)
    heavy = sorted(((c, name) for c, depth, name in rows if depth <= 3), reverse=True)
    return total, heavy[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--config", default=None, help="a study config (default: bundled)")
    args = parser.parse_args()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    py = sys.executable

    startup = statistics.median(timed([py, "-c", "pass"], args.repeat))
    version = statistics.median(timed([py, "-m", "reporter.cli", "--version"], args.repeat))
    total, heavy = import_profile("reporter.cli")
    print(f"python -c pass: {startup:.3f} s; reporter --version: {version:.3f} s; "
          f"import reporter.cli: {total:.3f} s (-X importtime, cumulative)")
    for seconds, name in heavy:
        print(f"    {seconds:6.3f} s  {name}")

    with tempfile.TemporaryDirectory() as tmp:
        cmd = [py, "-m", "reporter.cli", "run", "--output", tmp]
        if args.config:
            cmd += ["--config", args.config]
        runs = timed(cmd, args.repeat, env)
        manifest = next(Path(tmp).glob("*/*/manifest.json"))
        timings = json.loads(manifest.read_text(encoding="utf-8"))["timings"]
        json_only = statistics.median(timed([*cmd, "--format", "json"], args.repeat, env))
    wall = statistics.median(runs)
    print(f"\nreporter run: median {wall:.2f} s over {len(runs)} runs "
          f"(min {min(runs):.2f}, max {max(runs):.2f}); stages of the last run:")
    for stage, seconds in timings.items():
        print(f"    {stage:<12} {seconds:7.3f} s")
    staged = sum(v for k, v in timings.items()  # "render" is the wall time of the languages
                 if "render" not in timings or not k.startswith(("render_", "pdf_", "html_")))
    print(f"    {'(sum)':<12} {staged:7.3f} s; outside stages (start-up, imports, writing): "
          f"{wall - staged:.2f} s")
    print(f"\nreporter run --format json: median {json_only:.2f} s = {json_only / wall:.2f}x "
          f"the full run (target: at most 0.4x; nothing is rendered)")


if __name__ == "__main__":
    main()
