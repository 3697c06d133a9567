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
