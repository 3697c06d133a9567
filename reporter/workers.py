"""Forked render workers that warm up while the run analyses.

A run renders its languages in parallel when it has a spare core. Each extra language goes
to a worker forked at the start of the run, before analysis: the worker imports WeasyPrint
and matplotlib (about a second of CPU) while the parent imports pandas and estimates, then
receives the results by pipe and renders its language. The parent renders the last
language itself. A worker dies with its parent (`PR_SET_PDEATHSIG`) and is killed when the
run fails, so a killed or failed run leaves no writer behind.
"""

from __future__ import annotations

import contextlib
import copyreg
import multiprocessing
import os
import traceback
import types
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from reporter.errors import ReporterError


def _mappingproxy(items: dict) -> types.MappingProxyType:
    return types.MappingProxyType(items)


# The results and the config freeze their mappings as read-only proxies, which pickle does
# not know; they cross the pipe as dicts and are frozen again on the other side.
copyreg.pickle(types.MappingProxyType, lambda proxy: (_mappingproxy, (dict(proxy),)))


def spare_cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) - 1
    except AttributeError:  # pragma: no cover - not Linux
        return (os.cpu_count() or 1) - 1


def die_with_parent(parent: int) -> None:
    """A worker must not outlive a killed run (it would write into a staging folder the
    next run has cleared): ask Linux to kill it with its parent."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _preload() -> None:
    """What every render needs and costs the most to import."""
    import weasyprint  # noqa: F401

    from reporter.render import brief  # noqa: F401
    from reporter.render.charts import _pyplot

    _pyplot()


def _serve(conn: Connection, parent: int) -> None:
    """The worker's loop: warm up, then run each (function, args) received, answering
    ("ok", value), ("error", (type, key, params)) for our errors, or ("crash", text),
    until None arrives (or the pipe closes)."""
    die_with_parent(parent)
    with contextlib.suppress(Exception):  # a failing import fails the job, and is reported
        _preload()
    while True:
        try:
            job = conn.recv()
        except EOFError:  # the parent is gone
            return
        if job is None:
            return
        func, args = job
        try:
            reply: tuple[str, Any] = ("ok", func(*args))
        except ReporterError as error:  # our errors do not pickle as themselves
            reply = ("error", (type(error), error.key, error.params))
        except BaseException:  # handed to the parent as text
            reply = ("crash", traceback.format_exc())
        conn.send(reply)


class RenderWorker:
    """One forked, warming-up worker; `submit` a job, then `result` it."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, os.getpid()),
                                        daemon=True, name="reporter-render")
        self._process.start()
        child.close()
        self._job = ""
        self._pending = False

    def submit(self, name: str, func: Callable[..., Any], *args: Any) -> None:
        self._job, self._pending = name, True
        self._conn.send((func, args))

    def result(self) -> Any:
        """The job's value; our errors are raised again as themselves, anything else as a
        RuntimeError carrying the worker's traceback."""
        try:
            status, value = self._conn.recv()
            self._pending = False
        except EOFError:
            self._process.join(1)
            raise RuntimeError(f"render worker for {self._job} died "
                               f"(exit code {self._process.exitcode})") from None
        if status == "error":
            kind, key, params = value
            raise kind(key, **params)
        if status == "crash":
            raise RuntimeError(f"render worker for {self._job} failed:\n{value}")
        return value

    def close(self) -> None:
        """End the worker: asked to leave once it has rendered; killed at once if it never
        got a job or still has one (the run failed before or while it rendered)."""
        if self._pending or not self._job:
            self._process.kill()
        else:
            with contextlib.suppress(OSError):
                self._conn.send(None)
        self._conn.close()
        self._process.join(5)
        if self._process.is_alive():  # pragma: no cover - stuck in a C library
            self._process.kill()
            self._process.join()


def start_workers(count: int) -> list[RenderWorker]:
    """`count` warming-up workers, or none where fork is unavailable."""
    if count <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        return []
    return [RenderWorker() for _ in range(count)]
