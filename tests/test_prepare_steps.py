"""Preparation steps (interpolation, extrapolation, logs, ratios, lags, growth rates), each
recorded with its counts; the errors that name the column, entity and year; and the config
and loader rules that let raw indicators have gaps while model variables may not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reporter.config import load_config
from reporter.errors import InputError
from reporter.indices import build_indices
from reporter.load import load_panel
from reporter.prepare import extrapolate, interpolate, lag, prepare

NAN = float("nan")


def study(tmp_path: Path, rows: list[dict], prepare_toml: str = "", model: str = "",
          extra: str = "") -> Path:
    """A small study: the rows as panel.csv and a config with the given [prepare] lines."""
    pd.DataFrame(rows).to_csv(tmp_path / "panel.csv", index=False)
    model = model or 'dependent = "y"\ncore = "x"\n'
    text = (f'[study]\nid = "t"\ntitle = "t"\nregion = "r"\nyear = 2022\n\n'
            f'[data]\npath = "panel.csv"\nentity = "city"\ntime = "year"\n\n'
            f"[prepare]\n{prepare_toml}\n{extra}\n[model]\n{model}")
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def rows_with(raw: dict[str, list[float]], years=(2018, 2019, 2020, 2021, 2022)) -> list[dict]:
    """One row per city-year; `raw` maps a city to its values of column `r`."""
    return [{"city": city, "year": year, "y": 1.0 + i + t, "x": 2.0 * (i + 1) + t ** 1.5,
             "r": values[t]}
            for i, (city, values) in enumerate(raw.items()) for t, year in enumerate(years)]


def run(path: Path):
    config = load_config(path)
    return prepare(load_panel(config), config)


def error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        config = load_config(path)
        prepared, _ = prepare(load_panel(config), config)
        build_indices(prepared, config)
    assert info.value.exit_code == 2
    assert info.value.bilingual().startswith("错误：")
    return info.value


# --- interpolation -------------------------------------------------------------------------

def test_interior_gaps_are_filled_linearly_in_the_year(tmp_path):
    path = study(tmp_path, rows_with({"甲": [1.0, NAN, NAN, 7.0, 9.0], "乙": [5.0] * 5}),
                 'interpolate = true\nlog = { lr = "r" }')
    panel, steps = run(path)
    values = panel.frame.set_index(["city", "year"])["r"]
    assert values.loc["甲"].tolist() == [1.0, 3.0, 5.0, 7.0, 9.0]
    step = steps[0]
    assert (step.step, step.column, step.count) == ("interpolate", "r", 2)
    assert step.params["cells"] == [["甲", 2019], ["甲", 2020]]


def test_interpolation_uses_years_not_rows():
    """An entity with a missing year (2019 absent) and rows out of order."""
    frame = pd.DataFrame({"e": ["a", "a", "a", "b", "b"], "t": [2021, 2018, 2020, 2018, 2019],
                          "v": [9.0, 0.0, NAN, 1.0, 2.0]})
    filled = interpolate(frame, "e", "t", "v")
    assert filled.tolist() == [9.0, 0.0, 6.0, 1.0, 2.0]  # 0 + (9 - 0) * 2/3


def test_gaps_at_the_ends_are_not_extrapolated_unless_configured(tmp_path):
    rows = rows_with({"甲": [NAN, 2.0, NAN, 4.0, NAN], "乙": [1.0, 1.0, 1.0, 1.0, 1.0]})
    found = error(study(tmp_path, rows, 'missing = "error"\ninterpolate = true\n'
                                        'log = { lr = "r" }'))
    assert found.key == "prepare.still_missing"
    assert found.params["column"] == "r" and found.params["entity"] == "甲"
    assert found.params["years"] == "2018, 2022" and found.params["count"] == 2
    assert "甲" in found.message("zh") and "2018, 2022" in found.message("en")


@pytest.mark.parametrize(("method", "expected"), [
    ("nearest", [2.0, 2.0, 3.0, 4.0, 4.0]),
    ("linear", [1.0, 2.0, 3.0, 4.0, 5.0]),
])
def test_extrapolation_when_configured(tmp_path, method, expected):
    rows = rows_with({"甲": [NAN, 2.0, NAN, 4.0, NAN], "乙": [1.0, 1.0, 1.0, 1.0, 1.0]})
    panel, steps = run(study(tmp_path, rows, f'interpolate = true\nextrapolate = "{method}"\n'
                                             'log = { lr = "r" }'))
    assert panel.frame.loc[panel.frame.city == "甲", "r"].tolist() == expected
    assert [(s.step, s.count) for s in steps[:2]] == [("interpolate", 1), ("extrapolate", 2)]
    assert steps[1].params == {"method": method, "cells": [["甲", 2018], ["甲", 2022]]}


def test_linear_extrapolation_needs_two_known_years():
    frame = pd.DataFrame({"e": ["a"] * 3, "t": [2018, 2019, 2020], "v": [NAN, 5.0, NAN]})
    assert extrapolate(frame, "e", "t", "v", "linear").isna().tolist() == [True, False, True]
    assert extrapolate(frame, "e", "t", "v", "nearest").tolist() == [5.0, 5.0, 5.0]


def test_raw_gaps_without_interpolation_are_an_error(tmp_path):
    rows = rows_with({"甲": [1.0, NAN, 3.0, 4.0, 5.0], "乙": [1.0] * 5})
    found = error(study(tmp_path, rows, 'missing = "error"\nlog = { lr = "r" }'))
    assert found.key == "prepare.still_missing"
    assert (found.params["entity"], found.params["years"]) == ("甲", "2019")


def test_raw_gaps_are_left_to_the_models_by_default(tmp_path):
    """`missing = "drop"` (the default): a derived column keeps the gap of its source, and
    a model using it leaves that row out; an index's input must still be complete."""
    rows = rows_with({"甲": [1.0, NAN, 3.0, 4.0, 5.0], "乙": [1.0] * 5})
    panel, _ = run(study(tmp_path, rows, 'log = { lr = "r" }', 'dependent = "y"\ncore = "lr"\n'))
    assert panel.frame["lr"].isna().sum() == 1
    found = error(study(tmp_path, rows, "", extra='[indices.c]\nmethod = "tc"\nexports = "r"\n'
                                                  'imports = "x"\n'))
    assert (found.key, found.params["column"]) == ("prepare.still_missing", "r")


def test_missing_interpolate_fills_and_refuses_what_is_left(tmp_path):
    rows = rows_with({"甲": [1.0, NAN, 3.0, 4.0, NAN], "乙": [1.0] * 5})
    config = load_config(study(tmp_path, rows, 'missing = "interpolate"\nlog = { lr = "r" }'))
    assert config.prepare.interpolate is True
    found = error(config.path)
    assert (found.key, found.params["years"]) == ("prepare.still_missing", "2022")


def test_interpolation_can_be_limited_to_listed_columns(tmp_path):
    rows = rows_with({"甲": [1.0, NAN, 3.0, 4.0, 5.0], "乙": [1.0] * 5})
    for row in rows:
        row["s"] = NAN if (row["city"], row["year"]) == ("乙", 2020) else 1.0
    found = error(study(tmp_path, rows, 'missing = "error"\ninterpolate = ["r"]\n'
                                        'ratio = { q = ["r", "s"] }'))
    assert (found.key, found.params["column"], found.params["entity"]) == (
        "prepare.still_missing", "s", "乙")


# --- logs, ratios, lags, growth rates ----------------------------------------------------

def test_logs_ratios_growth_and_lags(tmp_path):
    rows = rows_with({"甲": [1.0, 2.0, 4.0, 8.0, 16.0], "乙": [3.0, 3.0, 6.0, 6.0, 12.0]})
    path = study(tmp_path, rows, 'ratio = { share = ["r", "x"] }\nlog = { lr = "r" }\n'
                 'growth = { gr = "r" }\nlag = { r_lag = "r", lr_lag = "lr" }')
    panel, steps = run(path)
    f = panel.frame.set_index(["city", "year"])
    assert f.loc[("甲", 2020), "lr"] == pytest.approx(np.log(4.0))
    assert f.loc[("乙", 2019), "share"] == pytest.approx(3.0 / f.loc[("乙", 2019), "x"])
    assert f.loc["甲", "gr"].tolist()[1:] == [1.0, 1.0, 1.0, 1.0]
    assert np.isnan(f.loc[("甲", 2018), "gr"])
    assert f.loc["乙", "r_lag"].tolist()[1:] == [3.0, 3.0, 6.0, 6.0]
    assert f.loc[("乙", 2022), "lr_lag"] == pytest.approx(np.log(6.0))
    kinds = [(s.step, s.column, s.count) for s in steps]
    assert kinds == [("ratio", "share", 10), ("log", "lr", 10), ("growth", "gr", 8),
                     ("lag", "r_lag", 8), ("lag", "lr_lag", 8)]
    assert steps[2].params == {"source": "r", "periods": 1, "step": 1, "missing": 2}


def test_lags_match_year_minus_one_not_the_previous_row(tmp_path):
    rows = [r for r in rows_with({"甲": [1.0, 2.0, 3.0, 4.0, 5.0], "乙": [1.0] * 5})
            if not (r["city"] == "甲" and r["year"] == 2020)]
    panel, _ = run(study(tmp_path, rows, 'lag = { r_lag = "r" }\ngrowth = { gr = "r" }'))
    f = panel.frame.set_index(["city", "year"])
    assert np.isnan(f.loc[("甲", 2021), "r_lag"])  # 2020 is absent: no lag, not 2019's
    assert np.isnan(f.loc[("甲", 2021), "gr"])
    frame = pd.DataFrame({"e": ["a", "a"], "t": [2021, 2020], "v": [5.0, 4.0]})
    assert lag(frame, "e", "t", "v").tolist()[0] == 4.0


@pytest.mark.parametrize("bad", [0.0, -2.5])
def test_log_of_a_non_positive_value_names_entity_and_year(tmp_path, bad):
    rows = rows_with({"甲": [1.0, 2.0, 3.0, 4.0, 5.0], "乙": [1.0, 1.0, 1.0, bad, 1.0]})
    found = error(study(tmp_path, rows, 'log = { lr = "r" }'))
    assert found.key == "prepare.log_nonpositive"
    assert (found.params["column"], found.params["entity"], found.params["year"]) == (
        "r", "乙", 2021)
    assert found.params["key"] == "prepare.log.lr" and found.params["value"] == f"{bad:g}"
    assert "2021" in found.message("zh") and "乙" in found.message("en")


def test_zero_denominators_name_entity_and_year(tmp_path):
    rows = rows_with({"甲": [1.0, 2.0, 0.0, 4.0, 5.0], "乙": [1.0] * 5})
    found = error(study(tmp_path, rows, 'ratio = { q = ["x", "r"] }'))
    assert (found.key, found.params["entity"], found.params["year"]) == (
        "prepare.zero_denominator", "甲", 2020)
    found = error(study(tmp_path, rows, 'growth = { g = "r" }'))
    assert (found.params["column"], found.params["entity"], found.params["year"]) == (
        "r", "甲", 2020)


def test_a_lag_used_as_a_model_variable_must_be_complete(tmp_path):
    rows = rows_with({"甲": [1.0, 2.0, 3.0, 4.0, 5.0], "乙": [1.0] * 5})
    found = error(study(tmp_path, rows, 'missing = "error"\nlag = { r_lag = "r" }',
                        'dependent = "y"\ncore = "r_lag"\n'))
    assert found.key == "prepare.model_missing"
    assert (found.params["column"], found.params["entity"], found.params["years"]) == (
        "r_lag", "乙", "2018")


def test_derived_model_variables_need_not_be_in_the_file(tmp_path):
    rows = rows_with({"甲": [1.0, 2.0, 3.0, 4.0, 5.0], "乙": [2.0] * 5})
    panel, _ = run(study(tmp_path, rows, 'log = { lr = "r" }', 'dependent = "y"\ncore = "lr"\n'))
    assert panel.frame["lr"].notna().all()


def test_model_variables_are_filled_only_when_asked(tmp_path):
    """A gap in a model variable: filled and recorded under `interpolate = true` (issue 24),
    the loader's error otherwise; a missing source column keeps its error."""
    rows = rows_with({"甲": [1.0] * 5, "乙": [2.0] * 5})
    rows[3]["x"] = NAN
    panel, steps = run(study(tmp_path, rows, "interpolate = true"))
    assert panel.frame["x"].notna().all()
    assert [(s.step, s.column, s.count) for s in steps if s.step == "interpolate"] == [
        ("interpolate", "x", 1)]
    found = error(study(tmp_path, rows, 'missing = "error"\ninterpolate = false'))
    assert found.key == "load.missing_values" and found.params["column"] == "x"
    path = study(tmp_path, rows_with({"甲": [1.0] * 5, "乙": [2.0] * 5}), 'log = { lr = "rr" }')
    found = error(path)
    assert (found.key, found.params["column"], found.params["key"]) == (
        "load.missing_column", "rr", "prepare.log.lr")


def test_winsorising_is_unchanged_for_file_columns(tmp_path):
    rows = rows_with({"甲": [1.0] * 5, "乙": [2.0] * 5})
    rows[0]["y"] = 100.0
    _, steps = run(study(tmp_path, rows, "winsorize = [0.1, 0.9]"))
    assert [(s.step, s.column) for s in steps] == [("winsorize", "y"), ("winsorize", "x")]
    assert steps[0].params["clipped_high"] == 1


# --- config ------------------------------------------------------------------------------

ROWS = rows_with({"甲": [1.0] * 5, "乙": [2.0] * 5})


@pytest.mark.parametrize(("prepare_toml", "extra", "key", "dotted"), [
    ("interpolat = true", "", "config.unknown_key", "prepare.interpolat"),
    ('extrapolate = "cubic"', "", "config.bad_choice", "prepare.extrapolate"),
    ('ratio = { q = ["r"] }', "", "config.wrong_type", "prepare.ratio.q"),
    ('log = { lr = 3 }', "", "config.wrong_type", "prepare.log.lr"),
    ('log = { lg = "g" }\ngrowth = { g = "r" }', "", "config.used_before_built",
     "prepare.log.lg"),
    ('log = { c = "r" }', '[indices.c]\nmethod = "tc"\nexports = "r"\nimports = "r"\n',
     "config.duplicate_output", "indices.c"),
    ('log = { lc = "c" }', '[indices.c]\nmethod = "tc"\nexports = "r"\nimports = "r"\n',
     "config.used_before_built", "prepare.log.lc"),
    ("", '[indices.c]\nmethod = "entropy"\ncolumns = ["r", "x"]\nnegative = ["z"]\n',
     "config.not_listed", "indices.c.negative"),
    ("", '[indices.c]\nmethod = "entropy"\ncolumns = ["r", "x"]\ngroups = { g = ["r"] }\n',
     "config.bad_groups", "indices.c.groups"),
    ("", '[indices.c]\nmethod = "entropy"\ncolumns = ["r"]\nshift = -1\n',
     "config.out_of_range", "indices.c.shift"),
    ("", '[indices.c]\nmethod = "entropy"\ncolumns = ["r"]\npooling = "decade"\n',
     "config.bad_choice", "indices.c.pooling"),
    ("", '[indices.c]\nmethod = "entropi"\ncolumns = ["r"]\n', "config.bad_choice",
     "indices.c.method"),
    ("", '[indices.c]\nmethod = "tc"\nexports = "r"\nimport = "x"\n', "config.unknown_key",
     "indices.c.import"),
    ("", '[indices.c]\nmethod = "tc"\nexports = "r"\n', "config.missing_key", "indices.c.imports"),
    ("", '[indices.c]\nmethod = "rca"\nexports = "r"\ntotal_exports = "x"\n'
         'reference_exports = "x"\n', "config.missing_key", "indices.c.reference_total"),
    ("", '[indices.c]\nmethod = "reflections"\nflows = { path = "f.csv", value = "v" }\n',
     "config.missing_key", "indices.c.flows.product"),
    ("", '[indices.c]\nmethod = "reflections"\nflows = { path = "f.csv", product = "p", '
         'value = "v" }\nmax_iter = 0\n', "config.out_of_range", "indices.c.max_iter"),
    ("", '[indices.c]\nmethod = "entropy"\ncolumns = ["r", "d"]\n[indices.d]\n'
         'method = "tc"\nexports = "r"\nimports = "x"\n', "config.used_before_built",
     "indices.c"),
])
def test_config_errors_name_the_key(tmp_path, prepare_toml, extra, key, dotted):
    with pytest.raises(InputError) as info:
        load_config(study(tmp_path, ROWS, prepare_toml, extra=extra))
    assert info.value.exit_code == 2
    assert (info.value.key, info.value.params["key"]) == (key, dotted)


def test_unknown_index_keys_suggest_the_closest(tmp_path):
    path = study(tmp_path, ROWS, extra='[indices.c]\nmethod = "entropy"\n'
                                       'columns = ["r"]\nnegatives = ["r"]\n')
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.params["suggestion"] == "negative"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert info.value.params["line"] == lines.index('negatives = ["r"]') + 1


def test_indices_may_use_earlier_indices(tmp_path):
    config = load_config(study(tmp_path, ROWS, extra=(
        '[indices.d]\nmethod = "tc"\nexports = "r"\nimports = "x"\n'
        '[indices.c]\nmethod = "entropy"\ncolumns = ["r", "d"]\n')))
    assert list(config.indices) == ["d", "c"]
    assert config.raw_inputs() == {"r": "indices.d.exports", "x": "indices.d.imports"}
