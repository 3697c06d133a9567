"""Unattended runs, in real processes: the README's crontab line as written, quiet output,
progress on a terminal, the lock, byte-identical outputs, and SIGKILL at random moments."""

from __future__ import annotations

import json
import os
import pty
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.lock import OutputLock

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "zhejiang_cities.csv"
EPOCH, OTHER_EPOCH = "1700000000", "1710000000"  # 2023-11-14T22:13:20Z, 2024-03-09
CLI = [sys.executable, "-m", "reporter.cli"]
OUTPUTS = ("brief_zh.pdf", "brief_en.pdf", "results.json")


def _crontab() -> tuple[dict[str, str], str]:
    """The variables and the one job of the README's crontab block."""
    block = re.search(r"```crontab\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "README has no ```crontab block"
    env: dict[str, str] = {}
    jobs = []
    for line in block.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        variable = re.fullmatch(r"([A-Z_]+)=(.*)", line)
        if variable:
            env[variable.group(1)] = variable.group(2)
        else:
            jobs.append(line.split(None, 5)[5])
    assert len(jobs) == 1
    return env, jobs[0]


def _bindir() -> Path:
    """Where this test's `reporter` console script is: the running interpreter's venv."""
    from test_cli import console_script

    return Path(console_script()).parent


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _cron_env(home: Path, **extra: str) -> dict[str, str]:
    """cron's environment: the crontab's variables, HOME and LOGNAME, no LANG, no TTY."""
    env, _ = _crontab()
    env = {**env, "HOME": str(home), "LOGNAME": "reporter", **extra}
    env["PATH"] += os.pathsep + str(_bindir())  # after the crontab's own folders
    return env


@pytest.fixture(scope="module")
def cron_run(tmp_path_factory):
    """Run the README's crontab job in a fresh HOME with a study made by `reporter init`."""
    _bindir()  # skipped without the console script (failed in CI)
    home = tmp_path_factory.mktemp("home")
    subprocess.run([*CLI, "init", str(home / "my-study")], check=True, capture_output=True)
    shutil.copy(SAMPLE, home / "my-study" / "data" / "panel.csv")
    _, command = _crontab()
    start = time.perf_counter()
    done = subprocess.run(["/bin/sh", "-c", command], cwd="/", stdin=subprocess.DEVNULL,
                          env=_cron_env(home, SOURCE_DATE_EPOCH=EPOCH),
                          capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    target = home / "my-study" / "output" / "my-study" / "2023"
    return home / "my-study", done, target, seconds


@pytest.mark.slow
def test_crontab_line_works_as_written_and_is_quiet(cron_run):
    study, done, target, _ = cron_run
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert len(done.stdout.splitlines()) == 1 and "brief_zh.pdf" in done.stdout
    for name in (*OUTPUTS, "manifest.json"):
        assert (target / name).is_file(), name
    assert sorted(p.name for p in target.parent.iterdir()) == ["2023"]  # no lock, no staging
    log = (study / "output" / "reporter.log").read_text(encoding="utf-8")
    assert "stage battery" in log and "done:" in log


def _pdf_text(path: Path) -> bytes:
    """A PDF's bytes with every Flate stream inflated (the Info dictionary sits in one)."""
    data = path.read_bytes()
    inflated = []
    for stream in re.finditer(rb"stream\n(.*?)\nendstream", data, re.S):
        try:
            inflated.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return data + b"".join(inflated)


@pytest.mark.slow
def test_progress_on_a_terminal(tmp_path):
    """With stderr on a terminal, one self-overwriting line names each stage."""
    primary, secondary = pty.openpty()
    child = subprocess.Popen([*CLI, "run", "--format", "json", "--lang", "en",
                              "--output", str(tmp_path)], stdout=subprocess.PIPE,
                             stderr=secondary, stdin=subprocess.DEVNULL, text=True)
    os.close(secondary)
    screen = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(primary)
    stdout = child.stdout.read()
    assert child.wait(timeout=300) == 0
    text = screen.decode("utf-8")
    assert "\r" in text and "读取数据 / loading the data" in text
    assert "估计模型 / estimating the models" in text
    assert text.endswith("\r\x1b[K")  # the line is cleared before the summary
    assert len(stdout.splitlines()) == 1 and "results.json" in stdout


@pytest.mark.slow
def test_second_run_exits_4_at_once_in_a_real_process(cron_run):
    study, _, target, _ = cron_run
    before = _tree(target)
    with OutputLock(target):
        start = time.perf_counter()
        done = subprocess.run([*CLI, "run", "--config", "study.toml", "--output", "output"],
                              cwd=study, env=_cron_env(study.parent), capture_output=True,
                              text=True, timeout=120)
        seconds = time.perf_counter() - start
    assert done.returncode == 4, done.stderr
    assert done.stdout == ""
    assert f"进程 {os.getpid()}" in done.stderr and f"pid {os.getpid()}" in done.stderr
    assert "Traceback" not in done.stderr
    assert seconds < 15  # interpreter start and the config only, no estimation
    assert _tree(target) == before


def test_verbose_echoes_the_log(tmp_path):
    target = tmp_path / "zhejiang-hightech" / "2023"
    with OutputLock(target):
        quiet = CliRunner().invoke(main, ["run", "--output", str(tmp_path)])
        loud = CliRunner().invoke(main, ["run", "--verbose", "--output", str(tmp_path)])
    assert quiet.exit_code == loud.exit_code == 4
    assert "INFO" not in quiet.output
    assert "INFO run " in loud.output and "ERROR exit 4" in loud.output
    log = (tmp_path / "reporter.log").read_text(encoding="utf-8")
    assert log.count("ERROR exit 4") == 2


def test_internal_error_traceback_goes_to_the_run_log(tmp_path, monkeypatch):
    from reporter import pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("boom inside the battery")

    monkeypatch.setattr(pipeline, "analyse", boom)
    result = CliRunner().invoke(main, ["run", "--format", "json", "--output", str(tmp_path)])
    assert result.exit_code == 1
    log = tmp_path / "reporter.log"
    assert str(log) in result.output and "Traceback" not in result.output
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "boom inside the battery" in text


# --- SIGKILL at random moments, and byte-identical reruns -------------------------------

def _runs(study: Path, base: Path, work: Path, delays: list[float | None], parallel: int,
          langs: str) -> list[str]:
    """Copy the published output once per delay, start `reporter run` on each copy with
    the same SOURCE_DATE_EPOCH, and SIGKILL it after its delay (None: let it finish).
    Every copy must then hold the old files untouched, or a complete new set whose PDFs,
    charts and results.json are byte-identical to the old. No partial folder is visible."""
    before = _tree(base / "my-study" / "2023")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    outcomes = []
    for first in range(0, len(delays), parallel):
        batch = []
        for i, delay in enumerate(delays[first:first + parallel], first):
            output = work / f"run{i}"
            shutil.copytree(base, output)
            child = subprocess.Popen([*CLI, "run", "--config", "study.toml", "--output",
                                      str(output), "--lang", langs], cwd=study, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            when = None if delay is None else time.perf_counter() + delay
            batch.append((child, when, output, delay))
        for child, when, _, _ in sorted((b for b in batch if b[1] is not None),
                                        key=lambda b: b[1]):
            time.sleep(max(0.0, when - time.perf_counter()))
            child.send_signal(signal.SIGKILL)
        for child, _, output, delay in batch:
            code = child.wait(timeout=600)
            assert delay is not None or code == 0
            target = output / "my-study" / "2023"
            after = _tree(target)
            outcomes.append("old files" if after == before else "new files")
            if after != before:  # only a complete new set may replace the old one
                assert _complete(target), f"killed after {delay} s"
                deterministic = [k for k in before if k in OUTPUTS or k.startswith("charts/")]
                assert {k: after[k] for k in deterministic} == {
                    k: before[k] for k in deterministic}, f"killed after {delay} s"
            visible = [p.name for p in target.parent.iterdir() if not p.name.startswith(".")]
            assert visible == ["2023"], (delay, visible)
    return outcomes


def _complete(target: Path) -> bool:
    """Every file the manifest lists is there with its hash, and nothing else."""
    from reporter.write import inventory

    listed = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    present = inventory(target)
    present.pop("manifest.json")
    return present == listed


def _delays(seconds: float, count: int, seed: int, stretch: float = 1.05) -> list[float | None]:
    """Kill moments spread over a run that takes `seconds` alone (`stretch` for runs that
    share the machine), from a seeded generator so that a failure can be replayed."""
    rng = random.Random(seed)
    return [round(rng.uniform(0.2, stretch * seconds), 2) for _ in range(count)]


@pytest.mark.slow
def test_sigkill_of_real_runs_keeps_previous_outputs_and_reruns_are_identical(cron_run,
                                                                              tmp_path):
    """Two runs killed at random moments and one let to finish, side by side; the one
    that finishes rewrites the PDFs and results.json byte for byte."""
    study, _, target, seconds = cron_run
    _runs(study, study / "output", tmp_path, [*_delays(seconds, 2, seed=7), None],
          parallel=3, langs="zh,en")
    assert b"/CreationDate (D:20231114221320" in _pdf_text(target / "brief_zh.pdf")


@pytest.mark.slow
def test_sigkill_of_real_runs_fifty_times(cron_run, tmp_path):
    study, _, _, seconds = cron_run
    delays = _delays(seconds, 50, seed=20240628, stretch=1.6)  # two at a time: slower
    outcomes = _runs(study, study / "output", tmp_path, delays, parallel=2, langs="zh,en")
    print(f"\n{len(delays)} runs killed after {min(delays)}-{max(delays)} s (alone a run "
          f"takes {seconds:.1f} s); left: {dict(sorted(Counter(outcomes).items()))}")
    # after a kill, the next run takes over the lock, clears the leftovers and publishes
    output = tmp_path / "run0"
    done = subprocess.run([*CLI, "run", "--config", "study.toml", "--output", str(output),
                           "--format", "json"], cwd=study, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (output / "my-study").iterdir()) == ["2023"]
