"""An English brief in English (issue 24): `reporter validate` and `run` list at once every
name the English brief would print in Chinese — the title and region, variables, category
values, entities — with the keys that give them, and `--lang zh` needs none of it."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from reporter import api
from reporter.cli import main
from reporter.config import load_config
from reporter.english import check_english, missing_english
from reporter.errors import InputError
from tests.studies import ROOT, write_study

MODEL = 'dependent = "竞争力"\ncore = "规模经济（亿元）"\ncontrols = ["x1"]'


def _study(tmp_path, names: bool = True, extra: str = ""):
    frame = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv").rename(
        columns={"compet": "竞争力", "ec": "规模经济（亿元）"})
    if not names:  # entities nobody can name in English (not Chinese places)
        frame["city"] = frame["city"].map(lambda c: f"甲{c}")
    path = write_study(tmp_path, MODEL + extra, frame)
    text = path.read_text(encoding="utf-8") + "[inference]\nbootstrap = false\n"
    path.write_text(text, encoding="utf-8")
    return path


def test_everything_missing_is_listed_at_once_with_its_key(tmp_path):
    config = load_config(_study(tmp_path, names=False))
    entities = [(f"甲{c}", f"甲{c}") for c in ("杭州", "宁波")]
    missing = missing_english(config, entities)
    assert {(m.kind, m.name, m.key) for m in missing} == {
        ("variable", "竞争力", '[variables."竞争力"] label'),
        ("variable", "规模经济（亿元）", '[variables."规模经济（亿元）"] label'),
        ("entity", "甲杭州", "data.entity_names_en"), ("entity", "甲宁波", "data.entity_names_en")}
    with pytest.raises(InputError) as caught:
        check_english(config, entities)
    en, zh = caught.value.message("en"), caught.value.message("zh")
    assert '[variables."竞争力"] label' in en and "data.entity_names_en" in en
    assert "--lang zh" in en and "--lang zh" in zh and "竞争力" in zh


def test_labels_levels_and_the_study_count(tmp_path):
    extra = ('\nheterogeneity = "片区"\n[variables."竞争力"]\nlabel = { zh = "竞争力", '
             'en = "competitiveness" }\n[variables."规模经济（亿元）"]\n'
             'label = { zh = "规模经济", en = "scale economies" }\n[variables."片区"]\n'
             'label = { zh = "片区", en = "zone" }\n'
             'levels = { "北" = { zh = "北部", en = "North" } }\n')
    config = load_config(_study(tmp_path, extra=extra))
    missing = missing_english(config, [("杭州", "Hangzhou")], levels=["北", "南"])
    assert [(m.kind, m.name) for m in missing] == [("level", "南")]
    chinese = load_config(_study(tmp_path / "b", extra=extra.replace(
        '"competitiveness"', '"竞争力"')))
    assert [m.name for m in missing_english(chinese)] == ["竞争力"]


def test_validate_and_run_refuse_and_zh_alone_is_fine(tmp_path):
    path = str(_study(tmp_path, names=False))
    runner = CliRunner()
    done = runner.invoke(main, ["validate", "--config", path])
    assert done.exit_code == 2 and "竞争力" in done.output and "甲杭州" in done.output
    assert runner.invoke(main, ["validate", "--config", path, "--lang", "zh"]).exit_code == 0
    out = tmp_path / "out"
    done = runner.invoke(main, ["run", "--config", path, "--output", str(out),
                                "--format", "pdf"])
    assert done.exit_code == 2 and "data.entity_names_en" in done.output
    assert not (out / "t" / "2023").exists()  # nothing half-written
    # results.json alone prints no English brief: nothing to refuse
    assert runner.invoke(main, ["run", "--config", path, "--output", str(out),
                                "--format", "json"]).exit_code == 0
    analysis = api.run(path, out / "zh", formats=("pdf",), langs=("zh",))
    assert analysis.files == ("brief_zh.pdf", "manifest.json", "results.json")
