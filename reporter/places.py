"""English names for Chinese places: a built-in gazetteer of China's 34 province-level, 333
prefecture-level and 397 county-level cities (县级市), so an English brief needs no
`entity_names_en` for a panel of Chinese regions.

The table is `places.tsv` beside this module (one row per division: full and short Chinese
name, English name for briefs, full English name, level, type, parent province and
prefecture, administrative code, aliases, and a note wherever the English is not the plain
pinyin of the short name). Where the divisions come from and how the English names were
checked: tests/reference/places/SOURCE.md.

Lookup is by table only: a string that is not a known division gives None rather than a
romanisation guessed by a pinyin converter (a wrong English name is worse than none).
Accepted forms, after NFKC normalisation and removal of all white space:

- full names (`杭州市`, `浙江省`, `延边朝鲜族自治州`), short names (`杭州`, `浙江`, `延边`)
  and a few aliases (`延边州`, `中国香港`);
- names prefixed by their province and/or prefecture (`浙江省杭州市`, `浙江杭州`,
  `浙江省金华市义乌市`); a prefix that is not the place's parent gives None.

A short name shared by divisions of different levels means the higher one: `吉林` and
`海南` are the provinces (吉林市 is "Jilin City", 海南藏族自治州 "Hainan Prefecture");
`喀什` is the prefecture (喀什市, the county-level city, has the same English name).
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("places.tsv")
LEVELS = ("province", "prefecture", "county")


@dataclass(frozen=True)
class Place:
    """One division of the gazetteer (a row of places.tsv)."""

    name: str  # full Chinese name: 杭州市
    short: str  # without the suffix: 杭州
    english: str  # as a brief writes it: Hangzhou
    english_full: str  # with the kind of division: Hangzhou City
    level: str  # province | prefecture | county
    type: str  # 省 自治区 直辖市 特别行政区 | 地级市 地区 自治州 盟 | 县级市
    province: str  # short name of the province (the province's own for a province)
    prefecture: str  # short name of the prefecture of a county-level city ('' if none)
    adcode: str  # six-digit administrative division code
    aliases: tuple[str, ...]
    note: str  # why the English is not the plain pinyin, when it is not

    def contains(self, other: Place) -> bool:
        """Whether `other` lies inside this division (a prefecture or county-level city in
        a province, a county-level city in a prefecture)."""
        if self.level == "province":
            return other.level != "province" and other.province == self.province
        if self.level == "prefecture":
            return (other.level == "county" and other.province == self.province
                    and other.prefecture == self.short)
        return False


@cache
def places() -> tuple[Place, ...]:
    """Every division of the gazetteer, in code order."""
    with TABLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    fields: list[dict[str, Any]] = [
        {**row, "aliases": tuple(a for a in row["aliases"].split("|") if a)} for row in rows]
    return tuple(Place(**row) for row in fields)


@cache
def _index() -> dict[str, tuple[tuple[int, Place], ...]]:
    """Each spelling a place is looked up by, with its rank: 0 for a full name or alias,
    1 + level for a short name (a province's short name before a prefecture's)."""
    index: dict[str, dict[str, tuple[int, Place]]] = {}
    for place in places():
        keys = [(0, place.name), *((0, a) for a in place.aliases),
                (1 + LEVELS.index(place.level), place.short)]
        for rank, key in keys:
            seen = index.setdefault(key, {})
            if place.adcode not in seen or rank < seen[place.adcode][0]:
                seen[place.adcode] = (rank, place)
    return {key: tuple(sorted(hits.values(), key=lambda hit: hit[0]))
            for key, hits in index.items()}


def _pick(key: str, within: Place | None) -> Place | None:
    """The place spelt `key` (inside `within`, if given); None if none or if the best-ranked
    candidates disagree on the English name."""
    hits = [(rank, place) for rank, place in _index().get(key, ())
            if within is None or within.contains(place)]
    if not hits:
        return None
    best = [place for rank, place in hits if rank == hits[0][0]]
    return best[0] if len({place.english for place in best}) == 1 else None


def _find(text: str, within: Place | None = None) -> Place | None:
    """`text` as a place name, or as a parent's name followed by a place inside it."""
    found = _pick(text, within)
    if found is not None:
        return found
    for cut in range(len(text) - 1, 1, -1):
        parent = _pick(text[:cut], within)
        if parent is not None and parent.level != "county":
            found = _find(text[cut:], parent)
            if found is not None:
                return found
    return None


def normalise(name: str) -> str:
    """NFKC (full-width letters, Kangxi radicals, compatibility ideographs) without any
    white space."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def place(name: str) -> Place | None:
    """The division a panel's place name means, or None if it is not a known division."""
    if not isinstance(name, str):
        return None
    text = normalise(name)
    return _find(text) if text else None


MAINLAND = ("省", "自治区", "直辖市")  # with TAIWAN left out: the mainland's 31
TAIWAN = "710000"


def _mainland(p: Place | None) -> bool:
    return (p is not None and p.level == "province" and p.type in MAINLAND
            and p.adcode != TAIWAN)


def provinces_left_out(names: Iterable[str]) -> tuple[Place, ...] | None:
    """For a panel of mainland China's province-level divisions, those it leaves out, in
    code order (a brief names them: 29 provinces "without Tibet and Xinjiang"); None when
    some name is not a mainland province-level division (the panel is of something else)."""
    given = [place(name) for name in names]
    if not given or not all(_mainland(p) for p in given):
        return None
    present = {p.adcode for p in given if p is not None}
    return tuple(p for p in places() if _mainland(p) and p.adcode not in present)


@dataclass(frozen=True)
class CitySample:
    """A panel of one province's cities, as its brief defines it: the province, how many of
    its prefecture-level divisions are in (of how many), and the county-level cities in it
    with the prefecture that administers each (whose figures may include theirs)."""

    province: Place
    prefectures: int
    of_prefectures: int
    counties: tuple[tuple[Place, Place], ...]  # (county-level city, its prefecture)


def city_sample(names: Iterable[str]) -> CitySample | None:
    """The definition of a panel of one province's prefecture- and county-level cities,
    or None when the names are not all cities of one province."""
    given = [place(name) for name in names]
    if not given or any(p is None or p.level == "province" for p in given):
        return None
    provinces = {p.province for p in given if p is not None}
    if len(provinces) != 1:
        return None
    (name,) = provinces
    everything = places()
    province = next(p for p in everything if p.level == "province" and p.short == name)
    prefectures = {p.short: p for p in everything
                   if p.level == "prefecture" and p.province == name}
    counties = tuple((p, prefectures[p.prefecture]) for p in given
                     if p is not None and p.level == "county" and p.prefecture in prefectures)
    inside = sum(1 for p in given if p is not None and p.level == "prefecture")
    return CitySample(province, inside, len(prefectures), counties)


def english_name(name: str) -> str | None:
    """The English name of a Chinese place name as a panel writes it (`杭州市`, `杭州`,
    `浙江省杭州市` → "Hangzhou"), or None when it is not a known division."""
    found = place(name)
    return found.english if found is not None else None


def english_names(names: Iterable[str]) -> dict[str, str | None]:
    """`english_name` of each name, keyed by the name as given."""
    return {name: english_name(name) for name in names}
