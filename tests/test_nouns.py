"""What the brief calls the entities (issue 15): cities, provinces, states, firms… from
`study.entities` or guessed from the entity column, in every sentence and table."""

from __future__ import annotations

import pytest

from reporter.config import load_config
from reporter.render.html import DEFAULT_TEMPLATES
from reporter.render.i18n import DEFAULT_NOUNS, Translator, load_catalogue
from tests.studies import write_study

MODEL = 'dependent = "compet"\ncore = "ec"\ncontrols = ["x1"]'


@pytest.mark.parametrize(("column", "zh", "en", "plural"), [
    ("city", "城市", "city", "cities"), ("省份", "省份", "province", "provinces"),
    ("country", "国家", "country", "countries"), ("firm", "企业", "firm", "firms"),
    ("County ", "县", "county", "counties"), ("id", "地区", "region", "regions")])
def test_the_noun_is_guessed_from_the_entity_column(tmp_path, column, zh, en, plural):
    path = write_study(tmp_path, MODEL)
    path.write_text(path.read_text(encoding="utf-8").replace('entity = "city"',
                                                             f'entity = "{column}"'),
                    encoding="utf-8")
    nouns = load_config(path).nouns()
    assert (nouns["zh"]["noun"], nouns["en"]["noun"], nouns["en"]["nouns"]) == (zh, en, plural)
    assert nouns["en"]["Nouns"] == plural.capitalize()


@pytest.mark.parametrize(("value", "singular", "plural"), [
    ('{ zh = "州", en = "state" }', "state", "states"),
    ('{ zh = "经济体", en = "economy/economies" }', "economy", "economies"),
    ('{ zh = "区", en = "district" }', "district", "districts")])
def test_study_entities_names_them(tmp_path, value, singular, plural):
    path = write_study(tmp_path, MODEL)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "year = 2023", f"year = 2023\nentities = {value}"), encoding="utf-8")
    nouns = load_config(path).nouns()["en"]
    assert (nouns["noun"], nouns["nouns"]) == (singular, plural)


def test_every_sentence_uses_the_noun(tmp_path):
    catalogue = load_catalogue([DEFAULT_TEMPLATES], "en")
    t = Translator(catalogue, "en", {"noun": "state", "nouns": "states", "Noun": "State",
                                     "Nouns": "States"})
    assert t("finding.warning.few_clusters", n_clusters=6) .startswith("With only 6 states")
    assert t("table.regression.entity_fe") == "State effects"
    default = Translator(catalogue, "en")
    assert default.nouns == DEFAULT_NOUNS["en"]
    assert "region" in default("table.regression.entity_fe").lower()
    for key, text in catalogue.items():  # no bare "region(s)" left for the entities
        assert " regions " not in f" {text} ", key


def _coded(tmp_path, years_from: int = 2013):
    """The sample panel with its cities as numeric codes (1..12) and years from
    `years_from`, the config naming the entities counties."""
    import pandas as pd

    frame = pd.read_csv(write_study(tmp_path / "src", MODEL).parent / "panel.csv")
    codes = {c: str(i) for i, c in enumerate(sorted(frame["city"].unique()), start=1)}
    frame["city"] = frame["city"].map(codes)
    frame["year"] = frame["year"] - 2013 + years_from
    path = write_study(tmp_path, MODEL, frame)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "year = 2023", f'year = {years_from + 10}\nentities = {{ zh = "县", en = "county" }}'),
        encoding="utf-8")
    return path


def test_numeric_codes_are_printed_with_the_noun(tmp_path):
    """Issue 21: 'In 1987, 119 had the highest …' reads as a number; 'county 119' and
    '119号县' do not (in lower case, as a label mid-sentence is)."""
    from reporter.load import load_panel

    panel = load_panel(load_config(_coded(tmp_path)))
    assert panel.entity_name("7", "en") == "county 7"
    assert panel.entity_name("7", "zh") == "7号县"


def test_two_digit_years_are_refused_with_what_to_do(tmp_path):
    from reporter.errors import InputError
    from reporter.load import load_panel

    with pytest.raises(InputError) as info:
        load_panel(load_config(_coded(tmp_path, years_from=81)))
    assert info.value.key == "load.not_years" and info.value.exit_code == 2
    assert "81" in info.value.message("en") and "four-digit" in info.value.message("en")
    assert "四位数年份" in info.value.message("zh")


def test_provinces_are_counted_as_officials_count_them():
    """每个省份, 省份固定效应, but 29 个省（区、市）: the Chinese count noun of provinces."""
    from pathlib import Path

    import reporter

    root = Path(__file__).resolve().parent.parent
    analysis = reporter.analyse(root / "data" / "provinces_resilience.toml")
    nouns = analysis.config.nouns()["zh"]
    assert (nouns["noun"], nouns["nouns"]) == ("省份", "省（区、市）")
    findings = " ".join(f["text"]["zh"] for f in analysis.findings())
    assert "29 个省（区、市）" in findings and "29 个省份" not in findings


@pytest.mark.parametrize(("study", "expected"), [
    ("", True), ('entities = { zh = "州", en = "state" }', True),
    ('entities = { zh = "劳动者", en = "worker" }', False),
    ('entities = { zh = "企业", en = "firm" }', False),
    ('entities = { zh = "劳动者", en = "worker" }\njurisdictions = true', True),
    ('entities = { zh = "城市", en = "city" }\njurisdictions = false', False)])
def test_only_places_are_told_to_learn_from_the_leader(tmp_path, study, expected):
    """Cities and states may learn from the leading one; workers and firms are not places
    with policies (study.jurisdictions, guessed from the noun unless given)."""
    path = write_study(tmp_path, MODEL)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "year = 2023", f"year = 2023\n{study}"), encoding="utf-8")
    assert load_config(path).jurisdictions() is expected


def test_a_name_in_latin_letters_or_digits_is_spaced_from_the_chinese_around_it():
    t = Translator({"top": "{year} 年{top}最高，{low}最低；共{n}个{noun}",
                    "source": "均取自{source}；{other}"}, "zh")
    assert t("top", year=1982, top="119号劳动者", low="593号劳动者", n=5) == (
        "1982 年 119号劳动者最高，593号劳动者最低；共5个地区")
    assert t("source", source="Arellano 与 Bond", other="模拟数据") == (
        "均取自 Arellano 与 Bond；模拟数据")
    # and a name that ends with a Latin letter from the Chinese after it
    assert t("top", year=1986, top="Massachusetts", low="Vermont", n=6) == (
        "1986 年 Massachusetts 最高，Vermont 最低；共6个地区")


def test_english_sentences_give_a_singular_label_its_article():
    """`variables.<name>.article = "the"`: sentences read "the crime rate"; a word that
    rules the article out keeps it bare, as do titles opening with the label, equations
    and Chinese."""
    labels = {"crime rate", "probability of arrest"}
    t = Translator({"s": "{core} goes with {dependent}.", "more": "1% more {core} goes with "
                    "{size}% less {dependent}.", "title": "{dependent} by county",
                    "caption": "The coefficient of {core}", "eq": "{dependent}ᵢₜ = β·{core}ᵢₜ",
                    "mean": "In 1987, mean {dependent} fell."}, "en", the=labels)
    values = {"core": "probability of arrest", "dependent": "crime rate", "size": 3}
    assert t("s", **values) == "The probability of arrest goes with the crime rate."
    assert t.inline("s", **values) == "the probability of arrest goes with the crime rate."
    assert t("more", **values) == "1% more probability of arrest goes with 3% less crime rate."
    assert t("title", **values) == "Crime rate by county"
    assert t("caption", **values) == "The coefficient of the probability of arrest"
    assert t("eq", **values) == "Crime rateᵢₜ = β·probability of arrestᵢₜ"
    assert t("mean", **values) == "In 1987, mean crime rate fell."
    assert t("s", core="employment", dependent="exports") == "Employment goes with exports."
    zh = Translator({"s": "{core}与{dependent}相关。"}, "zh", the=labels)
    assert zh("s", core="逮捕概率", dependent="犯罪率") == "逮捕概率与犯罪率相关。"


@pytest.mark.parametrize(("region", "whole"), [
    ('{ zh = "美国", en = "United States" }', ("全国", "national")),
    ('{ zh = "美国新英格兰地区", en = "New England" }', ("全地区", "regional"))])
def test_states_make_a_nation_unless_the_study_covers_a_region_of_them(tmp_path, region,
                                                                       whole):
    """{whole} over states: the nation's total (全国), but New England's six states are a
    region of it (全地区), not 全国."""
    path = write_study(tmp_path, MODEL)
    path.write_text(path.read_text(encoding="utf-8").replace('region = "R"', (
        f'region = {region}\nentities = {{ zh = "州", en = "state" }}')), encoding="utf-8")
    nouns = load_config(path).nouns()
    assert (nouns["zh"]["whole"], nouns["en"]["whole"]) == whole


def test_a_label_opening_with_the_nouns_character_is_joined_by_de():
    """各州的州生产总值, not 各州州生产总值; 各县犯罪率 and English unchanged."""
    catalogue = {"up": "各{noun}{dependent}的均值上升。"}
    states = Translator(catalogue, "zh", {"noun": "州", "nouns": "州"})
    assert states("up", dependent="州生产总值") == "各州的州生产总值的均值上升。"
    counties = Translator(catalogue, "zh", {"noun": "县", "nouns": "县"})
    assert counties("up", dependent="犯罪率") == "各县犯罪率的均值上升。"
