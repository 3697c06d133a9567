"""The brief as named blocks (issue 26): an editor's brief.html.j2 that extends
`bundled/brief.html.j2` overrides only the blocks it names, adds blocks of its own, and
`report.sections` orders and drops them; everything else keeps following the bundled brief."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reporter import pipeline
from reporter.config import SECTIONS, load_config
from reporter.errors import InputError
from reporter.render import html
from reporter.render.brief import render_brief
from tests.studies import write_study

ROOT = Path(__file__).resolve().parent.parent
MODEL = 'dependent = "compet"\ncore = "ec"\ncontrols = ["x1", "x2"]'
FOREWORD = """{% extends "bundled/brief.html.j2" %}
{% block foreword %}
<section class="foreword"><h2>{{ t("foreword.heading") }}</h2>
<p>{{ t("foreword.text", region=study.region) }}</p></section>
{% endblock %}
"""
CATALOGUE = {"zh": '[foreword]\nheading = "前言"\ntext = "{region}商务厅厅长寄语。"\n',
             "en": '[foreword]\nheading = "Foreword"\n'
                   'text = "A word from the director, {region}."\n'}


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    config = load_config(write_study(folder, MODEL))
    return pipeline.analyse(config, pipeline.Timer()), folder


def _editor(folder: Path, brief: str = FOREWORD) -> Path:
    templates = folder / "templates"
    (templates / "i18n").mkdir(parents=True, exist_ok=True)
    (templates / "brief.html.j2").write_text(brief, encoding="utf-8")
    for lang, text in CATALOGUE.items():
        (templates / "i18n" / f"{lang}.toml").write_text(text, encoding="utf-8")
    return templates


def _render(results, folder: Path, templates: Path, lang: str = "en",
            sections: str | None = None, bundled: Path = html.DEFAULT_TEMPLATES) -> str:
    config_path = folder / "t.toml"
    text = config_path.read_text(encoding="utf-8")
    if sections is not None:
        text += f"[report]\nsections = {sections}\n"
    (folder / "s.toml").write_text(text, encoding="utf-8")
    config = load_config(folder / "s.toml")
    charts = folder / "out" / "charts"
    charts.mkdir(parents=True, exist_ok=True)
    return render_brief(results, config, lang, [templates, bundled], charts,
                        {"version": "test", "created": "2026-12-03", "date": "2026-12-03",
                         "cov_type": "cluster"}).html


def test_a_foreword_and_no_appendix_through_extends(analysed):
    results, folder = analysed
    templates = _editor(folder / "a")
    sections = '["cover", "foreword", "summary", "status", "method", "results", "findings"]'
    for lang, words in (("en", "A word from the director"), ("zh", "商务厅厅长寄语")):
        page = _render(results, folder, templates, lang, sections)
        assert words in page
        assert page.index(words) < page.index('class="key-messages"')
        assert 'id="appendix"' not in page and 'href="#appendix"' not in page
        assert 'id="results"' in page and 'id="recommendations"' not in page
    default = _render(results, folder, templates)
    assert 'id="appendix"' in default and 'id="recommendations"' in default


def test_the_bundled_brief_has_every_section_once_in_order(analysed):
    results, folder = analysed
    page = _render(results, folder, html.DEFAULT_TEMPLATES)
    anchors = ['class="cover"', 'class="key-messages"', 'id="status"', 'id="method"',
               'id="results"', 'id="findings"', 'id="recommendations"', 'id="appendix"']
    positions = [page.index(a) for a in anchors]
    assert positions == sorted(positions)
    assert all(page.count(a) == 1 for a in anchors)
    env = html.environment([html.DEFAULT_TEMPLATES])
    assert html.template_blocks(env, "brief.html.j2") == ["head", *SECTIONS]


def test_a_change_to_a_block_the_editor_left_reaches_the_editors_brief(analysed, tmp_path,
                                                                       monkeypatch):
    results, folder = analysed
    bundled = tmp_path / "bundled"
    shutil.copytree(html.DEFAULT_TEMPLATES, bundled)
    status = bundled / "sections" / "status.html.j2"
    status.write_text(status.read_text(encoding="utf-8").replace(
        "<h2>", '<h2 class="changed-upstream">', 1), encoding="utf-8")
    monkeypatch.setattr(html, "DEFAULT_TEMPLATES", bundled)
    page = _render(results, folder, _editor(folder / "c"), bundled=bundled)
    assert '<h2 class="changed-upstream">' in page and "A word from the director" in page


def test_an_editors_own_section_in_both_languages(analysed):
    results, folder = analysed
    brief = FOREWORD.replace("{% block foreword %}", "{% block remarks %}")
    templates = _editor(folder / "d", brief)
    sections = '["cover", "summary", "remarks", "findings"]'
    page = _render(results, folder, templates, "zh", sections)
    assert page.index('class="key-messages"') < page.index("前言") < page.index('id="findings"')
    assert 'id="status"' not in page


def test_a_section_the_template_lacks_is_named(analysed):
    results, folder = analysed
    templates = _editor(folder / "e")
    with pytest.raises(InputError) as info:
        _render(results, folder, templates, sections='["cover", "director"]')
    assert info.value.key == "render.unknown_section" and info.value.exit_code == 2
    assert "director" in info.value.bilingual() and "foreword" in info.value.bilingual()


@pytest.mark.parametrize(("value", "key"), [('["cover", "cover"]', "config.duplicate_name"),
                                            ('["my-part"]', "config.bad_section")])
def test_bad_section_names_are_config_errors(tmp_path, value, key):
    config = write_study(tmp_path, MODEL)
    config.write_text(config.read_text(encoding="utf-8") + f"[report]\nsections = {value}\n",
                      encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(config)
    assert info.value.key == key
