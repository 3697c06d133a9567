"""Time steps (issue 21): a lag is the previous period on the panel's own step (five years
for five-yearly data), and a specification that a lag or an instrument leaves on a much
smaller sample is said to be so and, below half the baseline's rows, not counted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reporter import api
from reporter.prepare import lag, time_step
from reporter.render.i18n import Translator, load_catalogue
from reporter.render.tables import robustness_table
from tests.studies import write_study


def _panel(years_of: dict[str, list[int]], seed: int = 7) -> pd.DataFrame:
    """y = 0.5 x + 0.3 z + entity and year effects + noise, over the given years."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, (name, years) in enumerate(years_of.items()):
        for year in years:
            x, z = rng.normal(), rng.normal()
            rows.append({"city": name, "year": year, "x": x, "z": z,
                         "y": 0.5 * x + 0.3 * z + 0.2 * i + 0.01 * (year - 1950)
                         + rng.normal(scale=0.5)})
    return pd.DataFrame(rows)


def test_the_step_is_the_most_common_gap():
    annual = _panel({f"e{i}": list(range(2000, 2010)) for i in range(3)})
    assert time_step(annual, "city", "year") == 1
    five = _panel({f"e{i}": list(range(1950, 2011, 5)) for i in range(4)})
    assert time_step(five, "city", "year") == 5
    # mostly five-yearly, a few extra years at the end: still five
    mixed = _panel({**{f"e{i}": [*range(1950, 2006, 5), 2007] for i in range(4)}})
    assert time_step(mixed, "city", "year") == 5
    single = _panel({"a": [2000], "b": [2001]})
    assert time_step(single, "city", "year") == 1


def test_a_lag_is_the_previous_period_on_the_step():
    five = _panel({"a": [1950, 1955, 1960, 1970], "b": [1955, 1960]})
    lagged = lag(five, "city", "year", "x")
    by_key = five.set_index(["city", "year"])["x"]
    expected = [np.nan, by_key["a", 1950], by_key["a", 1955], np.nan,  # 1965 is missing
                np.nan, by_key["b", 1955]]
    np.testing.assert_array_equal(lagged.to_numpy(), np.array(expected))
    # a step given explicitly wins: the yearly lag of five-yearly data is empty
    assert lag(five, "city", "year", "x", step=1).isna().all()


def _analysed(folder, years_of: dict[str, list[int]], seed: int = 7):
    """The panel over `years_of` and its analysis, with x the core and z the control."""
    frame = _panel(years_of, seed)
    config = write_study(folder, 'dependent = "y"\ncore = "x"\ncontrols = ["z"]', frame)
    return frame, api.analyse(config)


def _robustness_notes(analysis, lang: str) -> str:
    t = Translator(load_catalogue(list(analysis.template_dirs), lang), lang,
                   analysis.config.wording()[lang])
    return " ".join(robustness_table(analysis.results, analysis.config, t).notes)


@pytest.fixture(scope="module")
def five_yearly(tmp_path_factory):
    return _analysed(tmp_path_factory.mktemp("five"),
                     {f"c{i:02d}": list(range(1963, 2024, 5)) for i in range(30)})


def test_five_yearly_data_lag_five_years(five_yearly):
    frame, analysis = five_yearly
    results = analysis.results
    assert results.data.time_step == 5
    lagged = results.model("robustness_lagged_core")
    iv = results.model("iv_2sls")
    # one period lost per country, not all of them (a one-year lag would leave none)
    assert lagged.nobs == iv.nobs == len(frame) - 30
    robustness = next(f for f in results.findings if f.key == "robustness")
    assert not robustness.params["small_sample"]
    notes = _robustness_notes(analysis, "en")
    assert "x one period (5 years) earlier" in notes
    assert "Fewer observations" not in notes  # 360 of 390 rows: nothing to say


@pytest.fixture(scope="module")
def sparse(tmp_path_factory):
    """Six cities every year, twelve every other year: the lag keeps 66 of 144 rows."""
    years = {**{f"full{i}": list(range(2012, 2024)) for i in range(6)},
             **{f"even{i}": list(range(2012, 2024, 2)) for i in range(12)}}
    return _analysed(tmp_path_factory.mktemp("sparse"), years, seed=3)


def test_a_specification_on_less_than_half_the_sample_is_not_counted(sparse):
    frame, analysis = sparse
    results = analysis.results
    assert results.data.time_step == 1
    lagged = results.model("robustness_lagged_core")
    assert lagged.nobs == 66 and len(frame) == 144
    robustness = next(f for f in results.findings if f.key == "robustness")
    assert set(robustness.params["small_sample"]) == {"robustness_lagged_core", "iv_2sls"}
    core = next(f for f in results.findings if f.key == "core_effect")
    # the checks aimed at reverse causality ran on another sample: they cannot confirm it
    assert not core.params["endogeneity_holds"]
    assert robustness.params["n_specs"] == core.params["n_specs"]
    assert "robustness_lagged_core" not in core.params["disagree"]
    sentence = next(f["text"]["en"] for f in analysis.findings() if f["key"] == "robustness")
    assert "less than half of the baseline's observations" in sentence
    assert "lagged core variable, two-way FE 2SLS" in sentence
    for lang, expected in (("en", "Fewer observations than the baseline (144)"),
                           ("zh", "以下设定的观测少于基准（144）")):
        notes = _robustness_notes(analysis, lang)
        assert expected in notes and "66 (46%)" in notes.replace("（", " (").replace("）", ")")


def test_changes_in_the_status_are_on_the_previous_period(five_yearly):
    frame, analysis = five_yearly
    status = analysis.results.status
    by_key = frame.set_index(["city", "year"])["y"]
    for e in status.entities:
        assert e.change == pytest.approx(by_key[e.entity, 2023] - by_key[e.entity, 2018])
    table = analysis.tables("en")["ranking"]
    assert "the previous observation, 5 years earlier" in " ".join(table.attrs["notes"])
    zh = analysis.tables("zh")["ranking"]
    assert "变化为与上期（5 年前）相比的差值" in " ".join(zh.attrs["notes"])
