"""Editors are trusted with wording, not with the machine: the sandbox and the fetcher."""

from __future__ import annotations

import pytest

from reporter.errors import InputError
from reporter.render.html import render_html
from reporter.render.pdf import write_pdf


def _render(tmp_path, body: str) -> str:
    (tmp_path / "brief.html.j2").write_text(body, encoding="utf-8")
    return render_html([tmp_path], {"value": "<b>x</b>", "obj": object()})


def test_autoescape(tmp_path):
    assert _render(tmp_path, "{{ value }}") == "&lt;b&gt;x&lt;/b&gt;"


@pytest.mark.parametrize("body", [
    "{{ obj.__class__.__mro__ }}",
    "{{ obj.__class__.__init__.__globals__ }}",
    "{{ ''.__class__.__subclasses__() }}",
])
def test_sandbox_refuses_dunder_access(tmp_path, body):
    with pytest.raises(InputError) as err:
        _render(tmp_path, body)
    assert err.value.key == "render.template"
    assert "brief.html.j2" in err.value.message("en")


def test_include_outside_template_folder_is_refused(tmp_path):
    with pytest.raises(InputError) as err:
        _render(tmp_path, '{% include "/etc/passwd" %}')
    assert err.value.exit_code == 2


@pytest.mark.parametrize("html", [
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="http://example.invalid/x.css">',
    '<style>@import url("https://example.invalid/x.css");</style>',
    '<img src="../../../../etc/hostname">',
])
def test_fetcher_refuses_outside_resources(tmp_path, html):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InputError) as err:
        write_pdf(f"<html><body>{html}<p>x</p></body></html>", out / "x.pdf", out, [out])
    assert err.value.key == "render.blocked_resource"
    assert not (out / "x.pdf").exists() or (out / "x.pdf").stat().st_size == 0


def test_fetcher_serves_files_under_allowed_roots(tmp_path):
    out = tmp_path / "out"
    (out / "charts").mkdir(parents=True)
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
    (out / "charts" / "dot.png").write_bytes(png)
    warnings = write_pdf('<html><body><img src="charts/dot.png"><p>ok</p></body></html>',
                         out / "x.pdf", out, [out])
    assert warnings == []
    assert (out / "x.pdf").read_bytes().startswith(b"%PDF")


def test_a_message_called_without_its_placeholders_is_exit_2():
    from reporter.render.i18n import Translator

    t = Translator({"cover.year": "Reporting year {year}", "plain": "{}"}, "en")
    assert t("cover.year", year=2023) == "Reporting year 2023"
    for key, params in (("cover.year", {}), ("cover.year", {"yaer": 2023}), ("plain", {"a": 1})):
        with pytest.raises(InputError) as err:
            t(key, **params)
        assert err.value.exit_code == 2 and key in err.value.message("zh")
