"""Upgrades (issue 26): `templates export` records the bundled version of each copy,
`templates check` says which bundled files changed under the editor's copies and which of
their blocks the bundled brief lacks, and `templates diff` shows the editor's changes."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from reporter import provenance
from reporter.cli import main
from reporter.render import html


def _export(tmp_path):
    folder = tmp_path / "mine"
    assert CliRunner().invoke(main, ["templates", "export", str(folder)]).exit_code == 0
    return folder


def test_export_records_every_copy(tmp_path):
    folder = _export(tmp_path)
    recorded = json.loads((folder / provenance.RECORD).read_text(encoding="utf-8"))
    assert set(recorded["files"]) == set(provenance.bundled_files())
    assert "sections/status.html.j2" in recorded["files"]
    assert list(provenance.notices(folder)) == []
    assert list(provenance.diff(folder)) == []


def test_a_bundled_change_is_reported_under_copies_and_edits(tmp_path, monkeypatch):
    folder = _export(tmp_path)
    edited = folder / "sections" / "method.html.j2"
    edited.write_text(edited.read_text(encoding="utf-8") + "<!-- ours -->\n", encoding="utf-8")
    bundled = tmp_path / "bundled"  # a later reporter: two bundled files changed
    shutil.copytree(html.DEFAULT_TEMPLATES, bundled)
    for name in ("sections/status.html.j2", "sections/method.html.j2"):
        path = bundled / name
        path.write_text(path.read_text(encoding="utf-8") + "<!-- upstream -->\n",
                        encoding="utf-8")
    monkeypatch.setattr(provenance, "DEFAULT_TEMPLATES", bundled)
    found = {(where.rsplit("/", 2)[-1], key) for where, key, _ in provenance.notices(folder)}
    assert found == {("status.html.j2", "templates.stale_copy"),
                     ("method.html.j2", "templates.bundled_changed")}
    lines = "".join(provenance.diff(folder))
    assert "-<!-- upstream -->" in lines and "+<!-- ours -->" in lines


def test_check_names_an_override_of_a_block_the_bundled_brief_lacks(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "brief.html.j2").write_text(
        '{% extends "bundled/brief.html.j2" %}\n{% block foreword %}<p>ok</p>{% endblock %}\n'
        '{% block conclusions %}<p>renamed upstream?</p>{% endblock %}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["templates", "check", str(folder)])
    assert result.exit_code == 0, result.output  # a notice, not an error
    assert "brief.html.j2:3" in result.output and "`conclusions`" in result.output
    assert "`foreword`" not in result.output
    assert "report.sections" in result.output


def test_bundled_files_are_found_under_a_hidden_folder(tmp_path, monkeypatch):
    """A wheel installed into `.venv`: the hidden folder above the templates hides nothing."""
    hidden = tmp_path / ".venv" / "templates"
    shutil.copytree(html.DEFAULT_TEMPLATES, hidden)
    (hidden / ".cache").mkdir()
    (hidden / ".cache" / "x.j2").write_text("x", encoding="utf-8")
    monkeypatch.setattr(provenance, "DEFAULT_TEMPLATES", hidden)
    found = provenance.bundled_files()
    assert "brief.html.j2" in found and "sections/cover.html.j2" in found
    assert not any(name.startswith(".") for name in found)
