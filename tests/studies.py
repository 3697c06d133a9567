"""A small study written to disk for tests of whole runs: the sample city panel (or a
given frame) and a config with the given [model] section."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


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
