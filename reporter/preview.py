"""`reporter templates preview`: the HTML brief of a study, served on 127.0.0.1 only and
rendered again on every save in the editor's template folder, so an edit shows in the
browser in a fraction of a second. The results are computed once at start (again only when
the rules change); a template error is shown in the page with its file and line."""

from __future__ import annotations

import html as html_escape
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from reporter import messages
from reporter.config import Config, load_config
from reporter.errors import InputError
from reporter.literals import LANGUAGES

HOST = "127.0.0.1"
RULE_FILES = {"rules.toml", "recommendations.toml"}
# asks the server for the page's version and reloads when it changes
RELOAD = """<script>(function () {
  var seen = null;
  setInterval(function () {
    fetch("/__version", {cache: "no-store"}).then(function (r) { return r.text(); })
      .then(function (v) { if (seen !== null && v !== seen) { location.reload(); } seen = v; })
      .catch(function () {});
  }, 300);
})();</script>
"""


@dataclass
class Preview:
    """The study's results and its briefs as last rendered, one page a language."""

    folder: Path
    config: Config
    workdir: Path
    dirs: list[Path] = field(default_factory=list)
    results: Any = None
    pages: dict[str, bytes] = field(default_factory=dict)
    charts: dict[str, dict[str, tuple[Path, ...]]] = field(default_factory=dict)
    version: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        from reporter import pipeline

        self.dirs = pipeline.template_folders(self.config, [self.folder])

    def analyse(self) -> None:
        """The results the pages show (no bootstrap: the preview is about the wording)."""
        from reporter import pipeline

        config = replace(self.config, inference=replace(self.config.inference,
                                                        bootstrap=False))
        self.results = pipeline.analyse(config, pipeline.Timer(), rule_dirs=self.dirs)

    def render(self, changed: Iterable[Path] = ()) -> None:
        """Render every language; charts are drawn again only when a catalogue changed
        (their titles and labels come from it), the results when the rules did."""
        from reporter import pipeline
        from reporter.render.brief import render_brief

        names = {Path(p).name for p in changed}
        if self.results is None or names & RULE_FILES:
            self.analyse()
            self.charts = {}
        for lang in LANGUAGES:  # a catalogue's chart titles and labels
            if f"{lang}.toml" in names:
                self.charts.pop(lang, None)
        meta = pipeline.render_meta(self.results)
        pages: dict[str, bytes] = {}
        for lang in LANGUAGES:
            try:
                brief = render_brief(self.results, self.config, lang, self.dirs,
                                     self.workdir / "charts", meta,
                                     charts=self.charts.get(lang), medium="screen",
                                     export=False)
                self.charts[lang] = brief.charts
                page = brief.html
            except InputError as error:
                page = error_page(error, lang)
            pages[lang] = inject(page).encode("utf-8")
        with self.lock:
            self.pages = pages
            self.version += 1


def error_page(error: InputError, lang: str) -> str:
    """A page that shows the template error (file:line) where the brief would be."""
    title = messages.text("preview.error_title", lang)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html_escape.escape(title)}</title></head><body>"
            f'<h1 style="color:#a40000">{html_escape.escape(title)}</h1>'
            f'<pre style="white-space:pre-wrap">{html_escape.escape(error.bilingual())}</pre>'
            "</body></html>")


def inject(page: str) -> str:
    """The page with the reload script before `</body>` (or at its end)."""
    at = page.rfind("</body>")
    return page + RELOAD if at < 0 else page[:at] + RELOAD + page[at:]


def handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    """Requests: `/` (the first language), `/<lang>`, `/__version`, `/charts/<file>`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with preview.lock:
                pages, version = dict(preview.pages), preview.version
            if path == "/__version":
                return self._send(200, str(version).encode(), "text/plain")
            lang = LANGUAGES[0] if path == "/" else path.strip("/")
            if lang in pages:
                return self._send(200, pages[lang], "text/html; charset=utf-8")
            if path.startswith("/charts/"):
                charts = (preview.workdir / "charts").resolve()
                target = (charts / path.removeprefix("/charts/")).resolve()
                if target.parent == charts and target.is_file():
                    return self._send(200, target.read_bytes(), _content_type(target))
            self._send(404, b"not found", "text/plain")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the terminal shows the address and the re-renders, not each request

    return Handler


def _content_type(path: Path) -> str:
    return {".png": "image/png", ".svg": "image/svg+xml"}.get(path.suffix,
                                                                "application/octet-stream")


def serve(preview: Preview, port: int) -> ThreadingHTTPServer:
    """A server for `preview` on 127.0.0.1:`port` (0: any free port); exit 2 if taken."""
    try:
        server = ThreadingHTTPServer((HOST, port), handler(preview))
    except OSError as exc:
        raise InputError("preview.port", port=port, detail=exc.strerror or str(exc)) from None
    server.daemon_threads = True
    return server


def watch(preview: Preview, stop: threading.Event, on_render=None) -> threading.Thread:
    """A thread that renders again after each batch of saves in the editor's folder."""
    import watchfiles

    def loop() -> None:
        for changes in watchfiles.watch(preview.folder, stop_event=stop, debounce=80,
                                        step=20, raise_interrupt=False):
            started = time.perf_counter()
            preview.render(Path(path) for _, path in changes)
            if on_render is not None:
                on_render(preview, time.perf_counter() - started)

    thread = threading.Thread(target=loop, name="preview-watch", daemon=True)
    thread.start()
    return thread


def start(folder: Path, config_path: Path | None, workdir: Path) -> Preview:
    """Check the folder, load the study (the bundled one without `--study`), render once."""
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise InputError("templates.not_found", file=folder)
    preview = Preview(folder=folder, config=load_config(config_path), workdir=workdir)
    (workdir / "charts").mkdir(parents=True, exist_ok=True)
    preview.render()
    return preview
