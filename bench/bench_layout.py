"""What WeasyPrint spends on one study's two briefs, and which of our styles move it.

    python bench/bench_layout.py [--config data/zhejiang_hightech.toml] [--repeat 5]

The study is analysed and its two HTML briefs rendered once (charts inlined, as a run gives
them to WeasyPrint); then each variant lays out and writes both briefs, in rotation, with
one rule appended to the template's style sheet. Reports per variant the median seconds of
layout (parse, cascade, pagination) and of writing (painting, font subsetting, images,
compression), the ratio against `current`, and the page counts: a variant that saves time
by changing the pages is a different brief, not a faster one.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from pathlib import Path

from bench_render import analysed_study  # bench/, the folder of this script

from reporter.formats import inline_charts
from reporter.render.brief import render_brief

VARIANTS = {
    "current": "",
    "fixed_tables": "table.three-line { table-layout: fixed; }",
    "separate_borders": "table { border-collapse: separate; border-spacing: 0; }",
    "rows_may_break": "tr { break-inside: auto; }",
    "figures_may_break": "figure, div.keep { break-inside: auto; }",
    "no_hyphens": "body.lang-en { hyphens: manual; }",
    "ragged_right": "p { text-align: left; }",
}


def main() -> None:
    from weasyprint import HTML

    args, config, dirs, results, meta = analysed_study(__doc__.split("\n\n")[0])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        briefs = {}
        for lang in ("zh", "en"):
            brief = render_brief(results, config, lang, dirs, folder / "charts", meta)
            briefs[lang] = inline_charts(brief.html, folder, brief.charts)

    def once(rule: str) -> tuple[float, float, list[int]]:
        layout = write = 0.0
        pages = []
        for html in briefs.values():
            start = time.perf_counter()
            document = HTML(string=html.replace("</style>", rule + "</style>", 1)).render()
            middle = time.perf_counter()
            document.write_pdf(io.BytesIO())
            layout += middle - start
            write += time.perf_counter() - middle
            pages.append(len(document.pages))
        return layout, write, pages

    once("")  # warm-up: fonts, caches
    seconds: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    pages: dict[str, list[int]] = {}
    for _ in range(args.repeat):
        for name, rule in VARIANTS.items():
            layout, write, pages[name] = once(rule)
            seconds[name].append((layout, write))
    base = statistics.median(a + b for a, b in seconds["current"])
    print(f"{Path(args.config).name}: both briefs laid out and written by WeasyPrint in a "
          f"warm process, medians of {args.repeat}")
    for name, values in seconds.items():
        layout = statistics.median(a for a, _ in values)
        write = statistics.median(b for _, b in values)
        total = statistics.median(a + b for a, b in values)
        print(f"    {name:<18} layout {layout:5.2f} s  write {write:5.2f} s  "
              f"{total / base:5.2f}× current   pages {pages[name]}")


if __name__ == "__main__":
    main()
