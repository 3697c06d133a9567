"""HTML to PDF with WeasyPrint, fetching only local files under allowed folders.

The fetcher fails loudly: a `file:` URL outside the template and output folders, or any
other scheme but `data:`, stops the rendering with a named error, and every WeasyPrint
log line is collected so tests can insist on none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
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
