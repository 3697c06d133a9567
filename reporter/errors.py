"""One exception type per exit code of the contract, each carrying a bilingual message.

The CLI maps these to exit codes; nothing else prints tracebacks. A message names the
file and the key or row/column, and says what to do, in Chinese and English.
"""

from __future__ import annotations

from reporter import messages


class ReporterError(Exception):
    """Base class: a message key from `messages.toml` plus the values that fill it."""

    exit_code = 1

    def __init__(self, message_key: str, /, **params: object) -> None:
        self.key = message_key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        """The message in one language."""
        return messages.text(self.key, lang, **self.params)

    def bilingual(self) -> str:
        """Chinese first, then English, as the user sees it."""
        return f"错误：{self.message('zh')}\nError: {self.message('en')}"


class InputError(ReporterError):
    """Bad input, bad config or bad template (exit 2)."""

    exit_code = 2


class EstimationError(ReporterError):
    """An estimate could not be computed, e.g. a singular design (exit 3)."""

    exit_code = 3


class LockError(ReporterError):
    """Another run holds the lock for the same output directory (exit 4)."""

    exit_code = 4


class Interrupted(KeyboardInterrupt):
    """A run ended by SIGINT, SIGTERM or SIGHUP (exit 128 + the signal's number).

    A KeyboardInterrupt, so `except Exception` never swallows it and every `finally`
    runs; `stage` is the pipeline stage it hit, for the log."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum
        self.stage: str | None = None
        self.reported = False  # a batch has already said which studies it stopped

    @property
    def name(self) -> str:
        import signal

        return signal.Signals(self.signum).name

    def message(self, lang: str) -> str:
        return messages.text("run.interrupted", lang, signal=self.name)

    def bilingual(self) -> str:
        return f"已中断：{self.message('zh')}\nInterrupted: {self.message('en')}"
