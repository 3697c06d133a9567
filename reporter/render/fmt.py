"""Number formatting for tables and text: one place, so tables and sentences agree."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

THOUSANDS_FROM = 1_000  # 1,234.5 and 27,994.4 alike: one style down a column


def level_digits(values: Sequence[float | None]) -> int:
    """Decimals for levels of one variable, by their size: none for whole numbers
    (deaths, firms), 1 from 1,000, 2 from 100, else 3 (an index, a rate), and more below
    0.1, so that the largest keeps three significant digits (0.0325 crimes per person)."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return 3
    if all(float(v).is_integer() for v in finite):
        return 0
    largest = max(finite)
    if 0 < largest < 0.1:
        return min(6, 2 - math.floor(math.log10(largest)))
    return 1 if largest >= 1000 else 2 if largest >= 100 else 3


def num(value: float | None, digits: int = 3) -> str:
    """Fixed decimals with a true minus sign; blank for a missing value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    text = f"{value:,.{digits}f}" if abs(value) >= THOUSANDS_FROM else f"{value:.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text.replace("-", "\u2212")


def coef(value: float | None, digits: int = 4) -> str:
    """A coefficient: fixed decimals; when those would show fewer than two significant
    digits (0.0001 for a moderator measured in yuan), three significant digits: in fixed
    decimals (0.000123), or, where fixed decimals would print zero, as a reader writes it
    (5.65×10⁻⁵, not the 5.65e−5 of a program)."""
    if value is None or not math.isfinite(value):
        return ""
    if value != 0 and abs(value) < 0.5 * 10 ** -digits:
        mantissa, exponent = f"{value:.2e}".split("e")
        return f"{mantissa}×{power_of_ten(int(exponent))}".replace("-", "\u2212")
    if value != 0 and abs(value) < 10 ** (1 - digits):  # 0.0001: one significant digit
        return num(value, 2 - math.floor(math.log10(abs(value))))
    return num(value, digits)


def interval(low: float | None, high: float | None, digits: int = 3) -> str:
    """`[low, high]` with both bounds to the same decimals: `digits`, or as many as give the
    larger bound three significant digits ([0.00007, 0.00244], not [6.53e−5, 0.00244]);
    in scientific notation with one exponent where that would take more than ten."""
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return "—"  # not estimated
    largest = max(abs(low), abs(high))
    decimals = digits if largest == 0 else max(digits, 2 - math.floor(math.log10(largest)))
    if decimals > 10:
        exponent = math.floor(math.log10(largest))
        scale = 10.0 ** -exponent
        return f"[{num(low * scale, 2)}, {num(high * scale, 2)}]×{power_of_ten(exponent)}"
    return f"[{num(low, decimals)}, {num(high, decimals)}]"


def keep_ranges(text: str) -> str:
    """A range of numbers (1976–1982, 2013-2023) that a line never breaks: a word joiner
    after its dash, for headings that wrap."""
    return re.sub(r"(?<=\d)([–—-])(?=\d)", "\\1\u2060", text)


def pval(value: float | None) -> str:
    if value is None:
        return ""
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def p_clause(value: float | None) -> str:
    """`p = 0.004`, or `p < 0.001` when it rounds below the third decimal."""
    if value is None:
        return ""
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def stars(p: float | None) -> str:
    """*** p<0.01, ** p<0.05, * p<0.10 (the journals' convention; the note says so)."""
    if p is None:
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""


def small(value: float | None, digits: int = 3) -> str:
    """Fixed decimals, but never a nonzero value printed as zero: then as many decimals as
    give two significant digits (0.00034 -> 0.00034, not 0.000), up to eight."""
    if value is None or not math.isfinite(value):
        return ""
    if value != 0 and abs(value) < 0.5 * 10 ** -digits:
        digits = min(8, 1 - math.floor(math.log10(abs(value))))
    return num(value, digits)


def percent(value: float | None, digits: int = 1) -> str:
    """A share or growth rate as a percentage: 0.2379 -> 23.8%; 0.00034 -> 0.034%."""
    if value is None or not math.isfinite(value):
        return ""
    return small(100 * value, digits) + "%"


def midsentence(label: str) -> str:
    """An English heading-style label as it reads inside a sentence: "Two-way FE 2SLS" ->
    "two-way FE 2SLS", "State fixed effects" -> "state fixed effects"; a first word with a
    capital inside ("Driscoll–Kraay", "FGLS") is a name or an acronym and keeps its case."""
    first = label.split(" ", 1)[0]
    if first[:1].isupper() and not any(c.isupper() for c in first[1:]):
        return label[0].lower() + label[1:]
    return label


def signed(value: float | None, digits: int = 3) -> str:
    """A change with its sign and the same decimals down a column: +0.603 / −0.555 / 0.000
    (what rounds to zero has none)."""
    if value is None or not math.isfinite(value):
        return "—"
    text = num(value, digits)
    return text if text.startswith("\u2212") or text == num(0.0, digits) else "+" + text


def points(value: float | None, digits: int = 2) -> str:
    """A change of a share in percentage points, with its sign: +1.20 / −0.40 / 0.00."""
    return signed(None if value is None else 100 * value, digits)


def power_of_ten(power: int) -> str:
    """10 to an integer power with superscript digits: 10⁴, 10⁻³."""
    digits = str(power).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"10{digits}"


def integer(value: int | None) -> str:
    return "" if value is None else f"{value:,d}"


def ordinal(value: float) -> str:
    """An English ordinal: 1st, 2nd, 3rd, 11th, 12th, 22nd, 95th (2.5th for a fraction)."""
    if not float(value).is_integer():
        return f"{value:g}th"
    n = int(value)
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def percentiles(values: Sequence[float], lang: str) -> str:
    """`[10, 25, 50]` as "10th, 25th and 50th percentiles" or "第 10、25、50 百分位"."""
    if lang == "zh":
        return f"第 {'、'.join(f'{v:g}' for v in values)} 百分位"
    words = [ordinal(v) for v in values]
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    return f"{listed} percentile{'s' if len(words) > 1 else ''}"


def with_unit(text: str, unit: str | None, lang: str) -> str:
    """`text` with its unit in brackets: 出口额（亿元）, exports (100 million yuan)."""
    if not unit:
        return text
    return f"{text}（{unit}）" if lang == "zh" else f"{text} ({unit})"
