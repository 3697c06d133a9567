"""Rendering one study's two briefs in a warm process, with each speed measure of issue 9
switched off in turn: interleaved runs, medians, ratios against everything on.

    python bench/bench_render.py [--config data/zhejiang_hightech.toml] [--repeat 5]

Variants (each differs from `current` in one respect):

- `current`: as a run renders;
- `default_gc`: CPython's collector thresholds while rendering (no `few_collections`);
- `rgba_png`: charts saved by `savefig` as matplotlib does (RGBA, zlib level 6);
- `fresh_fonts`: a new WeasyPrint font configuration for every document.

The machine's speed drifts by tens of per cent from minute to minute (a shared VM), so the
variants run in rotation and only ratios within this script mean anything.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

from reporter import heap, pipeline
from reporter.config import load_config
from reporter.render import charts, pdf

ROOT = Path(__file__).resolve().parent.parent


def _savefig(plt, fig, path: Path) -> Path:
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path


def _fresh_font_config(templates: tuple[str, ...]):
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


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
    originals = (heap.few_collections, charts._save, pdf._font_config)
    variants = {
        "current": originals,
        "default_gc": (contextlib.nullcontext, originals[1], originals[2]),
        "rgba_png": (originals[0], _savefig, originals[2]),
        "fresh_fonts": (originals[0], originals[1], _fresh_font_config),
    }

    def render() -> float:
        start = time.perf_counter()
        for lang in ("zh", "en"):
            with tempfile.TemporaryDirectory() as tmp:
                pipeline._render_language(results, config, lang, dirs, Path(tmp), meta,
                                          ("pdf",))
        return time.perf_counter() - start

    with heap.few_collections():
        render()  # warm-up: imports, fonts, caches
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeat):
        for name, (gc_policy, save, fonts) in variants.items():
            charts._save, pdf._font_config = save, fonts
            with gc_policy():  # as pipeline.run wraps a run
                seconds[name].append(render())
    charts._save, pdf._font_config = originals[1:]
    base = statistics.median(seconds["current"])
    print(f"{Path(args.config).name}: both languages rendered in a warm process, "
          f"median of {args.repeat} (thresholds in a run: {heap.THRESHOLDS})")
    for name, values in seconds.items():
        median = statistics.median(values)
        print(f"    {name:<12} {median:6.2f} s   {median / base:5.2f}× current")


if __name__ == "__main__":
    main()
