"""Nothing internal in print, one register per language (issue 17): the text of both bundled
studies' briefs holds no identifier from the config or the code (column names, model ids,
standard-error codes, index methods, `const`, `None`), no Chinese character or punctuation
in English, and no Latin punctuation against a Chinese character. The codebook (the
variables table's name column) and the appendix's file name and digest are where names
belong, and are left out of the scan."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from studies import bundled_run

from reporter.config import INDEX_METHODS, EntropyIndex, load_config
from reporter.models import BY_ID

ROOT = Path(__file__).resolve().parent.parent
STUDIES = ("zhejiang_hightech", "provinces_resilience")
CODE = {"const", "None", "nan", "NaN", "inf", "cluster_entity_stata", "classical",
        "twoway_fe", "rows: all", "region_en"}
# names that are also English words of the briefs ("the baseline is …", "entropy weights")
WORDS = {"open", "year", "city", "province", "region", "cities", "provinces", "baseline",
         "classical", "entropy", "deviation", "reflections", "re"}
CJK = "\u3400-\u9fff"


class Text(HTMLParser):
    """The visible text of a brief, without the codebook and the appendix's file cells."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        hidden = (tag in ("style", "script", "title", "head")
                  or a.get("id") in ("table-variables", "appendix"))
        if tag in ("img", "meta", "br", "link", "hr"):
            return
        self.stack.append(hidden or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.parts))


@pytest.fixture(scope="module")
def briefs(tmp_path_factory):
    texts = {}
    for study in STUDIES:
        path = ROOT / "data" / f"{study}.toml"
        analysis = bundled_run(study, tmp_path_factory)
        for lang in ("zh", "en"):
            html = (Path(analysis.output) / f"brief_{lang}.html").read_text(encoding="utf-8")
            text = Text(html)
            texts[study, lang] = (text.text, load_config(path))
            texts[study, f"{lang}-parts"] = text.parts
    return texts


def _identifiers(config, lang: str) -> set[str]:
    model = config.model
    names = {model.dependent, model.core, *model.controls, *model.moderators,
             *model.mediators, *config.variables, *config.indices}
    if model.heterogeneity:
        names.add(model.heterogeneity)
    for index in config.indices.values():
        if isinstance(index, EntropyIndex):
            names |= set(index.columns)
    same = {n for n, v in config.variables.items()  # a label that is the name ("reconstruction")
            if v.label is not None and v.label.get(lang) == n}
    return {n for n in names | CODE | set(BY_ID) | set(INDEX_METHODS)
            if n and n not in WORDS | same}


@pytest.mark.parametrize("study", STUDIES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_identifier_reaches_the_reader(briefs, study, lang):
    text, config = briefs[study, lang]
    found = {}
    for name in sorted(_identifiers(config, lang)):
        pattern = r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])"
        hits = re.findall(r".{0,25}" + pattern + r".{0,25}", text)
        if hits:
            found[name] = hits[:2]
    assert not found, found
    assert not re.findall(r"\b[A-Za-z]+_[A-Za-z0-9_]+\b", text)  # snake_case of any kind


@pytest.mark.parametrize("study", STUDIES)
def test_each_language_keeps_its_punctuation(briefs, study):
    english, _ = briefs[study, "en"]
    assert not re.findall(rf".{{0,20}}[{CJK}，。：；（）“”‘’、！？【】《》].{{0,20}}", english)
    chinese, _ = briefs[study, "zh"]
    latin = re.findall(rf".{{0,15}}(?:[{CJK}][,;:!?(]|[,;:!?)][{CJK}]).{{0,15}}", chinese)
    assert not latin, latin
    # no space after a full stop within a paragraph (texts of elements are joined by one)
    assert not [p for p in briefs[study, "zh-parts"] if re.search(rf"。 +[{CJK}]", p)]
