"""Outputs appear atomically: everything is written to a hidden staging folder beside the
target and swapped into place at the end, so a failed or killed run leaves the previous
files untouched and no partial folder visible.

On Linux the swap is one `renameat2(RENAME_EXCHANGE)` call; elsewhere (or on a file system
without it) it falls back to two renames, and the next run repairs the gap if a crash
fell between them.

Nothing at the target's path is followed or moved unless it is a plain folder: a file or
a symbolic link there is refused (exit 2) and left as it is. Any `OSError` while writing
(a full disk, a quota, a read-only or unwritable folder) is exit 2 with the system's
reason, and the previous brief stays.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any

from reporter.errors import InputError

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False if the platform or file system cannot."""
    libc = _libc()
    func = getattr(libc, "renameat2", None) if libc is not None else None
    if func is None:
        return False
    result = func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def check_target(target: Path) -> None:
    """Refuse a target that exists but is not a plain folder (a file or a symbolic link,
    planted or left by mistake): exit 2 naming it; it is neither followed nor moved."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(mode):
        raise InputError("write.not_a_folder", file=target)


def write_failed(target: Path, exc: OSError) -> InputError:
    """Exit 2 for an `OSError` while writing `target`, with the system's reason."""
    detail = exc.strerror or str(exc)
    if exc.filename:
        detail += f" ({exc.filename})"
    return InputError("write.failed", file=target, detail=detail)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Staging:
    """A staging folder for `target`; `commit()` swaps it into place."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.path: Path | None = None

    def __enter__(self) -> Staging:
        parent = self.target.parent
        check_target(self.target)
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._repair()
            self.path = Path(tempfile.mkdtemp(
                prefix=f".{self.target.name}.staging-{os.getpid()}-", dir=parent))
            umask = os.umask(0)
            os.umask(umask)
            self.path.chmod(0o777 & ~umask)
        except OSError as exc:
            raise InputError("write.not_writable", file=parent, detail=exc.strerror) from None
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.path is not None and self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)

    def _repair(self) -> None:
        """Restore a target lost between the fallback's two renames, and remove staging
        folders left by dead processes."""
        parent, name = self.target.parent, self.target.name
        for old in sorted(parent.glob(f".{name}.old-*")):
            if not self.target.exists():
                old.rename(self.target)
            else:
                shutil.rmtree(old, ignore_errors=True)
        for stale in parent.glob(f".{name}.staging-*"):
            pid = stale.name.split("-")[1] if "-" in stale.name else ""
            if pid.isdigit() and not _pid_alive(int(pid)):
                shutil.rmtree(stale, ignore_errors=True)

    def commit(self) -> None:
        if self.path is None:
            raise RuntimeError("commit() outside the staging block")
        _fsync_tree(self.path)
        check_target(self.target)  # again: something may have been put there meanwhile
        if not os.path.lexists(self.target):
            self.path.rename(self.target)
        elif exchange(self.path, self.target):
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            old = self.target.with_name(f".{self.target.name}.old-{os.getpid()}")
            self.target.rename(old)
            self.path.rename(self.target)
            shutil.rmtree(old, ignore_errors=True)
        self.path = None


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())


def write_json(path: Path, payload: Any) -> None:
    text = payload if isinstance(payload, str) else (
        json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    path.write_text(text, encoding="utf-8")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inventory(folder: Path) -> dict[str, dict[str, Any]]:
    """Every file under `folder` with its size and SHA-256, for the manifest."""
    return {str(p.relative_to(folder)): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
            for p in sorted(folder.rglob("*")) if p.is_file()}
