"""Rendering one study's two briefs in a warm process, as a run renders and with the charts
saved as matplotlib saves them: interleaved runs, medians, ratios.

    python bench/bench_render.py [--config data/zhejiang_hightech.toml] [--repeat 5]

Variants (each differs from `current` in one respect):

- `current`: as a run renders;
- `rgba_png`: charts saved by `savefig` as matplotlib does (RGBA, zlib level 6).

(The GC thresholds, the shared template bytecode and the per-process font configuration
measured here before were removed: bench_machinery.py found each worth under 15 % of a
whole run.)

The machine's speed drifts by tens of per cent from minute to minute (a shared VM), so the
variants run in rotation and only ratios within this script mean anything.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from reporter import pipeline
from reporter.config import load_config
from reporter.render import charts

ROOT = Path(__file__).resolve().parent.parent


def _savefig(plt, fig, path: Path) -> Path:
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path


def analysed_study(description: str):
    """`--config` and `--repeat` from the command line, and the study analysed as a run
    would before rendering: (args, config, template folders, results, render meta)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", default=str(ROOT / "data" / "zhejiang_hightech.toml"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    config = load_config(args.config)
    dirs = pipeline.template_folders(config)
    results = pipeline.analyse(config, pipeline.Timer(), rule_dirs=dirs)
    return args, config, dirs, results, pipeline.render_meta(results)


def main() -> None:
    args, config, dirs, results, meta = analysed_study(__doc__.split("\n\n")[0])
    original = charts._save
    variants = {"current": original, "rgba_png": _savefig}

    def render() -> float:
        start = time.perf_counter()
        for lang in ("zh", "en"):
            with tempfile.TemporaryDirectory() as tmp:
                pipeline._render_language(results, config, lang, dirs, Path(tmp), meta,
                                          ("pdf",))
        return time.perf_counter() - start

    render()  # warm-up: imports, fonts
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeat):
        for name, save in variants.items():
            charts._save = save
            seconds[name].append(render())
    charts._save = original
    base = statistics.median(seconds["current"])
    print(f"{Path(args.config).name}: both languages rendered in a warm process, "
          f"median of {args.repeat}")
    for name, values in seconds.items():
        median = statistics.median(values)
        print(f"    {name:<12} {median:6.2f} s   {median / base:5.2f}× current")


if __name__ == "__main__":
    main()
