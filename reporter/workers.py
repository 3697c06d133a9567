"""A forked renderer that warms up while the run analyses.

A run renders its languages in parallel when it has a spare core. At the start of the run,
before analysis, it forks one process that imports WeasyPrint and matplotlib (about a
second of CPU) while the parent imports pandas and estimates. The results then cross a
pipe; the renderer forks a child from itself for every language but one (so each starts
warm, and the imports are paid once, not once per language) and renders the last itself.
Every process dies with the one that forked it (`PR_SET_PDEATHSIG`), and the renderer is
killed when the run fails, so a killed or failed run leaves no writer behind.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import traceback
import types
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from typing import Any

from reporter.errors import ReporterError


def _mappingproxy(items: dict) -> types.MappingProxyType:
    return types.MappingProxyType(items)


# The results and the config freeze their mappings as read-only proxies, which pickle does
# not know; they cross the renderer's pipes as dicts and are frozen again on the other side
# (registered with multiprocessing's pickler only: pickle elsewhere is unchanged).
ForkingPickler.register(types.MappingProxyType, lambda proxy: (_mappingproxy, (dict(proxy),)))


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


def preload_all() -> None:
    """Import what every study needs (analysis and rendering), for a process that runs
    study after study; a failing import is left to fail the study that needs it."""
    with contextlib.suppress(Exception):
        from reporter import battery, findings, indices, load, prepare  # noqa: F401

        _preload()


def warm_worker(parent: int) -> None:
    """Initialise a batch's pool worker: it dies with the batch, leaves signals to the
    batch while idle (a study it runs ends cleanly on one: cli._run_one), and starts
    warm."""
    from reporter.signals import quiet_helper

    die_with_parent(parent)
    quiet_helper()
    preload_all()


def _call(func: Callable[..., Any], args: tuple,
          progress: Connection | None = None) -> tuple[str, Any]:
    """("ok", value), ("error", (type, key, params)) for our errors (they do not pickle as
    themselves), ("oserror", (errno, reason, file)) for a system error (a full disk is
    the user's to fix, not a crash), or ("crash", traceback text). With `progress`, the
    job gets `on_stage`, which sends each stage's name to the run (its progress line)."""
    try:
        if progress is not None:
            return "ok", func(*args, on_stage=progress.send)
        return "ok", func(*args)
    except ReporterError as error:
        return "error", (type(error), error.key, error.params)
    except OSError as exc:
        return "oserror", (exc.errno, exc.strerror or str(exc), exc.filename)
    except BaseException:  # handed to the parent as text
        return "crash", traceback.format_exc()


def _fork_job(func: Callable[..., Any], args: tuple,
              progress: Connection | None) -> tuple[int, Connection]:
    """Run one job in a child forked from this warm process; (pid, pipe to its reply)."""
    receive, send = multiprocessing.Pipe(duplex=False)
    zygote = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: one job, its reply, and out without any clean-up
        code = 1
        try:
            receive.close()
            die_with_parent(zygote)
            send.send(_call(func, args, progress))
            code = 0
        finally:
            os._exit(code)
    send.close()
    return pid, receive


def _run_round(jobs: list[tuple[str, Callable[..., Any], tuple]],
               progress: Connection | None) -> list[tuple[str, Any]]:
    """All but the last job in forked children, the last here, the replies in job order."""
    children = [(name, *_fork_job(func, args, progress)) for name, func, args in jobs[:-1]]
    last = _call(*jobs[-1][1:], progress)
    replies = []
    for name, pid, pipe in children:
        try:
            replies.append(pipe.recv())
        except EOFError:
            replies.append(("crash", f"the process rendering {name} died"))
        pipe.close()
        os.waitpid(pid, 0)
    return [*replies, last]


def _serve(conn: Connection, progress: Connection, parent: int) -> None:
    """The warm process's loop: warm up, then for each (jobs, parallel, report) received
    run the jobs `parallel` at a time (forking from itself, so every process is warm),
    their stages sent on `progress` if `report`, and answer with their replies, until None
    arrives (or the pipe closes)."""
    from reporter.signals import quiet_helper

    quiet_helper()  # the run decides how to end on a signal, and kills this process
    die_with_parent(parent)
    with contextlib.suppress(Exception):  # a failing import fails the job, and is reported
        _preload()
    while True:
        try:
            request = conn.recv()
        except EOFError:  # the parent is gone
            return
        if request is None:
            return
        jobs, parallel, report = request
        replies = []
        for start in range(0, len(jobs), parallel):
            replies += _run_round(jobs[start:start + parallel], progress if report else None)
        conn.send(replies)


class Renderer:
    """A forked process that warms up (imports the rendering libraries) while the run
    analyses, then runs the run's render jobs, `parallel` at a time, each extra one in a
    child forked from it: every renderer starts warm, and the imports are paid once."""

    def __init__(self, parallel: int) -> None:
        context = multiprocessing.get_context("fork")
        self.parallel = parallel
        self._conn, child = context.Pipe()
        self._progress, progress = context.Pipe(duplex=False)  # stages, from every job
        self._process = context.Process(target=_serve, args=(child, progress, os.getpid()),
                                        daemon=True, name="reporter-render")
        self._process.start()
        child.close()
        progress.close()
        self._state = "idle"  # idle → busy → done

    def run(self, jobs: list[tuple[str, Callable[..., Any], tuple]],
            on_stage: Callable[[str], None] | None = None) -> list[Any]:
        """Each job's value, in order; the first failing job's error is raised again: ours
        as itself, anything else as a RuntimeError carrying the traceback. With
        `on_stage`, each job is called with an `on_stage` too, and the stages it enters
        reach `on_stage` here as they happen."""
        self._state = "busy"
        self._conn.send((jobs, self.parallel, on_stage is not None))
        try:
            while on_stage is not None:  # stages first, then the replies
                if self._progress not in wait([self._conn, self._progress]):
                    break
                on_stage(self._progress.recv())
            replies = self._conn.recv()
        except EOFError:
            self._process.join(1)
            raise RuntimeError(f"the render process died (exit code "
                               f"{self._process.exitcode})") from None
        self._state = "done"
        values = []
        for (name, _, _), (status, value) in zip(jobs, replies, strict=True):
            if status == "error":
                kind, key, params = value
                raise kind(key, **params)
            if status == "oserror":
                raise OSError(*value)
            if status == "crash":
                raise RuntimeError(f"rendering {name} failed:\n{value}")
            values.append(value)
        return values

    def close(self) -> None:
        """End the process: asked to leave once it has rendered; killed at once (and its
        children with it) if it never got jobs or still has them (the run failed)."""
        if self._state == "done":
            with contextlib.suppress(OSError):
                self._conn.send(None)
        else:
            self._process.kill()
        self._conn.close()
        self._progress.close()
        self._process.join(5)
        if self._process.is_alive():  # pragma: no cover - stuck in a C library
            self._process.kill()
            self._process.join()


def start_renderer(parallel: int) -> Renderer | None:
    """A warming-up renderer for `parallel` (≥ 2) processes, or None (render in this
    process) for fewer or where fork is unavailable."""
    if parallel < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return Renderer(parallel)
