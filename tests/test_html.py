"""The HTML brief (issue 25): one self-contained file for screens, from the same templates and
catalogues as the PDF. Read as a parser reads it (nothing loaded from outside, headings in
order, scoped table headers, alt texts in the brief's language) and as a reader's browser
shows it: Debian's headless Chromium at a phone's 390 px and a desktop's 1280 px, with the
screenshots saved in output/screenshots/ for a person to look at when REPORTER_SCREENSHOTS
is set."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reporter import api, pipeline
from reporter.config import load_config
from reporter.render import fmt
from reporter.render.brief import render_brief
from tests.browser import Browser, chromium
from tests.studies import bundled_run, write_study
from tests.test_sections import CATALOGUE, FOREWORD, _editor

ROOT = Path(__file__).resolve().parent.parent
STUDIES = ("zhejiang_hightech", "provinces_resilience")
SCREENSHOTS = ROOT / "output" / "screenshots"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
WIDTHS = (390, 1280)
MAX_COLUMN_EM = 45


@pytest.fixture(scope="module")
def briefs(tmp_path_factory):
    """Each bundled study run with `--format html` (the default study with the PDF too)."""
    folders = {}
    for study in STUDIES:
        analysis = bundled_run(study, tmp_path_factory)
        folders[study] = (analysis, Path(analysis.output))
    return folders


class Page(HTMLParser):
    """What the tests read from a page: its tags with attributes, text, style and headings."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.headings: list[int] = []
        self.text: list[str] = []
        self.style = ""
        self._in: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "style":
            self.style += data
        elif not self._in or self._in[-1] not in ("script", "title"):
            self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


def _pages(briefs):
    for study, (analysis, folder) in briefs.items():
        for lang in ("zh", "en"):
            path = folder / f"brief_{lang}.html"
            yield study, lang, analysis, path, Page(path.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_each_page_is_one_file_that_loads_nothing_from_outside(briefs, tmp_path):
    for study, lang, _, path, page in _pages(briefs):
        ids = {attrs["id"] for _, attrs in page.tags if "id" in attrs}
        for tag, attrs in page.tags:
            for key in ("src", "href", "srcset", "poster", "data"):
                value = attrs.get(key)
                if value is None:
                    continue
                assert value.startswith(("data:", "#")), (study, lang, tag, key, value[:80])
                if value.startswith("#"):
                    assert value[1:] in ids, (study, lang, value)  # the contents link home
        assert not page.all("link") and not page.all("script"), (study, lang)
        assert "@import" not in page.style
        assert all(u.startswith("data:") for u in re.findall(r"url\(['\"]?([^)'\"]*)",
                                                             page.style))
        assert len(page.all("img")) >= 3 and "charts/" not in path.read_text(encoding="utf-8")
    for _, folder in briefs.values():  # the screen's charts are inlined, not left behind
        assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]
    default = briefs[STUDIES[0]][1]  # the PDF keeps its charts; a page alone needs none
    assert sorted(p.name for p in (default / "charts").iterdir()) == sorted(
        f"{name}_{lang}.png" for name in ("status", "coefficients") for lang in ("zh", "en"))
    alone = api.run(ROOT / "data" / f"{STUDIES[0]}.toml", tmp_path, formats=("html",),
                    langs=("en",))
    assert not (Path(alone.output) / "charts").exists()


def test_each_page_is_accessible_and_says_what_it_is(briefs):
    for study, lang, analysis, _, page in _pages(briefs):
        metas = {attrs.get("name"): attrs.get("content", "") for attrs in page.all("meta")}
        assert metas["viewport"] == "width=device-width, initial-scale=1"
        assert analysis.config.study.title.get(lang) in metas["description"]
        assert page.all("html")[0]["lang"] == ("zh-CN" if lang == "zh" else "en")
        # headings in order: one h1, and no level skipped on the way down
        assert page.headings[0] == 1 and page.headings.count(1) == 1, (study, lang)
        for before, after in zip(page.headings, page.headings[1:], strict=False):
            assert after <= before + 1, (study, lang, page.headings)
        headers = page.all("th")
        assert headers and all(th.get("scope") in ("col", "row") for th in headers)
        assert len([th for th in headers if th["scope"] == "row"]) > 20
        status = analysis.results.status
        alts = [img["alt"] for img in page.all("img")]
        assert all(len(alt) > 40 for alt in alts), alts
        # what the status chart shows, in words and numbers, in the brief's language
        assert fmt.num(status.dependent_mean[0]) in alts[0]
        assert fmt.num(status.dependent_mean[-1]) in alts[0]
        leader = min(status.entities, key=lambda e: e.rank)
        assert leader.names[lang] in alts[1] and fmt.num(leader.value) in alts[1]
        for alt in alts:
            assert bool(CJK.search(alt)) == (lang == "zh"), alt
        if lang == "en":  # no Chinese anywhere in the English page's text
            text = "".join(page.text)
            assert not CJK.findall(text), CJK.findall(text)[:20]


def test_print_and_screen_are_one_source_and_an_editors_override_reaches_both(tmp_path):
    config = load_config(write_study(tmp_path, 'dependent = "compet"\ncore = "ec"\n'
                                               'controls = ["x1", "x2"]'))
    results = pipeline.analyse(config, pipeline.Timer())
    templates = _editor(tmp_path, FOREWORD)
    meta = {"version": "test", "created": "2026-12-03", "date": "2026-12-03",
            "cov_type": "cluster"}
    dirs = [templates, *pipeline.template_folders(config, [])]
    for lang in ("zh", "en"):
        words = CATALOGUE[lang].split('text = "')[1].split("{")[0]
        briefs = {medium: render_brief(results, config, lang, dirs, tmp_path / medium / "charts",
                                       meta, medium=medium)
                  for medium in ("print", "screen")}
        for medium, brief in briefs.items():
            assert words in brief.html, (medium, lang)
            assert f'class="lang-{lang} medium-{medium}"' in brief.html
        # the print status chart is one image of two panels; the screen's, two that stack
        assert len(briefs["print"].charts["status"]) == 1
        assert len(briefs["screen"].charts["status"]) == 2
        # what differs by medium: images, the medium's class, chart captions, and where the
        # contents go (the cover page in print, after the key messages on screens)
        strip = re.compile(r'<img [^>]*>|medium-\w+|<figcaption>[^<]*</figcaption>'
                           r'|<nav class="toc">.*?</nav>', re.S)
        same = [re.sub(r"\s+", " ", strip.sub("", briefs[m].html)) for m in ("print", "screen")]
        assert same[0] == same[1]


def _browser_or_skip() -> str:
    executable = chromium()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must install Debian's chromium for the browser tests (.ci/run)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return executable


MEASURE = """(() => {
  const main = document.querySelector('main');
  const em = parseFloat(getComputedStyle(main).fontSize);
  const box = e => { const r = e.getBoundingClientRect();
                     return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                             width: r.width}; };
  return {inner: innerWidth, scroll: document.documentElement.scrollWidth,
          column_em: main.getBoundingClientRect().width / em, font: em,
          images: [...document.images].map(i => ({...box(i), complete: i.complete,
                                                   natural: i.naturalWidth})),
          scrollers: [...document.querySelectorAll('.table-scroll')].map(box)};
})()"""


@pytest.mark.slow
def test_a_phone_and_a_desktop_show_it_well(briefs):
    browser = Browser(_browser_or_skip())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        for study, lang, _, path, _ in _pages(briefs):
            for width in WIDTHS:
                browser.load(path, width)
                got = browser.evaluate(MEASURE)
                where = (study, lang, width)
                own = path.resolve().as_uri()
                assert all(url == own or url.startswith("data:")
                           for url in browser.requests()), (where, browser.requests())
                assert got["inner"] == width, where
                assert got["scroll"] <= width, (where, got["scroll"])  # nothing sideways
                assert got["column_em"] <= MAX_COLUMN_EM, (where, got["column_em"])
                assert got["font"] >= 16, where  # text a phone reads without zooming
                for image in got["images"]:
                    assert image["complete"] and image["natural"] > 0, where
                    assert image["left"] >= 0 and image["right"] <= width, (where, image)
                    # legible: a chart is never shrunk far below its natural size
                    assert image["width"] >= min(300, 0.9 * image["natural"] / 2), where
                for box in got["scrollers"]:  # wide tables scroll inside their own box
                    assert box["left"] >= 0 and box["right"] <= width, (where, box)
                trend, ranking = got["images"][:2]
                if width < 600:  # the status chart's two panels stack on a phone
                    assert ranking["top"] >= trend["bottom"], where
                if os.environ.get("REPORTER_SCREENSHOTS"):  # for a person to look at
                    browser.screenshot(SCREENSHOTS / f"{study}_{lang}_{width}.png")
    finally:
        browser.close()


def test_the_cover_names_issuer_number_and_data_cutoff_when_given(tmp_path):
    """`study.issuer`, `study.document_number` and `study.data_cutoff` print on the cover
    (PDF, page and Word alike, as one template makes them); absent, nothing is printed."""
    from dataclasses import replace

    from reporter.config import Label

    config = load_config(write_study(tmp_path, 'dependent = "compet"\ncore = "ec"\n'
                                               'controls = ["x1"]'))
    results = pipeline.analyse(config, pipeline.Timer())
    meta = {"version": "test", "created": "2026-12-03", "date": "2026-12-03",
            "cov_type": "cluster_entity_stata"}
    dirs = pipeline.template_folders(config, [])
    signed = replace(config, study=replace(
        config.study, issuer=Label(zh="浙江省商务厅", en="Department of Commerce"),
        document_number="浙商务研〔2024〕1号",
        data_cutoff=Label(zh="2024 年 3 月", en="March 2024")))
    for lang, words in (("zh", ("浙江省商务厅", "浙商务研〔2024〕1号", "数据截至：2024 年 3 月")),
                        ("en", ("Department of Commerce", "浙商务研〔2024〕1号",
                                "Data as of March 2024"))):
        html = render_brief(results, signed, lang, dirs, tmp_path / "a" / "charts", meta).html
        cover = html.split('<section class="cover">')[1].split("</section>")[0]
        assert all(word in cover for word in words), (lang, cover)
        plain = render_brief(results, config, lang, dirs, tmp_path / "b" / "charts", meta).html
        cover = plain.split('<section class="cover">')[1].split("</section>")[0]
        assert "cover-issuer" not in cover and "cover-number" not in cover
        assert "数据截至" not in cover and "Data as of" not in cover
        # the standard errors named in words in the appendix, not by their code
        assert "cluster_entity_stata" not in html
