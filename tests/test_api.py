"""The Python API: `reporter.analyse` and `reporter.run` give what the CLI writes, plus
the brief's tables as DataFrames and tidy estimates, for a notebook."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

import reporter
from reporter.config import load_config
from tests.studies import ROOT

CITY = ROOT / "data" / "zhejiang_hightech.toml"


@pytest.fixture(scope="module")
def study():
    return reporter.analyse(CITY)


def test_import_reporter_stays_light():
    code = "import sys, reporter; print('pandas' in sys.modules, 'reporter.api' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_analyse_gives_findings_in_both_languages(study):
    findings = study.findings()
    assert findings and all(set(f["text"]) == {"zh", "en"} for f in findings)
    assert {"key", "grade", "params", "text"} <= set(findings[0])
    assert all(set(r["text"]) == {"zh", "en"} for r in study.recommendations())


def test_tables_are_dataframes_as_the_brief_shows_them(study):
    tables = study.tables("en")
    baseline = tables["baseline"]
    assert isinstance(baseline, pd.DataFrame) and baseline.attrs["title"]
    estimate = study.results.model("baseline_controls").coef("ec").estimate
    assert f"{estimate:.4f}" in " ".join(baseline.iloc[:, 2].astype(str))
    assert set(tables) == set(study.tables("zh"))


def test_coefficients_are_the_results_numbers(study):
    tidy = study.coefficients()
    row = tidy[(tidy.model == "baseline_controls") & (tidy.variable == "ec")].iloc[0]
    coef = study.results.model("baseline_controls").coef("ec")
    assert (row.estimate, row.std_error, row.p_value) == (coef.estimate, coef.std_error,
                                                          coef.p_value)
    assert len(tidy) == sum(len(m.coefficients) for m in study.results.models)


def test_run_writes_what_analyse_computes(study, tmp_path):
    done = reporter.run(load_config(CITY), output=tmp_path, formats=("json",))
    assert done.output == tmp_path / "zhejiang-hightech" / "2023"
    assert done.files == ("manifest.json", "results.json")
    written = json.loads((done.output / "results.json").read_text(encoding="utf-8"))
    assert written == json.loads(study.to_json())


def test_run_refuses_unknown_formats(tmp_path):
    with pytest.raises(ValueError, match="rtf"):
        reporter.run(CITY, output=tmp_path, formats=("rtf",))
    with pytest.raises(ValueError):
        reporter.run(CITY, output=tmp_path, formats="pdf")  # a string, not a list
