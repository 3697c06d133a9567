"""The `reporter` console script and `python -m reporter`. The signals are caught before
anything else is imported, so even a Ctrl-C in the first milliseconds ends with the one
bilingual line and exit 130, never a traceback."""

import signal
import sys

_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _Early(BaseException):
    """A signal while the command line's modules load."""


_received: list[int] = []  # the early signal, in case its exception was swallowed


def _early(signum, frame):
    _received.append(signum)
    raise _Early(signum)


def main() -> None:
    previous = {signum: signal.signal(signum, _early) for signum in _SIGNALS}
    try:
        from reporter.errors import Interrupted

        try:
            from reporter.cli import main as cli  # installs reporter.signals' handlers

            if _received:  # Python ignored the exception (raised in an import's callback)
                raise _Early(_received[0])
            cli()
        except Interrupted as stop:  # raised before the CLI could catch it
            _stopped(stop)
    except _Early as early:
        _stopped(early.args[0])
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stopped(stop) -> None:
    for signum in _SIGNALS:  # a second signal must not cut the message short
        signal.signal(signum, signal.SIG_IGN)
    from reporter.errors import Interrupted

    if not isinstance(stop, Interrupted):
        stop = Interrupted(stop)
    sys.stderr.write(stop.bilingual() + "\n")
    sys.exit(stop.exit_code)


if __name__ == "__main__":
    main()
