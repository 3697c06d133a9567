"""One run at a time per output folder: an advisory lock beside it that names its holder.

The lock is `flock` on `.<year>.lock` next to `OUTPUT/<study.id>/<year>/`. The kernel drops
it when the holder dies, so the file a killed run leaves behind is a stale lock that the
next run simply takes over. The file records the holder's pid, host and start time, for
the message a second run prints before it exits with code 4.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
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

    def __enter__(self) -> OutputLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = self._acquire()
        except OSError as exc:
            raise InputError("write.not_writable", file=self.path.parent,
                             detail=exc.strerror or str(exc)) from None
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        self.stale = _read(self._fd, tries=1)
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps(record).encode(), 0)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is None:
            return
        # unlink while still holding it: a waiter that opened this inode retries
        self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def _acquire(self) -> int:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read(fd, tries=_READ_TRIES) or {}
                os.close(fd)
                raise LockError("lock.held", folder=self.target,
                                pid=holder.get("pid", "?"), host=holder.get("host", "?"),
                                started=holder.get("started", "?")) from None
            try:
                current = os.stat(self.path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                return fd
            os.close(fd)  # the previous holder removed the file between our open and flock


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
