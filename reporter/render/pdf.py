"""HTML to PDF with WeasyPrint, fetching only local files under allowed folders.

The fetcher fails loudly: a `file:` URL outside the template and output folders, or any
other scheme but `data:`, stops the rendering with a named error, and every WeasyPrint
log line is collected so tests can insist on none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from reporter.errors import InputError


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


def _fetcher_class():
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class LocalFetcher(URLFetcher):
        """Serves `data:` URLs and `file:` URLs under `roots`; refuses everything else."""

        def __init__(self, roots: Sequence[Path]) -> None:
            super().__init__(allowed_protocols=("file", "data"))
            self.roots = [Path(r).resolve() for r in roots]
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            allowed = scheme == "data"
            if scheme == "file":
                target = Path(unquote(urlsplit(url).path)).resolve()
                allowed = any(target.is_relative_to(root) for root in self.roots)
            if not allowed:
                self.refused.append(url)
                raise FatalURLFetchingError(f"refused: {url}")
            return super().fetch(url, headers)

    return LocalFetcher, FatalURLFetchingError


def setup_notices(langs: Sequence[str]) -> list[tuple[str, dict[str, str]]]:
    """What on this machine makes the PDFs wrong or slow, as (message key, parameters)
    naming the package to install: no HarfBuzz subsetting (WeasyPrint then subsets with
    fontTools, about five times slower) and, for a Chinese brief, no Chinese font."""
    found = []
    if not _has_library("harfbuzz-subset"):
        found.append(("render.no_harfbuzz_subset", {"package": "libharfbuzz-subset0"}))
    if "zh" in langs and not _has_font(":lang=zh"):
        found.append(("render.no_cjk_font", {"package": "fonts-noto-cjk"}))
    return found


@cache
def _has_library(name: str) -> bool:
    """Whether the dynamic loader finds lib`name` (asked once a process: a batch runs many
    studies on one machine)."""
    import ctypes.util

    return ctypes.util.find_library(name) is not None


@cache
def _has_font(pattern: str) -> bool:
    """Whether fontconfig lists a font for `pattern` (True when it cannot be asked)."""
    import shutil
    import subprocess

    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True
    try:
        done = subprocess.run([fc_list, pattern, "family"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return True
    return done.returncode != 0 or bool(done.stdout.strip())


def font_notices(warnings: dict[str, list[str]]) -> list[tuple[str, dict[str, str]]]:
    """WeasyPrint's warnings about fonts (a font that cannot be loaded or subset changes
    the PDF), once each, as (message key, parameters)."""
    seen = dict.fromkeys((lang, line) for lang, lines in warnings.items() for line in lines
                         if "font" in line.lower())
    return [("render.font_warning", {"lang": lang, "detail": line}) for lang, line in seen]


def write_pdf(html: str, target: Path, base_dir: Path, roots: Sequence[Path]) -> list[str]:
    """Render `html` (relative URLs resolve against `base_dir`) to `target`; returns
    WeasyPrint's warnings."""
    from weasyprint import HTML

    fetcher_cls, fatal = _fetcher_class()
    fetcher = fetcher_cls(roots)
    collector = _Collector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        document = HTML(string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher)
        document.write_pdf(target)
    except fatal:
        raise InputError("render.blocked_resource", url=fetcher.refused[-1]) from None
    finally:
        logger.removeHandler(collector)
    if fetcher.refused:
        raise InputError("render.blocked_resource", url=fetcher.refused[0])
    return collector.records
