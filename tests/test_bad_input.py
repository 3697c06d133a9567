"""Bad input that used to end in "internal error" (issue 18) ends with the contract's exit
code and a bilingual message naming the file, key or cell, through `validate` and `run`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.config import load_config
from tests.studies import ROOT, write_study

MODEL = 'dependent = "compet"\ncore = "ec"\ncontrols = ["x1", "x2"]'


def _frame() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")


def _both(command: str, config, tmp_path) -> list[str]:
    """Exit 2 from `validate` and from `run`; the two outputs."""
    outputs = []
    for args in (["validate", "--config", str(config)],
                 ["run", "--config", str(config), "--output", str(tmp_path / "out"),
                  "--format", "json"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert "错误" in result.output and "Error" in result.output
        assert "Internal error" not in result.output
        outputs.append(result.output)
    return outputs


@pytest.mark.parametrize("value", [np.inf, -np.inf])
@pytest.mark.parametrize("column", ["compet", "x2"])
def test_infinite_cell_is_named(tmp_path, column, value):
    frame = _frame()
    frame.loc[5, column] = value
    config = write_study(tmp_path, MODEL, frame)
    for out in _both("run", config, tmp_path):
        assert "row 7" in out and f"`{column}`" in out and "infinite" in out
        assert "第 7 行" in out and "无穷大" in out


def test_infinite_cell_in_parquet_is_named(tmp_path):
    frame = _frame()
    frame.loc[0, "x1"] = np.inf
    config = write_study(tmp_path, MODEL, frame)
    frame.to_parquet(tmp_path / "panel.parquet")
    config.write_text(config.read_text(encoding="utf-8").replace("panel.csv", "panel.parquet"),
                      encoding="utf-8")
    for out in _both("run", config, tmp_path):
        assert "`x1`" in out and "infinite" in out


def test_constant_dependent_is_exit_2(tmp_path):
    frame = _frame()
    frame["compet"] = 0.5
    config = write_study(tmp_path, MODEL, frame)
    for out in _both("run", config, tmp_path):
        assert "`compet`" in out and "no variation" in out and "没有可解释的变化" in out


@pytest.mark.parametrize(("fill", "words"), [
    (0.0, "sums to zero or nothing in 2013"), (-1.0, "is negative for")])
def test_share_column_that_cannot_give_shares(tmp_path, fill, words):
    frame = _frame()
    if fill == 0.0:
        frame["hx_export"] = 0.0
    else:
        frame.loc[3, "hx_export"] = fill
    config = write_study(tmp_path, MODEL, frame)
    config.write_text(config.read_text(encoding="utf-8") + '[status]\nshare = "hx_export"\n',
                      encoding="utf-8")
    for out in _both("run", config, tmp_path):
        assert "`status.share`" in out and words in out


def test_a_log_of_a_column_the_data_lack(tmp_path):
    """`variables.<name>.log_of` names a column that must be in the data, like any other."""
    config = write_study(tmp_path, MODEL)
    config.write_text(config.read_text(encoding="utf-8")
                      + '[variables.compet]\nlog_of = "compet_level"\n', encoding="utf-8")
    for out in _both("run", config, tmp_path):
        assert "variables.compet.log_of" in out and "`compet_level`" in out


@pytest.mark.parametrize("reps", [100_000, 1_000_000_000])
def test_bootstrap_draws_are_bounded_with_their_memory_stated(tmp_path, reps):
    config = write_study(tmp_path, MODEL)
    config.write_text(config.read_text(encoding="utf-8") + f"[inference]\nreps = {reps}\n",
                      encoding="utf-8")
    for out in _both("run", config, tmp_path):
        assert "`inference.reps`" in out and "99999" in out and "0.8 GB" in out


# --- an editor's templates, catalogues and rules -----------------------------------------

def _editor(tmp_path, files: dict[str, str]):
    folder = tmp_path / "tpl"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _run_with(tmp_path, folder, *extra: str):
    sample = ROOT / "data" / "zhejiang_hightech.toml"  # the default study, no bootstrap
    config = tmp_path / "study.toml"
    config.write_text(sample.read_text(encoding="utf-8").replace(
        'path = "', f'path = "{sample.parent}/') + "\n[inference]\nbootstrap = false\n",
        encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "--config", str(config), "--output",
                                       str(tmp_path / "out"), "--lang", "en", "--format",
                                       "html", "--templates", str(folder), *extra])
    assert result.exit_code == 2, result.output
    assert "Internal error" not in result.output and "Traceback" not in result.output
    assert "错误" in result.output and "Error" in result.output
    assert not (tmp_path / "out" / "zhejiang-hightech" / "2023").exists()
    return result.output


@pytest.mark.parametrize(("template", "words"), [
    ('{% include "brief.html.j2" %}', "calls itself without end"),
    ('{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(1) }}', "calls itself without end"),
    ("{% for i in range(10**12) %}{% endfor %}", "OverflowError"),
    ("{{ 1 + 'a' }}", "TypeError"),
    ('{% for i in range(100000) %}{{ "x" * 1000 }}{% endfor %}', "characters of HTML"),
])
@pytest.mark.slow
def test_template_that_breaks_the_machine_is_exit_2(tmp_path, template, words):
    out = _run_with(tmp_path, _editor(tmp_path, {"brief.html.j2": template}))
    assert words in out and "brief.html.j2" in out
    check = CliRunner().invoke(main, ["templates", "check", str(tmp_path / "tpl")])
    assert check.exit_code == 2 and words in check.output, check.output


@pytest.mark.slow
def test_template_that_never_ends_is_stopped(tmp_path, monkeypatch):
    from reporter.render import html

    monkeypatch.setattr(html, "RENDER_SECONDS", 1)
    loops = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    out = _run_with(tmp_path, _editor(tmp_path, {"brief.html.j2": loops}))
    assert "more than 1 s" in out and "超过 1 秒" in out


@pytest.mark.parametrize(("entry", "words"), [
    ('[cover]\nkicker = "{x:1000000000}"\n', "widths and precisions go up to 100"),
    ('[cover]\nkicker = "{year.__class__}"\n', "a placeholder is a plain name"),
    ('[cover]\nkicker = "{year"\n', "cover.kicker"),
])
def test_catalogue_entry_that_breaks_the_machine_is_exit_2(tmp_path, entry, words):
    out = _run_with(tmp_path, _editor(tmp_path, {"i18n/en.toml": entry}))
    assert words in out and "en.toml" in out


@pytest.mark.parametrize(("entry", "words"), [
    ('[[recommendation]]\nzh = "中"\nen = "E"\n', "recommendation #1.id"),
    ('[[recommendation]]\nid = "x"\nzh = "中"\n', "recommendation.x.en"),
    ('[[recommendation]]\nid = "x"\nzh = "{foo}"\nen = "{foo}"\n', "{foo} is not one of"),
    ('[[recommendation]]\nid = "x"\nzh = "{core}"\nen = "E"\n', "use the same placeholders"),
    ('[[recommendation]]\nid = "x"\nzh = "中"\nen = "E"\nfor_each = "x"\n', "for_each"),
    ('[[recommendation]]\nid = "x"\nzh = "中"\nen = "E"\nwhen = "range(10**12)"\n',
     "range"),
])
def test_recommendation_entry_that_is_wrong_is_exit_2(tmp_path, entry, words):
    out = _run_with(tmp_path, _editor(tmp_path, {"recommendations.toml": entry}))
    assert words in out and "recommendations.toml" in out


@pytest.mark.parametrize(("rules", "words"), [
    ("[laggards]\nquantile = 1.5\n", "laggards.quantile"),
    ("[key_messages]\nmax = 0\n", "key_messages.max"),
    ('[warnings]\nhigh_vif = "[] | max > 1"\n', "warnings.high_vif"),
])
def test_rules_that_are_wrong_are_exit_2(tmp_path, rules, words):
    out = _run_with(tmp_path, _editor(tmp_path, {"rules.toml": rules}))
    assert words in out and "rules.toml" in out


def test_a_gap_in_a_model_variable_names_the_key_that_fills_it(tmp_path):
    """A hole in a model variable: by default the models that use it leave the row out and
    say so; under `missing = "error"` the error says which [prepare] keys handle it; with
    `interpolate` the gap inside the entity's years is filled and recorded."""
    from reporter import pipeline

    frame = _frame()
    frame.loc[(frame.city == "宁波") & (frame.year == 2016), "x1"] = np.nan
    dropped = pipeline.analyse(load_config(write_study(tmp_path / "d", MODEL, frame)),
                               pipeline.Timer())
    with_x1 = dropped.model("baseline_controls")
    assert (with_x1.nobs, dropped.model("baseline").nobs) == (131, 132)
    assert with_x1.diagnostics["missing"] == {"rows": 1, "entities": 0,
                                              "by_variable": {"x1": 1}}
    assert dropped.data.missing_dropped == with_x1.diagnostics["missing"]
    config = write_study(tmp_path / "a", MODEL, frame)
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[model]", '[prepare]\nmissing = "error"\n[model]'), encoding="utf-8")
    for out in _both("run", config, tmp_path):
        assert 'interpolate = ["x1"]' in out and "宁波 2016" in out
        assert 'missing = "drop"' in out
    filled = write_study(tmp_path / "b", MODEL, frame)
    filled.write_text(filled.read_text(encoding="utf-8").replace(
        "[model]", '[prepare]\ninterpolate = ["x1"]\n[model]'), encoding="utf-8")
    _, panel, _ = pipeline.validate(filled)
    steps = [s for s in pipeline.analyse(load_config(filled), pipeline.Timer()).preparation
             if s.step == "interpolate"]
    assert [(s.column, s.count, s.params["cells"]) for s in steps] == [
        ("x1", 1, [["宁波", 2016]])]
    assert panel.frame["x1"].notna().all()
