"""One run at a time per output folder: an advisory lock beside it that names its holder.

The lock is `flock` on `.<year>.lock` next to `OUTPUT/<study.id>/<year>/`. The kernel drops
it when the holder dies, so the file a killed run leaves behind is a stale lock that the
next run simply takes over. The file records the holder's pid, host and start time, for
the message a second run prints before it exits with code 4.

Anyone who can write the output folder can plant a link at the lock's path, and cron jobs
often run as root, so nothing there is followed: the study folder and the lock are opened
with `O_NOFOLLOW` (the lock relative to the folder's descriptor), and anything but a
regular file at the lock's path is refused with exit 2, untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import socket
import stat
import time
from pathlib import Path
from typing import Any

from reporter.errors import InputError, LockError

_READ_TRIES = 25  # a new holder writes its record just after locking; wait up to 0.25 s


class OutputLock:
    """`with OutputLock(target):` holds the lock of `target`, or raises LockError at once."""

    def __init__(self, target: Path) -> None:
        self.target = Path(target)
        self.path = self.target.with_name(f".{self.target.name}.lock")
        self.stale: dict[str, Any] | None = None  # the dead holder's record, if taken over
        self._fd: int | None = None
        self._dir: int | None = None

    def __enter__(self) -> OutputLock:
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        try:
            with contextlib.suppress(FileExistsError):  # open_folder says what is there
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._dir = open_folder(self.path.parent)
            self._fd = self._acquire()
            self.stale = _read(self._fd, tries=1)
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, json.dumps(record).encode(), 0)
        except OSError as exc:  # a full disk, a read-only or foreign folder: nothing left
            self._release()
            raise InputError("write.not_writable", file=self.path.parent,
                             detail=exc.strerror or str(exc)) from None
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._release()

    def _release(self) -> None:
        """Remove the lock file (if it is ours) and close what is open."""
        if self._fd is not None:
            # unlink while still holding it: a waiter that opened this inode retries
            with contextlib.suppress(OSError):
                if self._ours():
                    os.unlink(self.path.name, dir_fd=self._dir)
            os.close(self._fd)
            self._fd = None
        if self._dir is not None:
            os.close(self._dir)
            self._dir = None

    def _ours(self) -> bool:
        """Whether the lock's path still names the file this run opened."""
        try:
            current = os.stat(self.path.name, dir_fd=self._dir, follow_symlinks=False)
        except FileNotFoundError:
            return False
        return self._fd is not None and current.st_ino == os.fstat(self._fd).st_ino

    def _acquire(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
        while True:
            try:
                fd = os.open(self.path.name, flags, 0o644, dir_fd=self._dir)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
                    raise InputError("lock.not_a_file", file=self.path) from None
                raise
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO, a device, a socket
                os.close(fd)
                raise InputError("lock.not_a_file", file=self.path)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read(fd, tries=_READ_TRIES) or {}
                os.close(fd)
                raise LockError("lock.held", folder=self.target,
                                pid=holder.get("pid", "?"), host=holder.get("host", "?"),
                                started=holder.get("started", "?")) from None
            self._fd = fd
            if self._ours():
                return fd
            self._fd = None
            os.close(fd)  # the previous holder removed the file between our open and flock


def open_folder(folder: Path) -> int:
    """A descriptor of `folder`, refusing a symbolic link or anything but a folder there
    (exit 2): files are then made relative to it, never through a planted link."""
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise InputError("write.not_a_folder", file=folder) from None
        raise


def _read(fd: int, tries: int) -> dict[str, Any] | None:
    """The holder's record, or None if the file is empty or not ours."""
    for attempt in range(tries):
        data = os.pread(fd, 4096, 0)
        if data:
            try:
                record = json.loads(data)
            except ValueError:
                return None
            return record if isinstance(record, dict) else None
        if attempt + 1 < tries:
            time.sleep(0.01)
    return None
