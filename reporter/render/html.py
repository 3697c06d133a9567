"""Jinja2 in its sandbox, with autoescaping, loading an editor's folder before the defaults."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from reporter.bundled import TEMPLATES
from reporter.errors import InputError

DEFAULT_TEMPLATES = TEMPLATES
BRIEF_TEMPLATE = "brief.html.j2"
BUNDLED_PREFIX = "bundled"
# An editor's template can never hang a cron job or fill its memory: rendering one brief
# stops after RENDER_SECONDS, or once its HTML passes MAX_HTML characters (the bundled brief
# renders in a tenth of a second and is about 60,000 characters). Jinja's sandbox bounds
# `range` to 100,000 items; a template or macro that calls itself ends in a named error.
RENDER_SECONDS = 60
MAX_HTML = 20_000_000


@cache
def _loader_class():
    """A FileSystemLoader over the editor's folders then the bundled one, where the name
    `bundled/<name>` is always the bundled template, so an editor's file may extend the one
    it replaces. (Jinja is imported when the first brief renders, not with this module.)"""
    from jinja2 import FileSystemLoader

    class BriefLoader(FileSystemLoader):
        def __init__(self, folders: list[str], bundled: str) -> None:
            super().__init__(folders)
            self.bundled = FileSystemLoader(bundled)

        def get_source(self, environment, template):
            head, slash, rest = template.partition("/")
            if slash and head == BUNDLED_PREFIX:
                return self.bundled.get_source(environment, rest)
            return super().get_source(environment, template)

    return BriefLoader


def environment(template_dirs: Sequence[Path], undefined: type | None = None):
    """A SandboxedEnvironment: editors may change wording and layout, not reach Python.
    `undefined`: what an unknown name is (default: an error; `templates check` passes its
    own, which records it)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from reporter.render import fmt

    env = SandboxedEnvironment(
        loader=_loader_class()([str(d) for d in template_dirs], str(DEFAULT_TEMPLATES)),
        autoescape=True, undefined=undefined or StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(num=fmt.num, pval=fmt.pval, stars=fmt.stars, integer=fmt.integer,
                       keep_ranges=fmt.keep_ranges)
    return env


class _TooSlow(Exception):
    """Raised by the alarm when a render passes RENDER_SECONDS."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise _TooSlow in the block after `seconds` (SIGALRM; in the main thread only, where
    every render runs: the run's process, its renderer or a batch worker)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum: int, frame: object) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def template_blocks(env, name: str) -> list[str]:
    """The blocks a template defines or inherits, following `{% extends %}` of a fixed name."""
    from jinja2 import nodes

    blocks: dict[str, None] = {}
    seen: set[str] = set()
    current: str | None = name
    while current is not None and current not in seen:
        seen.add(current)
        source = env.loader.get_source(env, current)[0]
        tree = env.parse(source)
        blocks.update(dict.fromkeys(block.name for block in tree.find_all(nodes.Block)))
        parents = [node.template.value for node in tree.find_all(nodes.Extends)
                   if isinstance(node.template, nodes.Const)]
        current = parents[0] if parents else None
    return list(blocks)


def _check_sections(env, name: str, where: str, sections) -> None:
    """Every block `report.sections` names exists, in a template built of blocks (a full
    copy of an older brief, without blocks, does not read `sections`)."""
    blocks = template_blocks(env, name)
    if not blocks:
        return
    for section in sections:
        if section not in blocks:
            raise InputError("render.unknown_section", file=where, name=section,
                             blocks=", ".join(blocks))


def render_html(template_dirs: Sequence[Path], context: dict[str, Any],
                name: str = BRIEF_TEMPLATE, undefined: type | None = None) -> str:
    """Render one template; any template error names the file and line (exit 2), and so
    does a template that runs too long, writes too much or calls itself without end."""
    from jinja2 import TemplateError, TemplateSyntaxError

    env = environment(template_dirs, undefined)
    pieces: list[str] = []
    size = 0
    where = name
    try:
        template = env.get_template(name)
        where = template.filename or name
        _check_sections(env, name, where, context.get("sections", ()))
        with _deadline(RENDER_SECONDS):
            for piece in template.generate(**context):
                size += len(piece)
                if size > MAX_HTML:
                    raise InputError("render.too_large", file=where, limit=MAX_HTML)
                pieces.append(piece)
    except InputError:
        raise
    except TemplateSyntaxError as exc:
        raise InputError("render.template", file=exc.filename or name, line=exc.lineno,
                         detail=exc.message or str(exc)) from None
    except _TooSlow:
        raise InputError("render.too_slow", file=where, seconds=RENDER_SECONDS) from None
    except RecursionError as exc:
        file, line = template_location(exc, name)
        raise InputError("render.template", file=file, line=line,
                         detail="a template or macro calls itself without end") from None
    except MemoryError:
        raise InputError("render.too_large", file=where, limit=MAX_HTML) from None
    except Exception as exc:  # an editor's expression: Jinja's, or Python's from it
        file, line = template_location(exc, name)
        if not isinstance(exc, TemplateError) and line == "?":
            raise  # not raised in a template: ours, exit 1 with the traceback in the log
        detail = str(exc) if isinstance(exc, TemplateError) else f"{type(exc).__name__}: {exc}"
        raise InputError("render.template", file=file, line=line, detail=detail) from None
    return "".join(pieces)


def template_location(exc: BaseException, default: str) -> tuple[str, object]:
    """The innermost template frame of a rendering error's traceback."""
    tb = exc.__traceback__
    file: str = default
    line: object = "?"
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".j2", ".html", ".css")):
            file, line = name, tb.tb_lineno
        tb = tb.tb_next
    return file, line
