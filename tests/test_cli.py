"""Every command and exit code through CliRunner, and the README's commands as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from studies import write_study

from reporter import __version__
from reporter.cli import main

ROOT = Path(__file__).resolve().parent.parent
CITY = ROOT / "data" / "zhejiang_hightech.toml"


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_version_and_help():
    assert __version__ in _invoke("--version").output
    result = _invoke("--help")
    assert result.exit_code == 0
    assert "run" in result.output and "validate" in result.output and "简报" in result.output


def test_validate_bundled_study():
    result = _invoke("validate", "--config", str(CITY))
    assert result.exit_code == 0, result.output
    assert "132 rows" in result.output


def test_bad_option_value_is_exit_2():
    result = _invoke("run", "--lang", "fr")
    assert result.exit_code == 2
    assert "zh" in result.output


def test_unknown_key_is_exit_2_with_suggestion(tmp_path):
    config = write_study(tmp_path, 'dependent = "compet"\ncore = "ec"\ncontols = ["x1"]')
    result = _invoke("run", "--config", str(config), "--output", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "contols" in result.output and "controls" in result.output
    assert "错误" in result.output and "Error" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_singular_design_is_exit_3(tmp_path):
    frame = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")
    frame["ec_copy"] = 2 * frame["ec"]
    config = write_study(tmp_path, 'dependent = "compet"\ncore = "ec"\n'
                         'controls = ["x1", "ec_copy"]', frame)
    result = _invoke("run", "--config", str(config), "--output", str(tmp_path / "out"))
    assert result.exit_code == 3, result.output
    assert "ec_copy" in result.output and "奇异" in result.output
    assert not (tmp_path / "out" / "t" / "2023").exists()


def test_internal_error_is_exit_1_without_traceback(tmp_path, monkeypatch):
    from reporter import pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(pipeline, "run", boom)
    result = _invoke("run", "--output", str(tmp_path))
    assert result.exit_code == 1
    assert "内部错误" in result.output and "Internal error" in result.output
    assert "Traceback" not in result.output


def console_script() -> str:
    """The `reporter` console script of the interpreter running the tests (its venv's
    bin/, not whatever PATH finds); missing, the test is skipped, except in CI."""
    import os
    import sysconfig

    path = Path(sysconfig.get_path("scripts")) / "reporter"
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: pip install -e '.[test]' installs it")
        pytest.skip(f"console script not installed ({path})")
    return str(path)


@pytest.mark.slow
def test_readme_commands_in_a_real_process(tmp_path):
    """`reporter run` with no arguments, from a fresh working directory, as the README says."""
    done = subprocess.run([console_script(), "run"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "output" / "zhejiang-hightech" / "2023"
    for name in ("brief_zh.pdf", "brief_en.pdf", "results.json", "manifest.json"):
        assert (folder / name).is_file()
    assert json.loads((folder / "results.json").read_text())["schema_version"] == 1
    assert "brief_zh.pdf" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "reporter.cli", "validate", "--config",
                          str(tmp_path / "missing.toml")], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "missing.toml" in bad.stderr + bad.stdout


@pytest.mark.parametrize("args", [["validate"], ["run", "--nope"], ["validate", "--config"],
                                  ["frobnicate"]])
def test_usage_errors_are_bilingual_exit_2(args):
    result = _invoke(*args)
    assert result.exit_code == 2
    assert "命令行参数有误" in result.output and "Bad command line" in result.output


def test_moderator_constant_within_entities_is_exit_3(tmp_path):
    frame = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")
    frame["coastal"] = frame["city"].isin(["宁波", "舟山", "温州", "台州"]).astype(float)
    config = write_study(tmp_path, 'dependent = "compet"\ncore = "ec"\n'
                         'controls = ["x1"]\nmoderators = ["coastal"]', frame)
    result = _invoke("run", "--config", str(config), "--output", str(tmp_path / "out"))
    assert result.exit_code == 3, result.output
    assert "coastal" in result.output and "不随时间变化" in result.output
    assert "does not vary over time" in result.output


def test_setup_notices_name_the_package_to_install(monkeypatch, tmp_path):
    """No HarfBuzz subsetting, no Chinese font: each named with its Debian package; a
    machine with both (this one: install.sh installs them) gets none."""
    import ctypes.util

    from reporter.render import pdf

    def asked_again() -> None:  # the machine is asked once a process: forget the answers
        pdf._has_library.cache_clear()
        pdf._has_font.cache_clear()

    asked_again()
    assert pdf.setup_notices(("zh", "en")) == []
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    empty = tmp_path / "fc-list"
    empty.write_text("#!/bin/sh\nexit 0\n")
    empty.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    asked_again()
    try:
        assert pdf.setup_notices(("zh", "en")) == [
            ("render.no_harfbuzz_subset", {"package": "libharfbuzz-subset0"}),
            ("render.no_cjk_font", {"package": "fonts-noto-cjk"})]
        assert pdf.setup_notices(("en",))[1:] == []  # no Chinese brief, no font needed
    finally:
        asked_again()  # this machine's answers for the tests that follow


def test_font_warnings_are_noticed_once_each():
    from reporter.render.pdf import font_notices

    warnings = {"zh": ['Font-face "X" cannot be loaded', "Ignored `foo: 1` at 3:1",
                       'Font-face "X" cannot be loaded'], "en": []}
    assert font_notices(warnings) == [
        ("render.font_warning", {"lang": "zh", "detail": 'Font-face "X" cannot be loaded'})]


def test_a_run_shows_each_notice_once_on_the_terminal_and_logs_it(monkeypatch, tmp_path):
    from reporter.render import pdf

    notice = ("render.no_harfbuzz_subset", {"package": "libharfbuzz-subset0"})
    monkeypatch.setattr(pdf, "setup_notices", lambda langs: [notice])
    result = CliRunner().invoke(main, ["run", "--output", str(tmp_path), "--lang", "en",
                                       "--format", "pdf"])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("apt-get install libharfbuzz-subset0") == 2  # zh, en
    assert "HarfBuzz 字体子集库" in result.stderr and "five times slower" in result.stderr
    assert result.stdout.count("\n") == 1 and "brief_en.pdf" in result.stdout
    assert "five times slower" in (tmp_path / "reporter.log").read_text(encoding="utf-8")
    json_only = CliRunner().invoke(main, ["run", "--output", str(tmp_path), "--lang", "en",
                                          "--format", "json"])
    assert json_only.exit_code == 0 and json_only.stderr == ""  # no PDF, nothing to say


def test_every_line_of_help_is_bilingual():
    """Each option's help and each command's summary in both languages."""
    import re

    for args in (["--help"], ["run", "--help"], ["validate", "--help"], ["init", "--help"],
                 ["templates", "--help"], ["templates", "check", "--help"],
                 ["templates", "preview", "--help"]):
        text = _invoke(*args).output
        options = text.split("Options:", 1)[1]
        for entry in re.split(r"\n  (?=-)", options):  # one option's help, wrapped
            if entry.strip():
                assert re.search(r"[\u4e00-\u9fff]", entry), (args, entry)
        if "Commands:" in text:
            for line in text.split("Commands:", 1)[1].strip().splitlines():
                assert re.search(r"[\u4e00-\u9fff]", line), (args, line)


def test_the_progress_line_shows_each_language_rendering_at_once(monkeypatch):
    import io
    import os

    from reporter import cli

    monkeypatch.setattr(cli.shutil, "get_terminal_size", lambda: os.terminal_size((200, 24)))
    stream = io.StringIO()
    progress = cli._Progress(stream)
    for stage in ("battery", "render_zh+en", "render_zh", "render_en", "pdf_zh"):
        progress(stage)
    last = stream.getvalue().rsplit("\r", 1)[1]
    assert "生成 PDF / writing the PDF (zh) · 排版简报 / rendering the brief (en)" in last
    progress("write")
    assert stream.getvalue().rsplit("\r", 1)[1].endswith("写入输出 / writing the outputs …")
    monkeypatch.setattr(cli.shutil, "get_terminal_size", lambda: os.terminal_size((40, 24)))
    progress("pdf_en")  # a narrow terminal: cut, never wrapped (a wrapped line would stay)
    assert cli._display_width(stream.getvalue().rsplit("\r", 1)[1].removeprefix("\x1b[K")) <= 39
