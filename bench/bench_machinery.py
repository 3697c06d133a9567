"""Does each piece of speed machinery earn its place? `reporter run` on the default study
(both PDFs and results.json, a whole process) with the working tree as it is, beside
copies of it with one piece switched off, in alternating rounds (this machine's speed
drifts from minute to minute; alternating spreads the drift over every variant). The
rule (issue 20): a piece stays only if switching it off costs at least 15 % of the
end-to-end time.

    python bench/bench_machinery.py [--rounds 7] [--config FILE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# variant -> (file in the package, text in it, its replacement); None: the tree as it is.
# A piece of machinery to try is a variant here: its patch switches it off. (The GC
# thresholds, the shared template bytecode and the per-process font configuration were
# measured this way, 2026-12-04, and removed: bench/README.md.)
PATCHES: dict[str, list[tuple[str, str, str]] | None] = {"current": None}
# variant -> environment on top of the current tree
ENVIRONMENTS = {"languages one after the other (no renderer)": {"REPORTER_RENDER_JOBS": "1"}}


def build(folder: Path, patches: list[tuple[str, str, str]] | None) -> Path:
    """A copy of the package (templates and samples resolved), with `patches` applied."""
    package = folder / "reporter"
    shutil.copytree(ROOT / "reporter", package, symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name, old, new in patches or []:
        path = package / name
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            sys.exit(f"{name}: the patch's text is not found once: {old!r}")
        path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--config", default=None, help="a study config (default: bundled)")
    args = parser.parse_args()
    base = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    base.pop("REPORTER_RENDER_JOBS", None)
    with tempfile.TemporaryDirectory() as tmp:
        variants: dict[str, tuple[Path, dict[str, str]]] = {}
        for i, (name, patches) in enumerate(PATCHES.items()):
            tree = build(Path(tmp) / f"v{i}", patches)
            variants[name] = (tree, {**base, "PYTHONPATH": str(tree)})
        for name, extra in ENVIRONMENTS.items():
            tree = variants["current"][0]
            variants[name] = (tree, {**base, "PYTHONPATH": str(tree), **extra})
        times: dict[str, list[float]] = {name: [] for name in variants}
        for round_ in range(args.rounds + 1):  # the first round warms the page cache
            for name, (tree, env) in variants.items():
                out = Path(tmp) / "out"
                shutil.rmtree(out, ignore_errors=True)
                cmd = [sys.executable, "-m", "reporter.cli", "run", "--output", str(out)]
                if args.config:
                    cmd += ["--config", args.config]
                start = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=tree)
                if round_:
                    times[name].append(time.perf_counter() - start)
    current = statistics.median(times["current"])
    print(f"reporter run, default study, {args.rounds} alternating rounds (median wall):\n")
    print("| variant | seconds | × current | the piece saves |")
    print("|---|---:|---:|---:|")
    for name, runs in times.items():
        seconds = statistics.median(runs)
        saved = 1 - current / seconds
        print(f"| {name} | {seconds:.2f} | {seconds / current:.2f} | "
              f"{'—' if name == 'current' else f'{saved:.0%}'} |")


if __name__ == "__main__":
    main()
