"""Faults a cron host meets, made to happen for real against `reporter run` processes: a
planted symlink or file where the lock or the brief goes, a full disk, signals, a config
edited mid-run. Each asserts the exit code, both languages' words, the previous brief's
bytes and that nothing is left or touched outside the output folder."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from studies import bundled_run

from reporter.errors import InputError
from reporter.lock import OutputLock
from reporter.write import Staging

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


# --- a published brief to protect ------------------------------------------------------

@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """An output folder holding a complete brief of the bundled study (a copy of the
    session's run of it, studies.bundled_run: every test copies it again before a run)."""
    out = tmp_path_factory.mktemp("published") / "out"
    source = Path(bundled_run("zhejiang_hightech", tmp_path_factory).output).parent.parent
    shutil.copytree(source, out)
    assert (out / STUDY / YEAR / "brief_zh.pdf").is_file() and _hidden(out) == []
    return out


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _copy(published: Path, where: Path) -> tuple[Path, dict[str, bytes]]:
    """A copy of the published output at `where`, and the bytes of its brief."""
    shutil.copytree(published, where, dirs_exist_ok=True)
    return where, _tree(where / STUDY / YEAR)


def _hidden(out: Path) -> list[str]:
    """Entries a run must not leave beside the brief: staging, old, lock."""
    return sorted(p.name for p in (out / STUDY).iterdir() if p.name.startswith("."))


# --- a file where the brief goes --------------------------------------------------------

@pytest.mark.parametrize("kind", ["file", "symlink"])
def test_file_at_the_year_path_is_refused_and_not_moved(tmp_path, kind):
    out = tmp_path / "out"
    (out / STUDY).mkdir(parents=True)
    year = out / STUDY / YEAR
    if kind == "file":
        year.write_bytes(b"the user's own file\n")
    else:
        (tmp_path / "elsewhere").mkdir()
        year.symlink_to(tmp_path / "elsewhere")
    done = _run("run", "--output", str(out), "--format", "json")
    assert done.returncode == 2, done.stderr
    assert _bilingual(done.stderr) and str(year) in done.stderr
    assert "不是目录" in done.stderr and "is not a folder" in done.stderr
    if kind == "file":
        assert year.read_bytes() == b"the user's own file\n"
    else:
        assert year.is_symlink() and os.listdir(tmp_path / "elsewhere") == []
    assert _hidden(out) == []


def test_commit_refuses_a_file_put_at_the_target_meanwhile(tmp_path):
    target = tmp_path / "study" / YEAR
    with pytest.raises(InputError) as err, Staging(target) as staging:
        (staging.path / "results.json").write_text("{}")
        target.write_text("put here while the run went on")
        staging.commit()
    assert err.value.key == "write.not_a_folder"
    assert target.read_text() == "put here while the run went on"
    assert os.listdir(target.parent) == [YEAR]


# --- a full disk ------------------------------------------------------------------------

@contextlib.contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small tmpfs at `where` (root only: CI runs as root)."""
    if os.geteuid() != 0:
        print("\nskipping: mounting a tmpfs needs root (CI runs as root)")
        pytest.skip("mounting a tmpfs needs root; CI runs as root")
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path, leave: int) -> None:
    """Fill `disk` until `leave` bytes are free (to the page)."""
    free = shutil.disk_usage(disk).free - leave
    with (disk / "filler").open("wb") as fh, contextlib.suppress(OSError):
        fh.write(b"\0" * max(free, 0))
    if leave == 0:  # and the last pages, whatever rounding left
        with contextlib.suppress(OSError), (disk / "filler2").open("wb") as fh:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()


@pytest.mark.parametrize("leave", [600_000, 0], ids=["fills-while-writing", "already-full"])
@pytest.mark.slow
def test_full_disk_is_exit_2_with_the_reason_and_keeps_the_brief(published, tmp_path, leave):
    with _tmpfs(tmp_path / "disk", "12m") as disk:
        out, before = _copy(published, disk / "out")
        _fill(disk, leave)
        done = _run("run", "--output", str(out))
        assert done.returncode == 2, done.stderr
        assert _bilingual(done.stderr) and "Traceback" not in done.stderr
        assert "No space left on device" in done.stderr
        assert "--- Logging error ---" not in done.stderr
        assert _tree(out / STUDY / YEAR) == before
        assert _hidden(out) == []  # no staging folder, no empty lock


def test_read_only_output_is_exit_2_with_the_reason(published, tmp_path):
    with _tmpfs(tmp_path / "disk", "12m") as disk:
        out, before = _copy(published, disk / "out")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        done = _run("run", "--output", str(out))
        assert done.returncode == 2, done.stderr
        assert _bilingual(done.stderr) and "Traceback" not in done.stderr
        assert "Read-only file system" in done.stderr
        assert _tree(out / STUDY / YEAR) == before


# --- signals ----------------------------------------------------------------------------

def _log_size(log: Path) -> int:
    return len(log.read_text(encoding="utf-8")) if log.exists() else 0


def _wait_for(log: Path, line: str, child: subprocess.Popen, after: int = 0,
              limit: float = 120) -> None:
    """Until `line` appears in the log past its first `after` characters."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if log.exists() and line in log.read_text(encoding="utf-8")[after:]:
            return
        assert child.poll() is None, f"the run ended before `{line}`"
        time.sleep(0.01)
    raise AssertionError(f"no `{line}` in {log}")


@pytest.mark.parametrize(("signum", "stage"), [
    (signal.SIGTERM, "render"), (signal.SIGINT, "battery"), (signal.SIGHUP, "render"),
    (signal.SIGTERM, "load")])
@pytest.mark.slow
def test_signal_ends_the_run_cleanly(published, tmp_path, signum, stage):
    out, before = _copy(published, tmp_path / "out")
    log = out / "reporter.log"
    start = _log_size(log)
    child = subprocess.Popen([*CLI, "run", "--output", str(out)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    _wait_for(log, f"INFO stage {stage}\n", child, after=start)
    child.send_signal(signum)
    _, err = child.communicate(timeout=60)
    name = signal.Signals(signum).name
    assert child.returncode == 128 + signum, err
    assert "已中断" in err and "Interrupted" in err and name in err
    assert "Traceback" not in err
    assert _tree(out / STUDY / YEAR) == before
    assert _hidden(out) == []
    new = log.read_text(encoding="utf-8")[start:]
    assert f"exit {128 + signum}: interrupted by {name} during stage {stage}" in new
    assert _survivors(child.pid) == []


def _survivors(session: int) -> list[int]:
    """Processes left in the run's session (it was started as a session leader, and its
    renderer and pool workers, forked or spawned, stay in that session)."""
    deadline = time.monotonic() + 5  # a killed process's entry goes once it is reaped
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    if int(fields[3]) == session and fields[0] != "Z":
                        found.append(int(entry.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.mark.parametrize("delay", [0.12, 0.3])
def test_sigint_while_importing_is_one_bilingual_line(tmp_path, delay):
    """Ctrl-C as the command starts: no traceback, exit 130 (through the console script's
    entry point, `python -m reporter`)."""
    child = subprocess.Popen([sys.executable, "-m", "reporter", "run", "--output",
                              str(tmp_path / "out")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "Traceback" not in err and "已中断" in err and "SIGINT" in err


@pytest.mark.slow
def test_sighup_stops_a_batch_and_names_what_finished(published, tmp_path):
    out, before = _copy(published, tmp_path / "out")
    study = tmp_path / "second.toml"
    text = SAMPLE.read_text(encoding="utf-8").replace('id = "zhejiang-hightech"',
                                                     'id = "second-study"')
    study.write_text(text.replace('path = "', f'path = "{SAMPLE.parent}/'), encoding="utf-8")
    log = out / "reporter.log"
    start = _log_size(log)
    child = subprocess.Popen([*CLI, "run", "--output", str(out), "--jobs", "2",
                              "--config", str(SAMPLE), "--config", str(study)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    deadline = time.monotonic() + 120
    while log.read_text(encoding="utf-8")[start:].count("INFO stage battery") < 2:
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.01)
    child.send_signal(signal.SIGHUP)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 129, err
    assert "批量运行被信号 SIGHUP 中止" in err and "The batch was stopped by SIGHUP" in err
    assert "0 of 2 studies finished" in err and str(study) in err
    assert "Traceback" not in err
    assert _tree(out / STUDY / YEAR) == before
    assert _hidden(out) == []
    assert not (out / "second-study" / YEAR).exists()
    assert [p.name for p in (out / "second-study").iterdir()] == []
    assert _survivors(child.pid) == []


# --- the config edited while the run goes on --------------------------------------------

def test_manifest_digests_the_config_bytes_that_were_parsed(tmp_path):
    study = tmp_path / "study.toml"
    text = SAMPLE.read_text(encoding="utf-8").replace('path = "', f'path = "{SAMPLE.parent}/')
    study.write_text(text, encoding="utf-8")
    parsed = hashlib.sha256(study.read_bytes()).hexdigest()
    out = tmp_path / "out"
    child = subprocess.Popen([*CLI, "run", "--config", str(study), "--output", str(out),
                              "--format", "json"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    _wait_for(out / "reporter.log", "INFO stage battery\n", child)
    study.write_text(text + "\n# edited during the run\n", encoding="utf-8")
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    import json

    manifest = json.loads((out / STUDY / YEAR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["config"]["sha256"] == parsed
    assert parsed != hashlib.sha256(study.read_bytes()).hexdigest()


# --- SIGKILL between the staging manifest and the swap ----------------------------------

_KILLED_BEFORE_SWAP = """
import os, signal, sys
from pathlib import Path
from reporter.write import Staging, write_json
with Staging(Path(sys.argv[1])) as staging:
    (staging.path / "brief_zh.pdf").write_bytes(b"new")
    write_json(staging.path / "manifest.json", {"outputs": {}})
    os.kill(os.getpid(), signal.SIGKILL)
    staging.commit()
"""


def test_sigkill_between_manifest_and_swap_keeps_the_brief_and_next_run_clears(tmp_path):
    target = tmp_path / "out" / STUDY / YEAR
    target.mkdir(parents=True)
    (target / "brief_zh.pdf").write_bytes(b"old")
    child = subprocess.run([sys.executable, "-c", _KILLED_BEFORE_SWAP, str(target)])
    assert child.returncode == -signal.SIGKILL
    assert (target / "brief_zh.pdf").read_bytes() == b"old"
    assert len(_hidden(tmp_path / "out")) == 1  # the dead run's staging folder
    with Staging(target) as staging:  # the next run clears it
        assert _hidden(tmp_path / "out") == [staging.path.name]
    assert _hidden(tmp_path / "out") == []


def test_library_warnings_go_to_the_log_not_the_screen(tmp_path, capsys):
    import warnings

    from reporter.log import run_log

    with run_log(tmp_path):
        warnings.warn("invalid value encountered in divide", RuntimeWarning, stacklevel=1)
    assert "invalid value" not in capsys.readouterr().err
    assert "invalid value encountered" in (tmp_path / "reporter.log").read_text()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_signal_whose_exception_python_swallowed_still_ends_the_run(tmp_path):
    """Python ignores an exception raised in a callback it runs itself (a weakref's during
    an import, a finaliser's): the run notices the signal at its next stage, exits with
    the signal's code and publishes nothing."""
    import gc
    import weakref

    from reporter import pipeline, signals
    from reporter.errors import Interrupted

    class Thing:
        pass

    with signals.handled():
        thing = Thing()
        ref = weakref.ref(thing, lambda _: signals._handler(signal.SIGTERM, None))
        del thing  # the callback's Interrupted is printed and ignored, as in importlib's
        gc.collect()
        assert ref() is None  # the callback ran, and its exception went nowhere
        with pytest.raises(Interrupted) as stop:
            pipeline.run(SAMPLE, tmp_path / "out", formats=("json",))
    assert stop.value.exit_code == 128 + signal.SIGTERM
    assert not list((tmp_path / "out").glob("*/*/results.json"))
    signals.check()  # the block is over: a later run in this process is not affected
