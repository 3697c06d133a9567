"""Atomic outputs: a failed or killed run leaves the previous files untouched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reporter.write import Staging


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _publish(target: Path, files: dict[str, str]) -> None:
    with Staging(target) as staging:
        for name, text in files.items():
            (staging.path / name).write_text(text)
        staging.commit()


def test_commit_replaces_whole_folder(tmp_path):
    target = tmp_path / "study" / "2023"
    _publish(target, {"a.txt": "old", "gone.txt": "x"})
    _publish(target, {"a.txt": "new"})
    assert _tree(target) == {"a.txt": b"new"}
    assert [p.name for p in target.parent.iterdir()] == ["2023"]


def test_failure_inside_leaves_previous_files(tmp_path):
    target = tmp_path / "study" / "2023"
    _publish(target, {"a.txt": "old"})
    before = _tree(target)
    with pytest.raises(RuntimeError), Staging(target) as staging:
        (staging.path / "a.txt").write_text("half")
        raise RuntimeError("killed halfway")
    assert _tree(target) == before
    assert [p.name for p in target.parent.iterdir()] == ["2023"]


def test_repair_after_crash_between_fallback_renames(tmp_path):
    target = tmp_path / "study" / "2023"
    _publish(target, {"a.txt": "old"})
    target.rename(target.with_name(".2023.old-999999"))  # crash between the two renames
    with Staging(target):  # the next run's start repairs the gap before staging
        pass
    assert _tree(target) == {"a.txt": b"old"}


def test_stale_staging_of_dead_process_is_removed(tmp_path):
    target = tmp_path / "study" / "2023"
    stale = tmp_path / "study" / ".2023.staging-999999-abc"
    stale.mkdir(parents=True)
    (stale / "partial.pdf").write_text("x")
    _publish(target, {"a.txt": "new"})
    assert not stale.exists()


_CHILD = """
import sys, time
from pathlib import Path
from reporter.write import Staging
target = Path(sys.argv[1])
with Staging(target) as staging:
    for i in range(200):
        (staging.path / f"f{i}.txt").write_text("new" * 1000)
        time.sleep(0.002)
    staging.commit()
"""


@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3])
def test_sigkill_at_random_moments_never_leaves_partial_output(tmp_path, delay):
    target = tmp_path / "study" / "2023"
    _publish(target, {"a.txt": "old"})
    before = _tree(target)
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(target)])
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    after = _tree(target)
    assert after == before or (len(after) == 200 and "a.txt" not in after)
    visible = [p.name for p in target.parent.iterdir() if not p.name.startswith(".")]
    assert visible == ["2023"]
