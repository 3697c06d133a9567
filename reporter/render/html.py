"""Jinja2 in its sandbox, with autoescaping, loading an editor's folder before the defaults."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from reporter.bundled import TEMPLATES
from reporter.errors import InputError

DEFAULT_TEMPLATES = TEMPLATES
BRIEF_TEMPLATE = "brief.html.j2"


@cache
def _compiled_templates():
    """Compiled templates kept for the life of the process, keyed by template name and
    file and checked against a hash of the source, so an edited template is compiled
    again: a batch compiles each template once, not once a brief and language."""
    from jinja2.bccache import BytecodeCache

    class MemoryBytecodeCache(BytecodeCache):
        def __init__(self) -> None:
            self.store: dict[str, bytes] = {}

        def load_bytecode(self, bucket) -> None:
            if bucket.key in self.store:
                bucket.bytecode_from_string(self.store[bucket.key])

        def dump_bytecode(self, bucket) -> None:
            self.store[bucket.key] = bucket.bytecode_to_string()

    return MemoryBytecodeCache()


def environment(template_dirs: Sequence[Path]):
    """A SandboxedEnvironment: editors may change wording and layout, not reach Python."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from reporter.render import fmt

    # one set of options for every environment, as the compiled templates are shared
    env = SandboxedEnvironment(
        loader=FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, bytecode_cache=_compiled_templates())
    env.filters.update(num=fmt.num, pval=fmt.pval, stars=fmt.stars, integer=fmt.integer)
    return env


def render_html(template_dirs: Sequence[Path], context: dict[str, Any],
                name: str = BRIEF_TEMPLATE) -> str:
    """Render one template; any template error names the file and line (exit 2)."""
    from jinja2 import TemplateError, TemplateSyntaxError
    from jinja2.exceptions import SecurityError

    env = environment(template_dirs)
    try:
        return env.get_template(name).render(**context)
    except InputError:
        raise
    except TemplateSyntaxError as exc:
        raise InputError("render.template", file=exc.filename or name, line=exc.lineno,
                         detail=exc.message or str(exc)) from None
    except (TemplateError, SecurityError) as exc:
        file, line = _template_location(exc, name)
        raise InputError("render.template", file=file, line=line, detail=str(exc)) from None


def _template_location(exc: BaseException, default: str) -> tuple[str, object]:
    """The innermost template frame of a rendering error's traceback."""
    tb = exc.__traceback__
    file, line = default, "?"
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".j2", ".html", ".css")):
            file, line = name, tb.tb_lineno
        tb = tb.tb_next
    return file, line
