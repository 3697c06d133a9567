"""The gazetteer of Chinese places (reporter/places.py, reporter/places.tsv) against the
reference list in tests/reference/places/ (its sources: SOURCE.md there)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from reporter import places
from reporter.places import english_name, english_names, place

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).with_name("reference") / "places" / "divisions.tsv"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


REF = _read(REFERENCE)
UPPER = [r for r in REF if r["level"] in ("province", "prefecture")]
COUNTY = [r for r in REF if r["level"] == "county"]
PROVINCE_SHORT = {r["short"]: r["english"] for r in REF if r["level"] == "province"}


def _pairs(path: Path, key: str, value: str) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return sorted({(row[key], row[value]) for row in csv.DictReader(handle)})


def test_reference_is_complete():
    """34 province-level and 333 prefecture-level divisions (293 cities, 7 prefectures,
    30 autonomous prefectures, 3 leagues) and 397 county-level cities, as listed in 2024."""
    assert Counter(r["level"] for r in REF) == {"province": 34, "prefecture": 333,
                                                "county": 397}
    kinds = Counter(r["type"] for r in REF if r["level"] == "prefecture")
    assert kinds == {"地级市": 293, "地区": 7, "自治州": 30, "盟": 3}
    assert {"香港特别行政区", "澳门特别行政区", "台湾省"} <= {r["name"] for r in UPPER}


@pytest.mark.parametrize("row", UPPER, ids=lambda r: f'{r["adcode"]}-{r["english"]}')
def test_every_province_and_prefecture(row):
    """Full name and short name give the reference English name; a prefecture whose short
    name is also a province's (吉林, 海南) gives the province for the short name."""
    assert english_name(row["name"]) == row["english"]
    expected = row["english"]
    if row["level"] == "prefecture" and row["short"] in PROVINCE_SHORT:
        expected = PROVINCE_SHORT[row["short"]]
    assert english_name(row["short"]) == expected
    if row["level"] == "prefecture":
        assert english_name(row["province"] + row["name"]) == row["english"]


def test_only_jilin_and_hainan_are_shadowed_by_a_province():
    shadowed = {r["name"] for r in REF if r["level"] == "prefecture"
                and r["short"] in PROVINCE_SHORT}
    assert shadowed == {"吉林市", "海南藏族自治州"}


@pytest.mark.parametrize("row", COUNTY, ids=lambda r: f'{r["adcode"]}-{r["english"]}')
def test_every_county_level_city(row):
    assert english_name(row["name"]) == row["english"]
    assert english_name(row["province"] + row["name"]) == row["english"]


def test_table_matches_the_reference():
    """The gazetteer's rows are the reference's divisions, with the same codes, levels,
    types, parents and short names."""
    ours = {p.name: (p.adcode, p.short, p.level, p.type, p.province) for p in places.places()}
    theirs = {r["name"]: (r["adcode"], r["short"], r["level"], r["type"], r["province"])
              for r in REF}
    assert ours == theirs


@pytest.mark.parametrize(("name", "english"), [
    # suffixes
    ("杭州市", "Hangzhou"), ("浙江省", "Zhejiang"), ("北京市", "Beijing"),
    ("广西壮族自治区", "Guangxi"), ("香港特别行政区", "Hong Kong"), ("阿里地区", "Ngari"),
    ("锡林郭勒盟", "Xilingol"), ("延边朝鲜族自治州", "Yanbian"), ("延边州", "Yanbian"),
    # conventional forms
    ("陕西", "Shaanxi"), ("山西", "Shanxi"), ("内蒙古", "Inner Mongolia"), ("香港", "Hong Kong"),
    ("澳门", "Macao"), ("西藏", "Tibet"), ("台湾", "Taiwan"), ("哈尔滨", "Harbin"),
    ("呼和浩特", "Hohhot"), ("乌鲁木齐", "Urumqi"), ("拉萨", "Lhasa"), ("日喀则", "Shigatse"),
    ("喀什", "Kashgar"), ("甘孜", "Garzê"), ("阿坝", "Ngawa"), ("果洛", "Golog"),
    # readings a plain converter gets wrong
    ("重庆", "Chongqing"), ("长沙", "Changsha"), ("长治", "Changzhi"), ("厦门", "Xiamen"),
    ("六安", "Lu'an"), ("蚌埠", "Bengbu"), ("乐山", "Leshan"), ("漯河", "Luohe"),
    ("朝阳", "Chaoyang"), ("亳州", "Bozhou"), ("台州", "Taizhou"), ("乐清", "Yueqing"),
    # apostrophes
    ("西安", "Xi'an"), ("吉安", "Ji'an"), ("泰安", "Tai'an"), ("雅安", "Ya'an"),
    ("淮安", "Huai'an"), ("延安", "Yan'an"), ("马鞍山", "Ma'anshan"), ("普洱", "Pu'er"),
    # collisions: the province for the short name, the prefecture for the full name
    ("海南", "Hainan"), ("海南藏族自治州", "Hainan Prefecture"), ("海南州", "Hainan Prefecture"),
    ("吉林", "Jilin"), ("吉林市", "Jilin City"),
    # county-level cities
    ("义乌", "Yiwu"), ("义乌市", "Yiwu"), ("喀什市", "Kashgar"), ("香格里拉市", "Shangri-La"),
    ("芒市", "Mangshi"),
])
def test_special_names(name, english):
    assert english_name(name) == english


@pytest.mark.parametrize(("name", "english"), [
    ("浙江省杭州市", "Hangzhou"), ("浙江杭州", "Hangzhou"), ("浙江杭州市", "Hangzhou"),
    ("浙江省金华市义乌市", "Yiwu"), ("金华义乌", "Yiwu"), ("浙江义乌", "Yiwu"),
    ("吉林省吉林市", "Jilin City"), ("吉林吉林", "Jilin City"),
    ("青海省海南藏族自治州", "Hainan Prefecture"), ("青海海南", "Hainan Prefecture"),
    ("海南省海口市", "Haikou"), ("新疆维吾尔自治区喀什地区", "Kashgar"),
    ("新疆喀什地区喀什市", "Kashgar"), ("广西壮族自治区南宁市", "Nanning"),
    ("内蒙古自治区呼和浩特市", "Hohhot"), ("安徽省六安市", "Lu'an"),
])
def test_prefixed_by_province_or_prefecture(name, english):
    assert english_name(name) == english


@pytest.mark.parametrize(("name", "english"), [
    (" 杭州 ", "Hangzhou"), ("杭 州 市", "Hangzhou"), ("杭州\u3000市", "Hangzhou"),
    ("\t浙江省\n杭州市", "Hangzhou"), ("\u2fa6华", "Jinhua"),  # ⾦ KANGXI RADICAL GOLD
    ("中国香港", "Hong Kong"),
])
def test_spaces_and_compatibility_characters(name, english):
    assert english_name(name) == english


@pytest.mark.parametrize("name", [
    "", "   ", "火星", "Hangzhou", "杭州湾", "中国", "浙江省合肥市", "浙江省杭州市西湖区",
    "西湖区", "芒", "杭", "杭州市市", "江南", "华东", "浙江省省", "全国", None, float("nan"),
])
def test_unknown_names_give_none(name):
    assert english_name(name) is None


def test_english_names():
    names = ["杭州", "火星", "六安市", "杭州"]
    assert english_names(names) == {"杭州": "Hangzhou", "火星": None, "六安市": "Lu'an"}
    assert english_names(iter([])) == {}


def test_place_gives_the_whole_row():
    found = place("延边")
    assert found is not None
    assert (found.english_full, found.level, found.type, found.adcode) == (
        "Yanbian Korean Autonomous Prefecture", "prefecture", "自治州", "222400")
    yiwu = place("义乌")
    assert yiwu is not None and (yiwu.level, yiwu.prefecture, yiwu.province) == (
        "county", "金华", "浙江")


def test_table_integrity():
    rows = places.places()
    assert len({p.name for p in rows}) == len(rows)  # no duplicate full names
    assert len({p.adcode for p in rows}) == len(rows)
    assert all(re.fullmatch(r"\d{6}", p.adcode) for p in rows)
    assert all(p.english.strip() and p.english_full.strip() and p.short for p in rows)
    assert all(p.level in places.LEVELS for p in rows)
    provinces = {p.short for p in rows if p.level == "province"}
    prefectures = {(p.province, p.short) for p in rows if p.level == "prefecture"}
    assert all(p.province in provinces for p in rows)
    assert all((p.province, p.prefecture) in prefectures
               for p in rows if p.level == "county" and p.prefecture)
    for p in rows:  # pinyin letters, a few diacritics, apostrophes only before a, o or e
        assert re.fullmatch(r"[A-Z][A-Za-zêü' -]*", p.english), p
        assert re.search(r"'[^aoe]", p.english) is None, p
    spellings = Counter(key for p in rows for key in {p.name, *p.aliases})
    assert [k for k, n in spellings.items() if n > 1] == []


def test_rows_that_are_not_plain_pinyin_say_why():
    """Every English name that is not pypinyin's reading of the short name (tones dropped,
    syllables joined, an apostrophe before a, o or e) has a note: a conventional form, a
    reading a converter gets wrong, or a disambiguation."""
    pypinyin = pytest.importorskip("pypinyin")

    def plain(chinese: str) -> str:
        syllables = pypinyin.lazy_pinyin(chinese, style=pypinyin.Style.NORMAL, v_to_u=True)
        text = syllables[0] + "".join(("'" if s[0] in "aoe" else "") + s
                                      for s in syllables[1:])
        return text[0].upper() + text[1:]

    silent = [(p.name, p.english, plain(p.short)) for p in places.places()
              if p.english != plain(p.short) and not p.note]
    assert silent == []


def test_sample_zhejiang_cities():
    pairs = _pairs(ROOT / "data" / "zhejiang_cities.csv", "city", "city_en")
    assert len(pairs) == 12
    assert [(c, english_name(c)) for c, _ in pairs] == pairs


def test_sample_provinces():
    pairs = _pairs(ROOT / "data" / "provinces.csv", "province", "province_en")
    assert len(pairs) == 29
    assert [(p, english_name(p)) for p, _ in pairs] == pairs


def test_table_ships_beside_the_module():
    assert Path(places.__file__).with_name("places.tsv") == places.TABLE
    assert places.TABLE.is_file()


def test_a_panel_of_provinces_names_those_it_leaves_out():
    """29 provinces: a reader asks which two are missing. The mainland's 31 (not Hong Kong,
    Macao or Taiwan) against the panel's names, in any accepted form."""
    from reporter.places import provinces_left_out

    frame = pd.read_csv(ROOT / "data" / "provinces.csv")
    names = sorted(frame["province"].unique())
    assert [p.short for p in provinces_left_out(names)] == ["西藏", "新疆"]
    assert [p.english for p in provinces_left_out([*names, "西藏自治区", "新疆"])] == []
    assert provinces_left_out(["杭州", "宁波"]) is None  # cities: not a panel of provinces
    assert provinces_left_out([*names, "香港"]) is None  # not the mainland's divisions
    assert provinces_left_out([]) is None


def test_the_brief_says_which_provinces_are_left_out():
    import reporter
    from reporter.render.brief import _sample_note
    from reporter.render.i18n import Translator, load_catalogue

    analysis = reporter.analyse(ROOT / "data" / "provinces_resilience.toml")
    for lang, expected in (("en", "2 are not in the data: Tibet, Xinjiang."),
                           ("zh", "有 2 个未纳入样本：西藏、新疆。")):
        t = Translator(load_catalogue(analysis.template_dirs, lang), lang)
        assert expected in _sample_note(analysis.results, t), lang


def test_a_panel_of_one_provinces_cities_is_defined_with_its_county_level_cities():
    """Zhejiang's 12: all 11 prefecture-level cities and Yiwu, which Jinhua administers
    (Jinhua's figures may include Yiwu's): the brief says so in both languages."""
    import reporter
    from reporter.places import city_sample
    from reporter.render.brief import _sample_note
    from reporter.render.i18n import Translator, load_catalogue

    frame = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")
    found = city_sample(sorted(frame["city"].unique()))
    assert (found.province.short, found.prefectures, found.of_prefectures) == ("浙江", 11, 11)
    assert [(c.short, p.short) for c, p in found.counties] == [("义乌", "金华")]
    assert city_sample(["杭州", "苏州"]) is None  # two provinces
    assert city_sample(["杭州", "浙江"]) is None  # a province among the cities
    partial = city_sample(["杭州", "宁波"])
    assert (partial.prefectures, partial.of_prefectures, partial.counties) == (2, 11, ())
    analysis = reporter.analyse(ROOT / "data" / "zhejiang_hightech.toml")
    for lang, expected in (("en", "all 11 of Zhejiang's prefecture-level cities, and Yiwu, a "
                                  "county-level city that Jinhua administers. Jinhua's figures "
                                  "may include Yiwu's"),
                           ("zh", "浙江省全部 11 个地级市，以及金华市代管的义乌市（县级市）。"
                                  "金华市的统计数据可能包含义乌市")):
        t = Translator(load_catalogue(analysis.template_dirs, lang), lang)
        assert expected in _sample_note(analysis.results, t), lang
