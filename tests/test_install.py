"""install.sh's failures say in both languages what failed and what to do. (The whole
install on a stock Debian 12 root is checked by .ci/fresh-root, which CI runs.)"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("bash", "dirname", "pwd", "grep", "id", "cat", "head", "cut", "sha256sum", "mkdir",
         "ln", "env")


def _bin(tmp_path: Path, *extra: tuple[str, str]) -> Path:
    """A PATH folder with the shell tools install.sh uses and nothing else (no apt-get,
    no dpkg-query, no python3), plus `extra` scripts (name, body)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        if found:
            (folder / tool).symlink_to(found)
    for name, body in extra:
        (folder / name).unlink(missing_ok=True)  # never write through the link to a tool
        (folder / name).write_text(f"#!/bin/sh\n{body}\n")
        (folder / name).chmod(0o755)
    return folder


def _install(path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(ROOT / "install.sh")], capture_output=True, text=True,
                          env={"PATH": str(path), "HOME": str(path.parent), **env}, timeout=60)


def test_no_apt_get_names_the_packages_to_install(tmp_path):
    done = _install(_bin(tmp_path))
    assert done.returncode == 1
    assert "找不到 apt-get" in done.stderr and "apt-get was not found" in done.stderr
    assert "fonts-noto-cjk" in done.stderr and "REPORTER_SKIP_APT=1" in done.stderr


def test_no_root_and_no_sudo_says_so(tmp_path):
    if os.geteuid() == 0:
        folder = _bin(tmp_path, ("apt-get", "exit 0"), ("id", 'echo 1000'))
    else:
        folder = _bin(tmp_path, ("apt-get", "exit 0"))
    done = _install(folder)
    assert done.returncode == 1
    assert "找不到 sudo" in done.stderr and "sudo was not found" in done.stderr


def test_missing_python_is_named(tmp_path):
    done = _install(_bin(tmp_path), REPORTER_SKIP_APT="1")
    assert done.returncode == 1
    assert "找不到 Python" in done.stderr and "Python (python3) was not found" in done.stderr


@pytest.mark.parametrize("version", ["3.9", "3.10"])
def test_old_python_is_refused_with_the_way_out(tmp_path, version):
    fake = (f'case "$*" in *"sys.exit"*) exit 1 ;; *print*) echo {version} ;; esac')
    done = _install(_bin(tmp_path, ("python3", fake)), REPORTER_SKIP_APT="1")
    assert done.returncode == 1, done.stderr
    assert f"python3 是 {version}" in done.stderr and f"python3 is {version}" in done.stderr
    assert "REPORTER_PYTHON=" in done.stderr
    assert not (tmp_path / "bin" / ".venv").exists()


def test_readme_commands_are_what_ci_runs():
    """CI runs the README's test command, after install.sh and the fresh-root check of the
    README's two set-up commands."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = re.search(r"## Set up and run\n.*?```sh\n(.*?)\n```", readme, re.S).group(1)
    test = re.search(r"## Test\n.*?```sh\n(.*?)\n```", readme, re.S).group(1)
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line and not line.startswith(("#", "set ", "cd "))]
    assert setup == "./install.sh && reporter run"
    assert ci == ["./install.sh", "bash .ci/fresh-root", "bash .ci/test-packages", test]
    assert setup in (ROOT / ".ci" / "fresh-root").read_text()
