"""HTML to PDF with WeasyPrint, fetching only local files under allowed folders.

The fetcher fails loudly: a `file:` URL outside the template and output folders, or any
other scheme but `data:`, stops the rendering with a named error, and every WeasyPrint
log line is collected so tests can insist on none.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
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


_FONT_CONFIGS: dict[tuple[int, tuple[str, ...]], Any] = {}


def _font_config(templates: tuple[str, ...]) -> Any:
    """One WeasyPrint font configuration per process and template set, reused by every
    brief it renders: a fresh one reloads fontconfig and starts Pango's font caches cold
    (measured in bench/README.md). Keyed by template folders, so that fonts an editor adds
    with `@font-face` in one set never leak into another; keyed by process, as Pango
    objects must not cross a fork."""
    from weasyprint.text.fonts import FontConfiguration

    key = (os.getpid(), templates)
    if key not in _FONT_CONFIGS:
        if len(_FONT_CONFIGS) >= 8:
            _FONT_CONFIGS.clear()
        _FONT_CONFIGS[key] = FontConfiguration()
    return _FONT_CONFIGS[key]


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
        templates = tuple(str(r) for r in roots if Path(r) != Path(base_dir))
        document.write_pdf(target, font_config=_font_config(templates))
    except fatal:
        raise InputError("render.blocked_resource", url=fetcher.refused[-1]) from None
    finally:
        logger.removeHandler(collector)
    if fetcher.refused:
        raise InputError("render.blocked_resource", url=fetcher.refused[0])
    return collector.records
