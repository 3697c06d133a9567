"""The endogeneity and overidentification tests and LIML beside the two-way FE 2SLS
(linearmodels, reporter/battery/endogeneity.py) and the tests that justify FGLS
(statsmodels, reporter/battery/error_structure.py) against R (by hand, AER, plm), from
fixtures made by tests/reference/make_endogeneity.R; plus the cases the fixtures do not
reach, and that both libraries are imported at run time for these jobs."""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reporter.battery.error_structure import (
    fgls_tests,
    groupwise_heteroskedasticity,
    serial_correlation,
)
from reporter.battery.iv import fit_iv_2sls
from reporter.battery.panel import PanelDesign, estimate, listwise, singleton_policy
from reporter.prepare import time_step
from reporter.results import _plain

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "reference" / "fixtures" / "endogeneity").glob("*.json"))
RTOL = 1e-6
IV_BLOCKS = ("wu_hausman", "durbin", "sargan", "hansen_j", "liml", "endogeneity_cluster")


def _close(actual: float, expected: float, what: str) -> None:
    # p-values that underflow in R are stored as 0
    if expected == 0.0:
        assert abs(actual) < 1e-12, what
    else:
        assert actual == pytest.approx(expected, rel=RTOL, abs=0), what


def _load(path: Path) -> tuple[dict, pd.DataFrame]:
    fx = json.loads(path.read_text(encoding="utf-8"))
    data = ROOT / fx["data_file"]
    assert hashlib.md5(data.read_bytes()).hexdigest() == fx["data_md5"], (
        f"{fx['data_file']} changed: rerun Rscript tests/reference/make_endogeneity.R")
    return fx, pd.read_csv(data)


CASES = [(p, label) for p in FIXTURES
         for label in json.loads(p.read_text(encoding="utf-8"))["iv"]]


def test_fixture_set_is_complete():
    assert {p.stem for p in FIXTURES} == {"produc", "emplUK", "zhejiang_cities", "provinces"}
    assert {label.count("+") for _, label in CASES} == {0, 1}  # just and overidentified


@pytest.mark.parametrize(("path", "label"), CASES, ids=[f"{p.stem}-{lb}" for p, lb in CASES])
def test_iv_tests_against_r(path, label):
    fx, frame = _load(path)
    ref = fx["iv"][label]
    second, _ = fit_iv_2sls(frame, fx["entity"], fx["time"], fx["dependent"], fx["core"],
                            fx["controls"], label.split("+"))
    d = second.diagnostics
    assert (second.nobs, second.n_entities, second.n_periods) == (
        ref["nobs"], ref["n_entities"], ref["n_periods"])
    assert d["within_df_absorbed"] == ref["within_df_absorbed"]
    _close(second.coef(fx["core"]).estimate, ref["estimate_2sls"], "2SLS")
    for block in IV_BLOCKS:
        if ref[block] is None:  # just identified: no overidentification test
            assert block not in d, block
            continue
        for key, value in ref[block].items():
            if isinstance(value, float):
                _close(d[block][key], value, f"{label} {block}.{key}")
            else:
                assert d[block][key] == value, f"{label} {block}.{key}"
    json.dumps(_plain(second), allow_nan=False)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fgls_tests_against_r(path):
    fx, frame = _load(path)
    ref = fx["fgls_tests"]
    regressors = [fx["core"], *fx["controls"]]
    main, design, _ = listwise(frame, PanelDesign.from_frame(frame, fx["entity"], fx["time"]),
                               [fx["dependent"], *regressors])
    fit = estimate(main, design, fx["dependent"], regressors, model_id="baseline_controls",
                   entity_effects=True, time_effects=True)
    assert (fit.nobs, design.n_entities) == (ref["nobs"], ref["n_entities"])
    tests = fgls_tests(fit, main, fx["entity"], fx["time"], fx["dependent"], regressors,
                       time_step(frame, fx["entity"], fx["time"]))
    het, ser = tests["groupwise_heteroskedasticity"], tests["serial_correlation"]
    for key, value in ref["groupwise_heteroskedasticity"].items():
        ours = {"stat": het.stat, "df": het.df, "p_value": het.p_value}.get(key,
                                                                          het.extra.get(key))
        if isinstance(value, float):
            _close(ours, value, f"xttest3 {key}")
        else:
            assert ours == value, f"xttest3 {key}"
    assert het.extra["n_entities_skipped"] == 0
    for key, value in ref["serial_correlation"].items():
        ours = {"stat": ser.stat, "p_value": ser.p_value}.get(key, ser.extra.get(key))
        if isinstance(value, float):
            _close(ours, value, f"xtserial {key}")
        else:
            assert ours == value, f"xtserial {key}"
    assert ser.df == 1 and ser.extra["h0_coefficient"] == -0.5


# --- what the fixtures do not reach -----------------------------------------------------

def _toy_panel(n_entities: int = 8, years=range(2000, 2012), seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame([(e, t) for e in range(n_entities) for t in years],
                         columns=["id", "year"])
    n = len(frame)
    frame["d"] = rng.normal(size=n).cumsum()
    frame["y"] = 0.5 * frame["d"] + rng.normal(size=n) * (1 + frame["id"] % 3)
    for j in range(1, 6):
        frame[f"c{j}"] = rng.normal(size=n)
    return frame


def test_just_identified_has_no_overidentification_test_and_liml_is_2sls():
    frame = _toy_panel()
    second, _ = fit_iv_2sls(frame, "id", "year", "y", "d", ["c1"])
    d = second.diagnostics
    assert "sargan" not in d and "hansen_j" not in d
    assert d["liml"]["kappa"] == pytest.approx(1.0, abs=1e-12)
    assert d["liml"]["estimate"] == pytest.approx(second.coef("d").estimate, rel=1e-10)
    assert d["liml"]["std_error"] == pytest.approx(second.coef("d").std_error, rel=1e-10)
    assert {"wu_hausman", "durbin", "endogeneity_cluster"} <= set(d)


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")  # the first-stage F, too
def test_hansen_j_needs_as_many_clusters_as_moments():
    """Six entities, two instruments and five controls: seven moment conditions, and the
    clustered moment covariance has rank at most six, so J is not defined (Sargan is)."""
    frame = _toy_panel(n_entities=6, years=range(2000, 2016))
    second, _ = fit_iv_2sls(frame, "id", "year", "y", "d", [f"c{j}" for j in range(1, 6)],
                            ["d_lag1", "d_lag2"])
    d = second.diagnostics
    assert d["hansen_j"]["estimable"] is False and d["hansen_j"]["stat"] is None
    assert d["hansen_j"]["df"] == 1 and math.isfinite(d["sargan"]["stat"])
    json.dumps(_plain(second), allow_nan=False)


def test_serial_correlation_reads_the_panel_step():
    """Five-yearly data: D. and L. are five years back, so relabelling 2000, 2005, … as
    2000, 2001, … changes nothing; a gap inside an entity gives no difference."""
    frame = _toy_panel(years=range(2000, 2060, 5))
    annual = frame.assign(year=2000 + (frame["year"] - 2000) // 5)
    five = serial_correlation(frame, "id", "year", "y", ["d"], step=5)
    one = serial_correlation(annual, "id", "year", "y", ["d"], step=1)
    assert five.stat == pytest.approx(one.stat, rel=1e-12)
    assert five.extra == one.extra
    gap = frame[~((frame["id"] == 0) & (frame["year"] == 2020))]
    holed = serial_correlation(gap, "id", "year", "y", ["d"], step=5)
    assert holed.extra["nobs_differenced"] == five.extra["nobs_differenced"] - 2
    two_years = serial_correlation(_toy_panel(years=range(2000, 2002)), "id", "year", "y",
                                   ["d"], step=1)
    assert two_years.extra["estimable"] is False and math.isnan(two_years.stat)


def test_serial_correlation_omits_what_differencing_makes_collinear():
    """A control that does not change (its difference is 0) or changes by one every year
    (experience: the period dummies span its difference) is omitted, as Stata does, with
    no warning and no change to the residuals."""
    frame = _toy_panel().assign(female=lambda f: f["id"] % 2,
                                exp=lambda f: f["year"] - 1990 + 3 * f["id"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        full = serial_correlation(frame, "id", "year", "y", ["d", "female", "exp"], step=1)
    plain = serial_correlation(frame, "id", "year", "y", ["d"], step=1)
    assert full.stat == pytest.approx(plain.stat, rel=1e-10)
    assert full.extra["coefficient"] == pytest.approx(plain.extra["coefficient"], rel=1e-10)


def test_groupwise_heteroskedasticity_closed_form_and_skipped_entities():
    """W = Σ (σ²_i - σ²)²/V_i by hand on a one-way fit; with singletons kept, an entity
    with one row has no V_i and is left out of the sum and of the degrees of freedom."""
    frame = _toy_panel(n_entities=5, years=range(2000, 2008))
    frame = pd.concat([frame, frame.iloc[[0]].assign(id=99)], ignore_index=True)
    design = PanelDesign.from_frame(frame, "id", "year")
    with singleton_policy("keep"):
        fit = estimate(frame, design, "y", ["d"], model_id="t", entity_effects=True,
                       time_effects=False)
    test = groupwise_heteroskedasticity(fit)
    e = pd.Series(fit.resid).groupby(fit.design.entity)
    s2_i, t_i = e.apply(lambda v: np.mean(v**2)), e.size()
    v_i = e.apply(lambda v: np.sum((v**2 - np.mean(v**2)) ** 2)) / t_i / (t_i - 1)
    s2 = np.mean((fit.resid - fit.resid.mean()) ** 2)
    keep = t_i > 1
    expected = float(((s2_i[keep] - s2) ** 2 / v_i[keep]).sum())
    assert test.stat == pytest.approx(expected, rel=1e-12)
    assert (test.df, test.extra["n_entities_skipped"]) == (5, 1)


def test_the_battery_records_them():
    """A run of the city study: both FGLS tests in `tests`, the endogeneity tests and
    LIML in the 2SLS's diagnostics (one instrument: no Sargan, no J)."""
    from reporter import pipeline
    from reporter.config import load_config

    results = pipeline.analyse(load_config(ROOT / "data" / "zhejiang_hightech.toml"),
                               pipeline.Timer())
    for name in ("groupwise_heteroskedasticity", "serial_correlation"):
        test = results.tests[name]
        assert math.isfinite(test.stat) and 0 <= test.p_value <= 1, name
    assert results.tests["serial_correlation"].extra["df2"] == 11  # 12 cities
    d = results.model("iv_2sls").diagnostics
    assert {"wu_hausman", "durbin", "endogeneity_cluster", "liml"} <= set(d)
    assert not {"sargan", "hansen_j"} & set(d)


@pytest.mark.parametrize(("package", "code"), [
    ("linearmodels", "from reporter.battery.iv import fit_iv_2sls; import pandas as pd; "
     "f = pd.read_csv('tests/reference/data/grunfeld.csv'); "
     "fit_iv_2sls(f, 'firm', 'year', 'inv', 'value', ['capital'])"),
    ("statsmodels", "from reporter.battery.error_structure import serial_correlation; "
     "import pandas as pd; f = pd.read_csv('tests/reference/data/grunfeld.csv'); "
     "serial_correlation(f, 'firm', 'year', 'inv', ['value', 'capital'], step=1)"),
])
def test_runtime_dependencies_are_imported_for_their_jobs(package, code):
    """Each declared runtime dependency is imported by a runtime module when it does its
    job, and not before (a fresh interpreter: this one may have it from other tests)."""
    script = (f"import sys; import reporter.battery; assert {package!r} not in sys.modules; "
              f"{code}; assert {package!r} in sys.modules")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True)
    sources = "\n".join(p.read_text(encoding="utf-8")
                        for p in (ROOT / "reporter").rglob("*.py"))
    assert f"from {package}." in sources


def test_the_brief_prints_the_tests_as_results_json_has_them():
    """The IV table carries the endogeneity tests and LIML, the robustness table's notes the
    two error-structure tests, with the numbers of results.json, in both languages."""
    from reporter import api
    from reporter.render import fmt

    analysis = api.analyse(ROOT / "data" / "zhejiang_hightech.toml")
    d = analysis.results.model("iv_2sls").diagnostics
    serial = analysis.results.tests["serial_correlation"]
    for lang, comma in (("en", ", "), ("zh", "，")):
        tables = analysis.tables(lang)
        rows = dict(zip(tables["iv"].iloc[:, 0], tables["iv"].iloc[:, -1], strict=True))
        wu = d["wu_hausman"]
        label = next(k for k in rows if f"{comma}F({wu['df1']}, {wu['df2']})" in k)
        assert rows[label].startswith(fmt.num(wu["stat"], 2))
        liml = next(v for k, v in rows.items() if "LIML" in k)
        assert liml == f"{fmt.coef(d['liml']['estimate'])} ({fmt.coef(d['liml']['std_error'])})"
        notes = " ".join(tables["robustness"].attrs["notes"])
        assert f"F(1, {serial.extra['df2']}) = {fmt.num(serial.stat, 2)}" in notes
