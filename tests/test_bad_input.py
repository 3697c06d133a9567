"""Bad input that used to end in "internal error" (issue 18) ends with the contract's exit
code and a bilingual message naming the file, key or cell, through `validate` and `run`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from reporter.cli import main
from tests.studies import ROOT, write_study

MODEL = 'dependent = "compet"\ncore = "ec"\ncontrols = ["x1", "x2"]'


def _frame() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")


def _both(command: str, config, tmp_path) -> list[str]:
    """Exit 2 from `validate` and from `run`; the two outputs."""
    outputs = []
    for args in (["validate", "--config", str(config)],
                 ["run", "--config", str(config), "--output", str(tmp_path / "out"),
                  "--format", "json"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert "错误" in result.output and "Error" in result.output
        assert "Internal error" not in result.output
        outputs.append(result.output)
    return outputs


@pytest.mark.parametrize("value", [np.inf, -np.inf])
@pytest.mark.parametrize("column", ["compet", "x2"])
def test_infinite_cell_is_named(tmp_path, column, value):
    frame = _frame()
    frame.loc[5, column] = value
    config = write_study(tmp_path, MODEL, frame)
    for out in _both("run", config, tmp_path):
        assert "row 7" in out and f"`{column}`" in out and "infinite" in out
        assert "第 7 行" in out and "无穷大" in out


def test_infinite_cell_in_parquet_is_named(tmp_path):
    frame = _frame()
    frame.loc[0, "x1"] = np.inf
    config = write_study(tmp_path, MODEL, frame)
    frame.to_parquet(tmp_path / "panel.parquet")
    config.write_text(config.read_text(encoding="utf-8").replace("panel.csv", "panel.parquet"),
                      encoding="utf-8")
    for out in _both("run", config, tmp_path):
        assert "`x1`" in out and "infinite" in out


def test_constant_dependent_is_exit_2(tmp_path):
    frame = _frame()
    frame["compet"] = 0.5
    config = write_study(tmp_path, MODEL, frame)
    for out in _both("run", config, tmp_path):
        assert "`compet`" in out and "no variation" in out and "没有可解释的变化" in out


@pytest.mark.parametrize(("fill", "words"), [
    (0.0, "sums to zero or nothing in 2013"), (-1.0, "is negative for")])
def test_share_column_that_cannot_give_shares(tmp_path, fill, words):
    frame = _frame()
    if fill == 0.0:
        frame["hx_export"] = 0.0
    else:
        frame.loc[3, "hx_export"] = fill
    config = write_study(tmp_path, MODEL, frame)
    config.write_text(config.read_text(encoding="utf-8") + '[status]\nshare = "hx_export"\n',
                      encoding="utf-8")
    for out in _both("run", config, tmp_path):
        assert "`status.share`" in out and words in out


@pytest.mark.parametrize("reps", [100_000, 1_000_000_000])
def test_bootstrap_draws_are_bounded_with_their_memory_stated(tmp_path, reps):
    config = write_study(tmp_path, MODEL)
    config.write_text(config.read_text(encoding="utf-8") + f"[inference]\nreps = {reps}\n",
                      encoding="utf-8")
    for out in _both("run", config, tmp_path):
        assert "`inference.reps`" in out and "99999" in out and "0.8 GB" in out
