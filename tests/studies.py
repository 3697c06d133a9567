"""Studies for tests of whole runs: a small one written to disk (the sample city panel,
or a given frame, and a config with the given [model] section), and the bundled studies
run once for the whole test session."""

from __future__ import annotations

import dataclasses
import fcntl
import os
import re
import subprocess
from html import unescape as html_unescape
from pathlib import Path

import pandas as pd

from reporter import api

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_FORMATS = ("pdf", "html", "docx", "json")
EPOCH = "1764979200"  # SOURCE_DATE_EPOCH of the shared runs: the same bytes every time


def session_folder(tmp_path_factory) -> Path:
    """A folder the whole test session shares: with pytest-xdist, every worker's."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def bundled_run(study: str, tmp_path_factory) -> api.Analysis:
    """data/`study`.toml run once for the whole session, in every format (pdf, html, docx,
    json) and both languages at SOURCE_DATE_EPOCH=EPOCH: the first worker to ask runs it
    under a lock, the others wait and take its files with their own analysis of the study
    (the same numbers; no rendering). Tests read it; none may write into it."""
    base = session_folder(tmp_path_factory)
    config = ROOT / "data" / f"{study}.toml"
    with open(base / f"bundled-{study}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = base / f"bundled-{study}.done"
        if not done.exists():
            previous = os.environ.get("SOURCE_DATE_EPOCH")
            os.environ["SOURCE_DATE_EPOCH"] = EPOCH
            try:
                analysis = api.run(config, base / f"bundled-{study}", formats=BUNDLED_FORMATS)
            finally:
                if previous is None:
                    os.environ.pop("SOURCE_DATE_EPOCH", None)
                else:
                    os.environ["SOURCE_DATE_EPOCH"] = previous
            done.write_text(f"{analysis.output}\n" + "\n".join(analysis.files),
                            encoding="utf-8")
            return analysis
    output, *files = done.read_text(encoding="utf-8").splitlines()
    return dataclasses.replace(api.analyse(config), output=Path(output), files=tuple(files))


def write_study(folder: Path, model: str, frame: pd.DataFrame | None = None,
                name: str = "t") -> Path:
    """`folder`/panel.csv and `folder`/`name`.toml (study id `name`); the config's path."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv") if frame is None else frame
    frame.to_csv(folder / "panel.csv", index=False)
    config = folder / f"{name}.toml"
    config.write_text(f"""
[study]
id = "{name}"
title = {{ zh = "测试", en = "Test" }}
region = "R"
year = 2023
[data]
path = "panel.csv"
entity = "city"
time = "year"
[model]
{model}
""", encoding="utf-8")
    return config


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" '
                   r'yMax="([\d.]+)">(.*?)</word>')
_NOTE_OPENS = ("Note:", "注：", "***")  # a table's first notes ("*** p < 0.01" after a model)


def layout_faults(pdf: Path) -> list[tuple[int, str]]:
    """(page, fault) for pages a reader would stop at: one under half full that does not
    end its section (the next page opens with a section heading, 14 pt: words over 18 pt
    high) or the brief, and one that opens with a table's notes, cut from their table."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    margin = 22 / 25.4 * 72  # the top and bottom page margins (style.css)
    pages = []
    for page in re.findall(r"<page (.*?)</page>", html, re.S):
        bottom = float(re.search(r'height="([\d.]+)"', page).group(1)) - margin
        words = [(float(top), float(left), float(low), word)
                 for left, top, low, word in _WORD.findall(page)
                 if float(top) < bottom]  # not the page number, in the bottom margin
        pages.append((bottom, sorted(words)))
    faults = []
    for number, (bottom, words) in enumerate(pages[1:], start=2):  # the cover is short
        if not words:
            faults.append((number, "empty"))
            continue
        following = pages[number][1] if number < len(pages) else []
        ends_section = not following or following[0][2] - following[0][0] > 18
        full = (max(low for _, _, low, _ in words) - margin) / (bottom - margin)
        if full < 0.5 and not ends_section:
            faults.append((number, f"{full:.0%} full, within its section"))
        first_line = html_unescape(" ".join(w for top, _, _, w in words if top - words[0][0] < 2))
        if first_line.startswith(_NOTE_OPENS):
            faults.append((number, f"opens with a table's notes: {first_line[:40]}"))
    return faults


def beyond_the_margin(pdf: Path) -> list[tuple[int, str]]:
    """(page, word) of every word that reaches into the right margin (20 mm, style.css): a
    table wider than the page loses its last columns there."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    out = []
    for number, page in enumerate(re.findall(r"<page (.*?)</page>", html, re.S), start=1):
        width = float(re.search(r'width="([\d.]+)"', page).group(1))
        edge = width - 20 / 25.4 * 72 + 2  # the margin, less 2 pt of rounding
        out += [(number, word) for right, word in re.findall(
            r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>',
            page) if float(right) > edge]
    return out
