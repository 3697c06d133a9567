"""Editors: `reporter init`, `templates export` and `templates check`, and the config's
template folder, read before the bundled templates."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

from click.testing import CliRunner

from reporter import pipeline
from reporter.cli import main
from reporter.config import load_config
from reporter.render.html import DEFAULT_TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "zhejiang_cities.csv"


def _invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_makes_a_study_that_validates(tmp_path):
    study = tmp_path / "Ningbo 2024"
    result = _invoke("init", study)
    assert result.exit_code == 0, result.output
    assert "data/panel.csv" in result.output and "已创建" in result.output
    text = (study / "study.toml").read_text(encoding="utf-8")
    assert text.startswith("#") and "[report]" in text
    raw = tomllib.loads(text)
    assert raw["study"]["id"] == "Ningbo-2024"
    assert raw["data"]["path"] == "data/panel.csv"
    assert raw["report"]["templates"] == "templates"
    bundled = {k: v for k, v in _tree(DEFAULT_TEMPLATES).items() if "__" not in k}
    copied = _tree(study / "templates")
    assert {k: copied[k] for k in bundled} == bundled and "README.md" in copied
    readme = (study / "data" / "README.md").read_text(encoding="utf-8")
    config = load_config(study / "study.toml")
    for column in (config.data.entity, config.data.time, *config.model.variables):
        assert f"`{column}`" in readme, column
    assert [p.name for p in tmp_path.iterdir()] == ["Ningbo 2024"]  # no build folder left

    result = _invoke("validate", "--config", study / "study.toml")
    assert result.exit_code == 2 and "panel.csv" in result.output  # no data yet
    shutil.copy(SAMPLE, study / "data" / "panel.csv")
    result = _invoke("validate", "--config", study / "study.toml")
    assert result.exit_code == 0, result.output
    assert "132 rows" in result.output


def test_init_refuses_a_folder_in_use(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "keep.txt").write_text("mine")
    for target in (tmp_path / "used", tmp_path / "used" / "keep.txt"):
        result = _invoke("init", target)
        assert result.exit_code == 2, result.output
        assert "错误" in result.output and "not empty" in result.output
    assert _tree(tmp_path / "used") == {"keep.txt": b"mine"}
    (tmp_path / "empty").mkdir()
    assert _invoke("init", tmp_path / "empty").exit_code == 0


def test_export_copies_and_never_overwrites(tmp_path):
    result = _invoke("templates", "export", tmp_path / "t")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t" / "brief.html.j2").is_file()
    assert (tmp_path / "t" / "i18n" / "zh.toml").is_file()
    (tmp_path / "t" / "style.css").write_text("/* mine */")
    before = _tree(tmp_path / "t")
    result = _invoke("templates", "export", tmp_path / "t")
    assert result.exit_code == 2 and "already exists" in result.output
    assert _tree(tmp_path / "t") == before


def test_check_passes_the_exported_templates(tmp_path):
    _invoke("templates", "export", tmp_path / "t")
    result = _invoke("templates", "check", tmp_path / "t")
    assert result.exit_code == 0, result.output
    assert "no errors" in result.output and "未发现错误" in result.output


def test_check_reports_a_syntax_error_with_file_and_line(tmp_path):
    (tmp_path / "macros.html.j2").write_text("{# ok #}\n\n{% if %}x{% endif %}\n")
    result = _invoke("templates", "check", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path / 'macros.html.j2'}:3: template syntax error" in result.output
    assert "模板语法错误" in result.output and "Traceback" not in result.output


BROKEN_BRIEF = """\
<h1>{{ study.titel }}</h1>
<p>{{ t("cover.kicker") }}</p>
<p>{{ t("cover.subtitle") }}</p>
<p>{{ nonexistent }}</p>
<p>{{ t("cover.year", year=study.year) }}</p>
<p>{{ ''.__class__.__mro__ }}</p>
{% include "/etc/passwd" %}
"""
BROKEN_ZH = """\
[cover]
subtitle = "副标题"
year = "报告年份 {yaer}"
"""


def test_check_reports_every_error_with_file_and_line(tmp_path):
    (tmp_path / "brief.html.j2").write_text(BROKEN_BRIEF, encoding="utf-8")
    (tmp_path / "i18n").mkdir()
    (tmp_path / "i18n" / "zh.toml").write_text(BROKEN_ZH, encoding="utf-8")
    result = _invoke("templates", "check", tmp_path)
    assert result.exit_code == 2
    brief, zh = tmp_path / "brief.html.j2", tmp_path / "i18n" / "zh.toml"
    expected = [
        f"{brief}:1: undefined variable: 'dict object' has no attribute 'titel'",
        f"{brief}:4: undefined variable: 'nonexistent' is undefined",
        f"{brief}:3: message key `cover.subtitle` is missing from the en catalogue",
        f"{zh}:2: message key `cover.subtitle` exists in one language only",
        f"{zh}:3: message key `cover.year` uses unknown placeholder(s) {{yaer}}",
        f"{brief}:5: rendering failed: KeyError",  # zh stops here; en goes on
        f"{brief}:6: refused by the sandbox: access to attribute '__class__'",
        f"{brief}:7: rendering failed: '/etc/passwd' not found in search paths: '{tmp_path}'",
    ]
    for line in expected:
        assert line in result.output, line
    assert "8 error(s)" in result.output and "8 处错误" in result.output
    assert "Traceback" not in result.output


def test_check_of_a_missing_folder_is_exit_2(tmp_path):
    result = _invoke("templates", "check", tmp_path / "nope")
    assert result.exit_code == 2 and "nope" in result.output


def test_config_template_folder_overrides_single_keys(tmp_path):
    editor = tmp_path / "mine"
    (editor / "i18n").mkdir(parents=True)
    (editor / "i18n" / "en.toml").write_text('[cover]\nkicker = "Edited by the desk"\n')
    shutil.copy(SAMPLE, tmp_path / "panel.csv")
    text = (ROOT / "data" / "zhejiang_hightech.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^path = .*$', 'path = "panel.csv"', text)
    text = re.sub(r"(?m)^\[report\]$", '[report]\ntemplates = "mine"', text)
    (tmp_path / "study.toml").write_text(text, encoding="utf-8")
    summary = pipeline.run(tmp_path / "study.toml", tmp_path / "out", langs=("en",),
                           formats=("html",))
    page = (summary.output / "brief_en.html").read_text(encoding="utf-8")
    assert "Edited by the desk" in page
    assert "Key messages" in page  # every other key still from the bundled catalogue

    (tmp_path / "study.toml").write_text(text.replace('"mine"', '"gone"'), encoding="utf-8")
    result = _invoke("validate", "--config", tmp_path / "study.toml")
    assert result.exit_code == 2
    assert "report.templates" in result.output and "gone" in result.output



def test_run_refuses_an_unknown_placeholder_before_any_work(tmp_path):
    """A typo in an editor's catalogue is exit 2 with file and line, not a crash half-way."""
    (tmp_path / "mine" / "i18n").mkdir(parents=True)
    (tmp_path / "mine" / "i18n" / "zh.toml").write_text('[cover]\n\nyear = "{yaer} 年"\n',
                                                        encoding="utf-8")
    result = _invoke("run", "--templates", tmp_path / "mine", "--output", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "zh.toml, line 3" in result.output and "{yaer}" in result.output
    assert "第 3 行" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out" / "zhejiang-hightech" / "2023").exists()
