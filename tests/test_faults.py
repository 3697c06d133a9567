"""Faults a cron host meets, made to happen for real against `reporter run` processes: a
planted symlink or file where the lock or the brief goes, a full disk, signals, a config
edited mid-run. Each asserts the exit code, both languages' words, the previous brief's
bytes and that nothing is left or touched outside the output folder."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reporter.errors import InputError
from reporter.lock import OutputLock

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "reporter.cli"]
SAMPLE = ROOT / "data" / "zhejiang_hightech.toml"
STUDY, YEAR = "zhejiang-hightech", "2023"


def _run(*args: str, cwd: Path | None = None, timeout: float = 300,
         **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env={**os.environ, **env})


def _bilingual(text: str) -> bool:
    return "错误" in text and "Error" in text


def _entries(folder: Path) -> set[str]:
    """Every name under `folder`, hidden ones included."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")} | (
        {p.relative_to(folder).as_posix() for p in folder.rglob(".*")})


# --- the lock: never followed ---------------------------------------------------------

def test_symlinked_lock_is_refused_and_its_target_untouched(tmp_path):
    victim = tmp_path / "elsewhere" / "passwd"
    victim.parent.mkdir()
    victim.write_bytes(b"root:x:0:0\n")
    target = tmp_path / "out" / STUDY / YEAR
    target.parent.mkdir(parents=True)
    lock = target.parent / f".{YEAR}.lock"
    lock.symlink_to(victim)
    with pytest.raises(InputError) as err, OutputLock(target):
        pass
    assert err.value.exit_code == 2 and err.value.key == "lock.not_a_file"
    assert str(lock) in err.value.message("zh") and str(lock) in err.value.message("en")
    assert victim.read_bytes() == b"root:x:0:0\n" and lock.is_symlink()


def test_dangling_symlinked_lock_creates_nothing_outside(tmp_path):
    outside = tmp_path / "elsewhere" / "created-by-reporter"
    outside.parent.mkdir()
    target = tmp_path / "out" / STUDY / YEAR
    target.parent.mkdir(parents=True)
    (target.parent / f".{YEAR}.lock").symlink_to(outside)
    with pytest.raises(InputError), OutputLock(target):
        pass
    assert not outside.exists() and os.listdir(outside.parent) == []


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_lock_path_that_is_no_regular_file_is_refused(tmp_path, kind):
    target = tmp_path / "out" / STUDY / YEAR
    target.parent.mkdir(parents=True)
    lock = target.parent / f".{YEAR}.lock"
    if kind == "folder":
        lock.mkdir()
    else:
        os.mkfifo(lock)
    with pytest.raises(InputError) as err, OutputLock(target):
        pass
    assert err.value.key == "lock.not_a_file"
    assert lock.is_dir() if kind == "folder" else lock.is_fifo()


def test_symlinked_study_folder_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / STUDY).symlink_to(elsewhere)
    with pytest.raises(InputError) as err, OutputLock(out / STUDY / YEAR):
        pass
    assert err.value.key == "write.not_a_folder"
    assert os.listdir(elsewhere) == []


def test_cli_refuses_symlinked_lock_with_exit_2(tmp_path):
    """Through a real `reporter run`: exit 2, both languages, the target unchanged."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    out = tmp_path / "out"
    lock = out / STUDY / f".{YEAR}.lock"
    lock.parent.mkdir(parents=True)
    lock.symlink_to(victim)
    done = _run("run", "--output", str(out), "--format", "json")
    assert done.returncode == 2, done.stderr
    assert _bilingual(done.stderr) and str(lock) in done.stderr
    assert victim.read_text() == "keep me\n"
    assert sorted(os.listdir(out / STUDY)) == [f".{YEAR}.lock"]
