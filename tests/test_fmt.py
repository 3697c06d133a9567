"""How tiny coefficients are printed (issue 17): at least two significant digits, and a
table row of tiny coefficients shown per 10ⁿ units, checked on hand-made values."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from reporter.render import fmt
from reporter.render.tables import _rescale


@pytest.mark.parametrize(("value", "text"), [
    (0.1234567, "0.1235"), (-0.0523, "\u22120.0523"), (0.001, "0.0010"),
    (0.00012345, "0.000123"), (-0.000998, "\u22120.000998"), (0.0000565, "0.0000565"),
    (4.2e-5, "4.20×10⁻⁵"), (1.66e-6, "1.66×10⁻⁶"), (-3.1e-7, "\u22123.10×10⁻⁷"),
    (0.0, "0.0000")])
def test_a_coefficient_keeps_two_significant_digits(value, text):
    assert fmt.coef(value) == text


@pytest.mark.parametrize(("power", "text"), [(4, "10⁴"), (-3, "10⁻³"), (12, "10¹²")])
def test_powers_of_ten_in_superscript(power, text):
    assert fmt.power_of_ten(power) == text


def _models(*estimates):
    return [SimpleNamespace(coefficients={"z": SimpleNamespace(estimate=e)} if e is not None
                            else {}) for e in estimates]


@pytest.mark.parametrize(("estimates", "power"), [
    ((5.654e-5, None), 4),        # 0.5654 shown: the largest lands in [0.1, 1)
    ((1.66e-6, -3.2e-7), 5),      # 0.166 and −0.032
    ((0.00099, 0.0), 3),          # just below 0.001
    ((0.001, 1e-6), 0),           # 0.001 and above print as they are
    ((0.0, None), 0), ((float("nan"), 2e-5), 4)])
def test_a_row_of_tiny_coefficients_is_shown_per_power_of_ten(estimates, power):
    got = _rescale(_models(*estimates), "z")
    assert got == power
    largest = max(abs(e) for e in estimates if e is not None and e == e)
    if power:
        assert 0.1 <= largest * 10 ** power < 1


def test_an_interval_has_both_bounds_to_the_same_decimals():
    """[0.00007, 0.00244], not [6.53e−5, 0.00244]: one reading for both bounds."""
    assert fmt.interval(6.53e-5, 0.00244) == "[0.00007, 0.00244]"
    assert fmt.interval(-0.000799, 0.00265) == "[−0.00080, 0.00265]"
    assert fmt.interval(-0.122, 0.293) == "[−0.122, 0.293]"
    assert fmt.interval(1.2e-12, 3.4e-12) == "[1.20, 3.40]×10⁻¹²"
    assert fmt.interval(0.0, 0.0) == "[0.000, 0.000]"
    assert fmt.interval(None, 1.0) == fmt.interval(float("nan"), 1.0) == "—"


def test_a_range_of_years_is_not_broken_at_its_dash():
    assert fmt.keep_ranges("US Workers, 1976–1982") == "US Workers, 1976–\u20601982"
    assert fmt.keep_ranges("2013-2023; a–b") == "2013-\u20602023; a–b"


def test_a_change_carries_its_sign_and_zero_none():
    assert [fmt.signed(v) for v in (0.603, -0.555, -0.0001, 0.0, None, float("nan"))] == [
        "+0.603", "\u22120.555", "0.000", "0.000", "—", "—"]
    assert (fmt.points(0.0123), fmt.points(-0.004), fmt.points(1e-7)) == (
        "+1.23", "\u22120.40", "0.00")


def test_a_heading_reads_in_lower_case_mid_sentence_but_names_keep_theirs():
    assert [fmt.midsentence(x) for x in ("Two-way FE 2SLS", "State fixed effects",
                                         "Driscoll–Kraay standard errors", "FGLS (AR(1))",
                                         "lagged core variable")] == [
        "two-way FE 2SLS", "state fixed effects", "Driscoll–Kraay standard errors",
        "FGLS (AR(1))", "lagged core variable"]


def test_english_ordinals():
    assert [fmt.ordinal(v) for v in (1, 2, 3, 4, 11, 12, 13, 21, 22, 95, 99, 101, 2.5)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "95th", "99th",
        "101st", "2.5th"]
    assert fmt.percentiles([1, 99], "en") == "1st and 99th percentiles"
    assert fmt.percentiles([5.0, 95.0], "zh") == "第 5、95 百分位"
