"""One run per output folder: a second run exits 4 at once naming the holder; a stale lock
of a dead process is taken over; the lock file goes away with its holder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.errors import LockError
from reporter.lock import OutputLock

_HOLDER = """
import sys, time
from pathlib import Path
from reporter.lock import OutputLock
with OutputLock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def _holder(target: Path) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", _HOLDER, str(target)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "locked"
    return child


def _dead_pid() -> int:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def test_second_run_is_refused_with_holder_pid_and_start(tmp_path):
    target = tmp_path / "study" / "2023"
    child = _holder(target)
    try:
        start = time.perf_counter()
        with pytest.raises(LockError) as err, OutputLock(target):
            pass
        assert time.perf_counter() - start < 1.0
    finally:
        child.kill()
        child.wait()
    assert err.value.exit_code == 4
    for lang in ("zh", "en"):
        text = err.value.message(lang)
        assert str(child.pid) in text and str(target) in text
    started = err.value.params["started"]
    assert started[:4].isdigit() and "T" in started  # ISO time of the holder's start


def test_lock_file_holds_the_record_and_goes_away(tmp_path):
    target = tmp_path / "study" / "2023"
    with OutputLock(target) as lock:
        record = json.loads(lock.path.read_text())
        assert record["pid"] == os.getpid() and lock.stale is None
        assert lock.path.name == ".2023.lock" and lock.path.parent == target.parent
    assert not lock.path.exists()
    with pytest.raises(RuntimeError), OutputLock(target):
        raise RuntimeError("a failed run")
    assert not lock.path.exists()
    with OutputLock(target):  # and it can be taken again
        pass


def test_stale_lock_of_dead_process_is_taken_over(tmp_path):
    target = tmp_path / "study" / "2023"
    target.parent.mkdir(parents=True)
    pid = _dead_pid()
    stale = {"pid": pid, "host": "h", "started": "2020-01-01T00:00:00+00:00"}
    (target.parent / ".2023.lock").write_text(json.dumps(stale))
    with OutputLock(target) as lock:
        assert lock.stale == stale
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()


def test_lock_of_killed_holder_is_taken_over(tmp_path):
    target = tmp_path / "study" / "2023"
    child = _holder(target)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert (target.parent / ".2023.lock").exists()  # left behind, as after a crash
    with OutputLock(target) as lock:
        assert lock.stale is not None and lock.stale["pid"] == child.pid


def test_cli_run_exits_4_before_any_work(tmp_path):
    target = tmp_path / "zhejiang-hightech" / "2023"
    target.mkdir(parents=True)
    (target / "results.json").write_text("last year")
    with OutputLock(target):
        start = time.perf_counter()
        result = CliRunner().invoke(main, ["run", "--output", str(tmp_path), "--format", "json"])
        seconds = time.perf_counter() - start
    assert result.exit_code == 4, result.output
    assert str(os.getpid()) in result.output
    assert "错误" in result.output and "locked by another run" in result.output
    assert "Traceback" not in result.output
    assert seconds < 2.0  # no loading, no estimation
    assert (target / "results.json").read_text() == "last year"
    log = (tmp_path / "reporter.log").read_text(encoding="utf-8")
    assert "exit 4" in log


def test_unwritable_output_is_exit_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["run", "--output", str(blocker / "out"),
                                       "--format", "json"])
    assert result.exit_code == 2, result.output
    assert "a-file" in result.output and "Traceback" not in result.output
