"""Every command and exit code through CliRunner, and the README's commands as a user runs them."""

from __future__ import annotations

import json
import shutil
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


@pytest.mark.skipif(shutil.which("reporter") is None, reason="console script not installed")
def test_readme_commands_in_a_real_process(tmp_path):
    """`reporter run` with no arguments, from a fresh working directory, as the README says."""
    done = subprocess.run(["reporter", "run"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
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
