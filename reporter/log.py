"""The run log: each run appends its stages, warnings and errors to `OUTPUT/reporter.log`.

The log sits in the output folder but outside `<study.id>/<year>/`, so it survives a failed
run (that is when it is read) and never makes two runs' outputs differ. `--verbose`
echoes the same lines on stderr. An internal error's traceback goes here, not to the user.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reporter.errors import InputError, Interrupted, ReporterError

LOGGER = logging.getLogger("reporter")
LOGGER.addHandler(logging.NullHandler())  # never the stderr "last resort": quiet by default
LOG_NAME = "reporter.log"
FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(message)s"

_traceback_in: dict[int, Path] = {}


class _RunLogHandler(logging.FileHandler):
    """The run log. A line it cannot write (a full disk) is dropped quietly: logging's
    own traceback on the user's screen would bury the run's bilingual message."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


@contextmanager
def run_log(folder: Path) -> Iterator[Path]:
    """Append this block's log lines to `folder/reporter.log`; log how it ends."""
    path = Path(folder) / LOG_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _RunLogHandler(path, encoding="utf-8")
    except OSError as exc:
        raise InputError("write.not_writable", file=path.parent,
                         detail=exc.strerror or str(exc)) from None
    handler.setFormatter(logging.Formatter(FORMAT))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    # a library's warning (numpy's "invalid value", pandas') goes to the log, never to the
    # screen of a cron job: the run's own messages are what the user reads there
    py_warnings = logging.getLogger("py.warnings")
    py_warnings.addHandler(handler)
    propagate, py_warnings.propagate = py_warnings.propagate, False
    logging.captureWarnings(True)
    try:
        yield path
    except ReporterError as error:
        LOGGER.error("exit %d: %s", error.exit_code, error.bilingual().replace("\n", " | "))
        raise
    except Interrupted as stop:
        LOGGER.error("exit %d: interrupted by %s during stage %s; staging folder and lock "
                     "removed", stop.exit_code, stop.name, stop.stage or "?")
        raise
    except Exception as exc:
        LOGGER.exception("exit 1: internal error")
        _traceback_in[id(exc)] = path
        raise
    finally:
        logging.captureWarnings(False)
        py_warnings.propagate = propagate
        py_warnings.removeHandler(handler)
        LOGGER.removeHandler(handler)
        handler.close()


def traceback_log(exc: BaseException) -> Path | None:
    """The run log that holds `exc`'s traceback, if a run logged it."""
    return _traceback_in.get(id(exc))


@contextmanager
def echo(stream, level: int = logging.INFO) -> Iterator[None]:
    """Copy log lines to `stream` (for `--verbose`) while the block runs."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    handler.setLevel(level)
    LOGGER.addHandler(handler)
    LOGGER.setLevel(min(LOGGER.level or level, level))
    try:
        yield
    finally:
        LOGGER.removeHandler(handler)
