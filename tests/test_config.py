"""Study configs: the bundled ones load, paths are relative to the file, and every mistake is
a bilingual InputError naming the file, the key, its line and, for typos, the likely key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.config import Config, load_config
from reporter.errors import InputError
from reporter.load import load_panel

ROOT = Path(__file__).resolve().parent.parent
CITY = ROOT / "data" / "zhejiang_hightech.toml"
PROVINCE = ROOT / "data" / "provinces_resilience.toml"

BASE = """\
# a small study for the tests
[study]
id = "t"
title = { zh = "测试简报", en = "Test brief" }
region = { zh = "浙江省", en = "Zhejiang" }
year = 2022

[data]
path = "panel.csv"
entity = "city"
time = "year"

[variables.y]
label = { zh = "出口", en = "exports" }

[prepare]
winsorize = [0.01, 0.99]

[model]
dependent = "y"
core = "x"
controls = ["z"]
cluster = "entity"

[report]
significance = 0.05
"""


def variant(*edits: tuple[str, str]) -> str:
    """BASE with whole lines replaced; each old line must exist exactly once."""
    lines = BASE.splitlines()
    for old, new in edits:
        assert lines.count(old) == 1, old
        lines[lines.index(old)] = new
    return "\n".join(lines) + "\n"


def line_number(text: str, line: str) -> int:
    """1-based number of the line that is exactly `line`."""
    lines = text.splitlines()
    assert lines.count(line) == 1, line
    return lines.index(line) + 1


def write(tmp_path: Path, text: str, name: str = "study.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.exit_code == 2
    return info.value


def assert_both_languages_name(error: InputError, *fragments: object) -> None:
    for lang in ("zh", "en"):
        text = error.message(lang)
        for fragment in fragments:
            assert str(fragment) in text, (lang, fragment, text)


# --- configs that load -----------------------------------------------------------------

def test_bundled_city_study_loads():
    config = load_config(CITY)
    assert isinstance(config, Config)
    assert config.path == CITY.resolve()
    assert (config.study.id, config.study.year, config.study.illustrative) == (
        "zhejiang-hightech", 2023, True)
    assert config.study.title.get("zh").startswith("浙江省")
    assert config.data.path == (ROOT / "data" / "zhejiang_cities.csv").resolve()
    assert config.data.path.is_file()
    assert (config.data.entity, config.data.time, config.data.entity_names_en) == (
        "city", "year", "city_en")
    assert config.model.controls == ("x1", "x2", "x3", "x4", "x5")
    assert config.model.variables == ("compet", "ec", "x1", "x2", "x3", "x4", "x5", "tfp", "innov")
    assert config.model.mediators == ("tfp", "innov")
    assert config.prepare.winsorize == (0.01, 0.99)
    assert (config.report.significance, config.report.parentheses) == (0.05, "t")
    assert config.label("compet", "en") == "high-tech export competitiveness"
    assert config.label("unlabelled", "zh") == "unlabelled"


def test_bundled_province_study_loads():
    config = load_config(PROVINCE)
    assert (config.study.id, config.study.year) == ("provinces-resilience", 2020)
    assert config.data.path == (ROOT / "data" / "provinces.csv").resolve()
    assert config.data.path.is_file()
    assert config.model.moderators == ("ecpv", "ecpc")
    assert config.prepare.winsorize is None


def test_no_path_means_the_bundled_default():
    assert load_config(None).study.id == "zhejiang-hightech"


def test_data_path_is_relative_to_the_config_file(tmp_path, monkeypatch):
    (tmp_path / "studies").mkdir()
    frame = pd.DataFrame({"city": ["杭州"] * 3 + ["宁波"] * 3, "year": [2020, 2021, 2022] * 2,
                          "y": [1.0, 2, 3, 4, 5, 7], "x": [0.5, 1, 2, 3, 5, 8],
                          "z": [3.0, 1, 4, 1, 5, 9]})
    frame.to_csv(tmp_path / "panel.csv", index=False)
    path = write(tmp_path / "studies",
                 variant(('path = "panel.csv"', 'path = "../panel.csv"')))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # not the config's folder, not the data's
    config = load_config(path)
    assert config.data.path == (tmp_path / "panel.csv").resolve()
    assert config.data.path.is_absolute()
    assert len(load_panel(config).frame) == 6


def test_relative_config_path_is_resolved(tmp_path, monkeypatch):
    write(tmp_path, BASE)
    monkeypatch.chdir(tmp_path)
    config = load_config("study.toml")
    assert config.path == (tmp_path / "study.toml").resolve()
    assert config.data.path == (tmp_path / "panel.csv").resolve()


def test_config_with_utf8_bom_loads(tmp_path):
    path = tmp_path / "study.toml"
    path.write_bytes(BASE.encode("utf-8-sig"))
    assert load_config(path).study.title.zh == "测试简报"


# --- unknown keys ----------------------------------------------------------------------

UNKNOWN = [
    # (line in BASE, the typo, dotted key, suggestion)
    ('controls = ["z"]', 'contols = ["z"]', "model.contols", "controls"),
    ('dependent = "y"', 'dependant = "y"', "model.dependant", "dependent"),
    ("year = 2022", "yaer = 2022", "study.yaer", "year"),
    ('entity = "city"', 'entitiy = "city"', "data.entitiy", "entity"),
    ("winsorize = [0.01, 0.99]", "winsorise = [0.01, 0.99]", "prepare.winsorise",
     "winsorize"),
    ('label = { zh = "出口", en = "exports" }', 'lable = { zh = "出口", en = "exports" }',
     "variables.y.lable", "label"),
    ("[report]", "[reprot]", "reprot", "report"),  # an unknown section
]


@pytest.mark.parametrize(("old", "new", "dotted", "suggestion"), UNKNOWN,
                         ids=[case[2] for case in UNKNOWN])
def test_unknown_key_names_line_and_suggestion(tmp_path, old, new, dotted, suggestion):
    text = variant((old, new))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.unknown_key"
    assert error.params["key"] == dotted
    assert error.params["suggestion"] == suggestion
    line = line_number(text, new)
    assert error.params["line"] == line
    assert_both_languages_name(error, "study.toml", f"`{dotted}`", f"`{suggestion}`",
                               f"{line}")


def test_unknown_key_line_is_in_its_own_section(tmp_path):
    """`cluster` is a [model] key; written under [report] it is unknown *there*."""
    text = variant(("significance = 0.05", 'cluster = "entity"'))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.unknown_key"
    assert error.params["key"] == "report.cluster"
    assert error.params["line"] == len(text.splitlines())  # the last line, not [model]'s


def test_unknown_key_line_after_a_commented_header(tmp_path):
    text = variant(("[model]", "[model]  # the regression"),
                   ('controls = ["z"]', 'contols = ["z"]'))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.unknown_key"
    assert error.params["line"] == line_number(text, 'contols = ["z"]')


def test_unknown_key_in_inline_table_names_its_line(tmp_path):
    old = 'title = { zh = "测试简报", en = "Test brief" }'
    new = 'title = { zh = "测试简报", eng = "Test brief" }'
    text = variant((old, new))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.unknown_key"
    assert (error.params["key"], error.params["suggestion"]) == ("study.title.eng", "en")
    assert error.params["line"] == line_number(text, new)


# --- missing and mistyped values -------------------------------------------------------

@pytest.mark.parametrize(("old", "dotted"), [
    ('core = "x"', "model.core"),
    ("year = 2022", "study.year"),
    ('path = "panel.csv"', "data.path"),
    ("[model]", "[model]"),
])
def test_missing_required_key(tmp_path, old, dotted):
    if old == "[model]":  # drop the whole table
        text = BASE.split("[model]")[0] + "[report]" + BASE.split("[report]")[1]
    else:
        text = variant((old, ""))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.missing_key"
    assert error.params["key"] == dotted
    assert_both_languages_name(error, "study.toml", f"`{dotted}`")


@pytest.mark.parametrize(("old", "new", "dotted", "got"), [
    ("year = 2022", 'year = "2022"', "study.year", "string"),
    ('controls = ["z"]', 'controls = "z"', "model.controls", "string"),
    ('title = { zh = "测试简报", en = "Test brief" }', "title = 5", "study.title", "integer"),
    ("significance = 0.05", 'significance = "5%"', "report.significance", "string"),
    ('controls = ["z"]', "controls = [1, 2]", "model.controls", "array"),
], ids=["year-string", "controls-string", "title-number", "significance-string",
        "controls-numbers"])
def test_wrong_type_names_key_line_and_types(tmp_path, old, new, dotted, got):
    text = variant((old, new))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.wrong_type"
    assert error.params["key"] == dotted
    assert error.params["got"] == got
    line = line_number(text, new)
    assert error.params["line"] == line
    assert_both_languages_name(error, "study.toml", f"`{dotted}`", got, line)


def test_bad_cluster_choice_lists_allowed_values(tmp_path):
    text = variant(('cluster = "entity"', 'cluster = "province"'))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.bad_choice"
    assert error.params["key"] == "model.cluster"
    assert error.params["value"] == "province"
    assert error.params["allowed"] == "entity"
    assert error.params["line"] == line_number(text, 'cluster = "province"')
    assert_both_languages_name(error, "`province`", "entity", "`model.cluster`")


def test_bad_parentheses_choice(tmp_path):
    text = variant(("significance = 0.05", 'parentheses = "p"'))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.bad_choice"
    assert error.params["allowed"] == "t, se"


@pytest.mark.parametrize("value", ["[0.99, 0.01]", "[0.01]", "true", "[0.01, 1.5]",
                                   '["1%", "99%"]', "[0.05, 0.05]"])
def test_bad_winsorize_rejected(tmp_path, value):
    new = f"winsorize = {value}"
    text = variant(("winsorize = [0.01, 0.99]", new))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.bad_winsorize"
    assert error.params["key"] == "prepare.winsorize"
    assert error.params["line"] == line_number(text, new)
    assert_both_languages_name(error, "`prepare.winsorize`", "[0.01, 0.99]")


@pytest.mark.parametrize(("value", "expected"), [
    ("false", None), ("[0.05, 0.95]", (0.05, 0.95)), ("[0, 1]", (0.0, 1.0))])
def test_good_winsorize_accepted(tmp_path, value, expected):
    text = variant(("winsorize = [0.01, 0.99]", f"winsorize = {value}"))
    assert load_config(write(tmp_path, text)).prepare.winsorize == expected


def test_prepare_table_is_optional(tmp_path):
    text = variant(("[prepare]", ""), ("winsorize = [0.01, 0.99]", ""))
    assert load_config(write(tmp_path, text)).prepare.winsorize is None


@pytest.mark.parametrize(("old", "new", "dotted", "other"), [
    ('controls = ["z"]', 'controls = ["z", "y"]', "model.controls", "model.dependent"),
    ('core = "x"', 'core = "y"', "model.core", "model.dependent"),
    ('controls = ["z"]', 'controls = ["x"]', "model.controls", "model.core"),
])
def test_variable_in_two_roles(tmp_path, old, new, dotted, other):
    text = variant((old, new))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.role_conflict"
    assert (error.params["key"], error.params["other"]) == (dotted, other)
    assert error.params["line"] == line_number(text, new)
    name = error.params["name"]
    assert_both_languages_name(error, f"`{name}`", f"`{dotted}`", f"`{other}`")


def test_duplicate_name_in_a_list(tmp_path):
    text = variant(('controls = ["z"]', 'controls = ["z", "z"]'))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.duplicate_name"
    assert error.params["key"] == "model.controls"


@pytest.mark.parametrize("value", ["0", "0.5", "1"])
def test_significance_out_of_range(tmp_path, value):
    text = variant(("significance = 0.05", f"significance = {value}"))
    assert config_error(write(tmp_path, text)).key == "config.bad_significance"


def test_bad_study_id(tmp_path):
    text = variant(('id = "t"', 'id = "../escape"'))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.bad_study_id"
    assert error.params["value"] == "../escape"


# --- files that are not TOML -----------------------------------------------------------

def test_config_not_utf8(tmp_path):
    data = BASE.encode("gbk")
    with pytest.raises(UnicodeDecodeError) as decoding:
        data.decode("utf-8")
    path = tmp_path / "study.toml"
    path.write_bytes(data)
    error = config_error(path)
    assert error.key == "config.not_utf8"
    assert error.params["offset"] == decoding.value.start
    assert_both_languages_name(error, "study.toml", "UTF-8", decoding.value.start)


def test_config_syntax_error(tmp_path):
    text = variant(("year = 2022", "year = "))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.syntax"
    assert f"line {line_number(text, 'year = ')}" in error.params["detail"]
    assert_both_languages_name(error, "study.toml", "TOML")


def test_config_not_found(tmp_path):
    error = config_error(tmp_path / "missing.toml")
    assert error.key == "config.not_found"
    assert_both_languages_name(error, "missing.toml")


def test_config_that_is_a_folder_is_not_found(tmp_path):
    error = config_error(tmp_path)
    assert error.key == "config.not_found"


# --- frozen ----------------------------------------------------------------------------

def test_config_is_frozen():
    config = load_config(CITY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.study = config.study  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.study.year = 2000  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.model.controls = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.data.path = Path("elsewhere.csv")  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.variables["compet"] = None  # type: ignore[index]
    assert isinstance(config.model.controls, tuple)


# --- the same errors through `reporter validate` ---------------------------------------

CLI_CASES = [
    pytest.param(variant(('controls = ["z"]', 'contols = ["z"]')), ("contols", "controls"),
                 id="unknown_key"),
    pytest.param(variant(('core = "x"', "")), ("model.core",), id="missing_key"),
    pytest.param(variant(("year = 2022", 'year = "2022"')), ("study.year",), id="wrong_type"),
    pytest.param(variant(('cluster = "entity"', 'cluster = "time"')), ("entity",),
                 id="bad_choice"),
    pytest.param(variant(("winsorize = [0.01, 0.99]", "winsorize = [0.99, 0.01]")),
                 ("prepare.winsorize",), id="bad_winsorize"),
    pytest.param(variant(('controls = ["z"]', 'controls = ["y"]')), ("`y`",),
                 id="role_conflict"),
    pytest.param(variant(("year = 2022", "year = ")), ("TOML",), id="syntax"),
    pytest.param(BASE.encode("gbk"), ("UTF-8",), id="not_utf8"),
    pytest.param(None, (), id="not_found"),
]


@pytest.mark.parametrize(("content", "fragments"), CLI_CASES)
def test_validate_reports_bad_config_bilingually_with_exit_2(tmp_path, content, fragments):
    path = tmp_path / "study.toml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    result = CliRunner().invoke(main, ["validate", "--config", str(path)])
    assert result.exit_code == 2, result.output
    assert "错误" in result.output and "Error" in result.output
    assert "study.toml" in result.output
    for fragment in fragments:
        assert fragment in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_a_control_may_also_be_a_moderator(tmp_path):
    text = variant(('controls = ["z"]', 'controls = ["z"]\nmoderators = ["z"]'))
    model = load_config(write(tmp_path, text)).model
    assert model.controls == ("z",) and model.moderators == ("z",)
    assert model.variables.count("z") == 1
    text = variant(('controls = ["z"]', 'controls = ["z"]\nmediators = ["z"]'))
    assert config_error(write(tmp_path, text)).key == "config.role_conflict"


@pytest.mark.parametrize(("header", "name", "unit", "english"), [
    ("企业数（家）", "企业数", "家", "enterprises"),
    ("R&D经费（亿元）", "R&D经费", "亿元", "100 million yuan"),
    ("出口额(万美元)", "出口额", "万美元", "10,000 US dollars"),
    ("科技支出占比（%）", "科技支出占比", "%", "%"),
    ("规模经济（产业集群数，对数）", "规模经济", "产业集群数，对数", "产业集群数，对数"),
    ("compet", "compet", None, None),
])
def test_a_unit_in_the_header_becomes_the_variables_unit(tmp_path, header, name, unit,
                                                        english):
    """A yearbook header's bracketed unit: the label without it, the unit in Chinese as
    written and in English from the vocabulary (as written when it is not there)."""
    config = load_config(write(tmp_path, BASE))
    assert config.label(header, "zh") == name == config.label(header, "en")
    assert config.unit(header, "zh") == unit
    assert config.unit(header, "en") == english


def test_a_label_copied_from_its_header_does_not_say_the_unit_twice(tmp_path):
    """`label = { zh = "出口额（亿元）" … }` copied from the header: the tables add the unit
    (出口额（亿元）合计), so the label is 出口额; a bracket that is not the unit stays."""
    text = BASE + ('\n[variables."出口额（亿元）"]\nlabel = { zh = "出口额（亿元）", '
                   'en = "exports" }\n[variables."企业数（家）"]\n'
                   'label = { zh = "企业数（对数）", en = "firms (log)" }\n')
    config = load_config(write(tmp_path, text))
    assert config.label("出口额（亿元）", "zh") == "出口额"
    assert config.label("出口额（亿元）", "en") == "exports"
    assert config.label("企业数（家）", "zh") == "企业数（对数）"


def test_a_derived_column_is_labelled_from_its_source(tmp_path):
    """Issue 24: `ln_c` made by `prepare.log` reads "industrial clusters (log)" in the
    English brief and "产业集群数（对数）" in the Chinese one, not its column name."""
    from tests.studies import write_study

    path = write_study(tmp_path, 'dependent = "compet"\ncore = "ln_c"\n')
    path.write_text(path.read_text(encoding="utf-8").replace("[model]", (
        '[variables.clusters]\nlabel = { zh = "产业集群数", en = "industrial clusters" }\n'
        '[prepare]\nlog = { ln_c = "clusters" }\ngrowth = { g = "ln_c" }\n'
        'ratio = { r = ["x1", "x2"] }\n[model]')), encoding="utf-8")
    config = load_config(path)
    assert config.label("ln_c", "en") == "industrial clusters (log)"
    assert config.label("ln_c", "zh") == "产业集群数（对数）"
    assert config.label("g", "en") == "growth of industrial clusters (log)"
    assert config.label("r", "zh") == "x1与x2之比"


# --- topic and themes (issue 15) ------------------------------------------------------------

def test_themes_and_topic(tmp_path):
    """`theme` is one name or a list from the documented vocabulary; the study's themes
    are those of what it is about (not its controls); the topic defaults to the
    dependent's label."""
    text = variant(('label = { zh = "出口", en = "exports" }',
                    'label = { zh = "出口", en = "exports" }\ntheme = "trade"\n'
                    '[variables.x]\ntheme = ["digital", "finance"]\n'
                    '[variables.z]\ntheme = "talent"'))
    config = load_config(write(tmp_path, text))
    assert config.themes("x") == ("digital", "finance")
    assert config.study_themes() == ("trade", "digital", "finance")  # not the control's
    assert config.topic("en") == "exports" and config.topic("zh") == "出口"
    topical = variant(('year = 2022', 'year = 2022\ntopic = { zh = "外贸", en = "trade" }'))
    assert load_config(write(tmp_path, topical)).wording()["en"]["topic"] == "trade"


def test_a_theme_outside_the_vocabulary_names_the_choices(tmp_path):
    text = variant(('label = { zh = "出口", en = "exports" }',
                    'label = { zh = "出口", en = "exports" }\ntheme = ["trade", "tourism"]'))
    error = config_error(write(tmp_path, text))
    assert error.key == "config.bad_choice" and error.params["key"] == "variables.y.theme"
    assert_both_languages_name(error, "`tourism`", "scale_clusters", "coordination")
