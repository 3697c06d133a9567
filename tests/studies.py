"""A small study written to disk for tests of whole runs: the sample city panel (or a
given frame) and a config with the given [model] section."""

from __future__ import annotations

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
