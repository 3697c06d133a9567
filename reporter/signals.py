"""One way a run ends on a signal. SIGTERM (cron, systemd, `timeout`), SIGINT (Ctrl-C) and
SIGHUP (the terminal closed) raise `Interrupted` in the main thread, so every `finally`
runs (staging removed, lock released, renderer and pool workers stopped) and the CLI
prints one bilingual line and exits 128 + the signal's number. A second signal during
that clean-up is ignored, so the clean-up itself is never cut short."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from reporter.errors import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_raised: int | None = None  # the signal that ended the run, once one has


def _handler(signum: int, frame: FrameType | None) -> None:
    global _raised
    if _raised is not None:  # already ending: let the clean-up finish
        return
    _raised = signum
    raise Interrupted(signum)


def check() -> None:
    """Raise `Interrupted` again if a signal came and the run goes on: Python ignores an
    exception raised in a callback it runs itself (a weakref's, a finaliser's), so the
    signal's can be lost there. The run calls this at each stage and before it commits."""
    if _raised is not None:
        raise Interrupted(_raised)


def install() -> dict[int, Any]:
    """Route the three signals to `Interrupted`; returns the handlers they replace."""
    global _raised
    _raised = None
    return {signum: signal.signal(signum, _handler) for signum in SIGNALS}


@contextmanager
def handled() -> Iterator[None]:
    """The signals end the block with `Interrupted`; the previous handlers come back
    after it (the CLI used from a test or a notebook leaves no trace)."""
    global _raised
    previous = install()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        _raised = None


def quiet_helper() -> None:
    """For a process that helps a run (the renderer, an idle pool worker): Ctrl-C at the
    terminal reaches it too, but the run decides how to end and stops it; SIGTERM and
    SIGHUP end it at once, silently."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
