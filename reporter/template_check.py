"""`reporter templates check`: every error in an editor's template folder, each with file
and line. It parses every template, matches each literal `t("key")` against both
catalogues, checks the editor's catalogue entries, then renders the brief in both
languages from the bundled study's results; an undefined name found while rendering is
recorded and tolerated on the next pass, so one check finds them all (a real run stops at
the first)."""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from reporter import messages
from reporter.config import DEFAULT_CONFIG, Config, load_config
from reporter.errors import InputError, ReporterError
from reporter.render import html
from reporter.render.html import BRIEF_TEMPLATE, DEFAULT_TEMPLATES
from reporter.render.placeholders import Problem, catalogue_problems

TEMPLATE_SUFFIXES = (".j2", ".html", ".css")
MAX_PASSES = 100  # renders per language: each finds one undefined name more


def _key_line(path: Path, dotted: str) -> int | None:
    """The line of `dotted`'s last part in a catalogue file, after its table's header."""
    *table, name = dotted.split(".")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    inside = not table
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if text.startswith("["):
            inside = text.strip("[]").strip() == ".".join(table)
        elif inside and re.match(rf"{re.escape(name)}\s*=", text):
            return number
    return None


def check_templates(folder: Path) -> tuple[list[Problem], int]:
    """Every error found in `folder` (read before the defaults), and the number of
    template files checked."""
    from jinja2 import TemplateSyntaxError

    from reporter.render.i18n import load_catalogue

    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise InputError("templates.not_found", file=folder)
    dirs = [folder, DEFAULT_TEMPLATES]
    env = html.environment(dirs)
    problems: list[Problem] = []
    keys: list[tuple[str, int, str]] = []
    files = _effective_templates(dirs)
    for name, path in files.items():
        try:
            tree = env.parse(path.read_text(encoding="utf-8"), name, str(path))
        except TemplateSyntaxError as exc:
            problems.append(Problem.of(path, exc.lineno, "templates.syntax", detail=exc.message))
            continue
        except UnicodeDecodeError as exc:
            problems.append(Problem.of(path, "?", "templates.syntax",
                                       detail=f"not UTF-8 (byte {exc.start})"))
            continue
        keys += [(str(path), line, key) for line, key in _literal_keys(tree)]
    catalogues: dict[str, dict[str, str]] = {}
    for lang in messages.LANGUAGES:
        try:
            catalogues[lang] = load_catalogue(dirs, lang)
        except InputError as exc:
            raw = exc.params.get("detail", "")
            where = re.search(r"at line (\d+)", str(raw))
            line: int | str = int(where.group(1)) if where else "?"
            detail: str | messages.Both = raw if isinstance(raw, messages.Both) else str(raw)
            if "key" in exc.params:  # one entry is wrong: name it, and its line if found
                key = str(exc.params["key"])
                detail = messages.Both({
                    lang: f"`{key}`: {raw[lang] if isinstance(raw, messages.Both) else raw}"
                    for lang in messages.LANGUAGES})
                line = _key_line(Path(str(exc.params.get("file", ""))), key) or line
            problems.append(Problem.of(exc.params.get("file", folder), line,
                                       "templates.catalogue", detail=detail))
    missing: dict[str, set[str]] = {lang: set() for lang in messages.LANGUAGES}
    for file, line, key in keys:
        for lang, catalogue in catalogues.items():
            if key not in catalogue:
                problems.append(Problem.of(file, line, "templates.missing_key", key=key,
                                           lang=lang))
                missing[lang].add(key)
    if len(catalogues) == len(messages.LANGUAGES):
        problems += catalogue_problems(folder, catalogues)
        if all(p.key != "templates.syntax" for p in problems):  # else it stops there
            problems += _render(dirs, missing)
    unique = sorted(dict.fromkeys(problems), key=lambda p: (
        p.file, p.line if isinstance(p.line, int) else sys.maxsize))
    return unique, len(files)


def _effective_templates(dirs: list[Path]) -> dict[str, Path]:
    """Template name -> the file the loader would use (earlier folders win)."""
    files: dict[str, Path] = {}
    for folder in reversed(dirs):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in TEMPLATE_SUFFIXES:
                files[path.relative_to(folder).as_posix()] = path
    return dict(sorted(files.items()))


def _literal_keys(tree: Any) -> Iterator[tuple[int, str]]:
    """(line, key) of every `t("key")` in a parsed template, both arms of `t(a if c else b)`."""
    from jinja2 import nodes

    for call in tree.find_all(nodes.Call):
        if not (isinstance(call.node, nodes.Name) and call.node.name == "t" and call.args):
            continue
        arg = call.args[0]
        for option in [arg.expr1, arg.expr2] if isinstance(arg, nodes.CondExpr) else [arg]:
            if isinstance(option, nodes.Const) and isinstance(option.value, str):
                yield call.lineno, option.value


_SAMPLES: dict[tuple[bytes | None, ...], tuple[Any, Config]] = {}
RULE_FILES = ("rules.toml", "recommendations.toml")  # what of a folder the analysis reads


def _sample(dirs: tuple[Path, ...]) -> tuple[Any, Config]:
    """The bundled study's results with the folders' rules (analysis only, no PDFs, and no
    bootstrap: the check is about the templates, and an editor runs it after every edit).
    Kept for the process by the rule files' contents, so a preview or a second check of
    other templates does not analyse again."""
    from reporter import pipeline

    key = tuple(path.read_bytes() if path.is_file() else None
                for path in (folder / name for folder in dirs for name in RULE_FILES))
    if key not in _SAMPLES:
        config = load_config(DEFAULT_CONFIG)
        config = replace(config, inference=replace(config.inference, bootstrap=False))
        if len(_SAMPLES) >= 8:
            _SAMPLES.clear()
        _SAMPLES[key] = pipeline.analyse(config, pipeline.Timer(), rule_dirs=list(dirs)), config
    return _SAMPLES[key]


def _render(dirs: list[Path], missing: dict[str, set[str]]) -> list[Problem]:
    """Render the brief in each language; keys reported missing get stand-ins so the
    pass goes on to find the next error."""
    try:
        results, config = _sample(tuple(dirs))
    except ReporterError as exc:  # e.g. the editor's rules: the error's own message
        return [Problem.of(exc.params.get("file", dirs[0]), exc.params.get("line", "?"),
                           exc.key, **exc.params)]
    found: list[Problem] = []
    with tempfile.TemporaryDirectory() as tmp:
        stub = Path(tmp) / "stub"
        (stub / "i18n").mkdir(parents=True)
        for lang, keys in missing.items():
            (stub / "i18n" / f"{lang}.toml").write_text(
                "".join(f"{json.dumps(k)} = {json.dumps(k)}\n" for k in sorted(keys)),
                encoding="utf-8")
        for lang in messages.LANGUAGES:
            found += _render_language(results, config, lang, [stub, *dirs], Path(tmp))
        hide = f"'{stub}', "  # the stand-ins' folder is ours, not the editor's

        def clean(value: str | messages.Both) -> str | messages.Both:
            if isinstance(value, messages.Both):
                return messages.Both({k: v.replace(hide, "") for k, v in value.items()})
            return value.replace(hide, "")

        return [Problem(p.file, p.line, p.key, tuple((k, clean(v)) for k, v in p.params))
                for p in found]


def _render_language(results: Any, config: Config, lang: str, dirs: list[Path],
                     tmp: Path) -> list[Problem]:
    """Render `lang` until it passes: each pass that stops at an undefined name records
    it (file and line from the error) and lets it render as empty on the next."""
    from reporter import pipeline
    from reporter.render.brief import draw_charts, render_brief

    undefined = _tolerant()
    found: list[Problem] = []
    try:
        charts = draw_charts(results, config, lang, dirs, tmp / "charts")  # once, not per pass
        meta = pipeline.render_meta(results)
        for _ in range(MAX_PASSES):
            undefined.failed = None
            try:
                render_brief(results, config, lang, dirs, tmp / "charts",
                             meta, charts=charts, export=False,
                             undefined=undefined)
                return found
            except InputError as exc:
                failed = undefined.failed
                if failed is None or failed[0] not in str(exc.params.get("detail", "")):
                    raise
                message, unsafe = failed
                found.append(Problem.of(exc.params.get("file", BRIEF_TEMPLATE),
                                        exc.params.get("line", "?"),
                                        "templates.unsafe" if unsafe else "templates.undefined",
                                        detail=message))
                undefined.tolerated.add(message)
    except InputError as exc:
        found.append(_from_error(exc, lang))
    except Exception as exc:
        file, line = html.template_location(exc, BRIEF_TEMPLATE)
        found.append(Problem.of(file, line, "templates.error",
                                detail=f"{type(exc).__name__}: {exc}"))
    return found


def _from_error(exc: InputError, lang: str) -> Problem:
    if exc.key == "render.missing_message":
        file, line = html.template_location(exc, BRIEF_TEMPLATE)
        return Problem.of(file, line, "templates.missing_key", key=exc.params["key"],
                          lang=exc.params.get("lang", lang))
    where: tuple[object, object] = (exc.params.get("file"), exc.params.get("line", "?"))
    if where[0] is None:
        where = html.template_location(exc, BRIEF_TEMPLATE)
    detail = exc.params.get("detail") or messages.Both(
        {lang: exc.message(lang) for lang in messages.LANGUAGES})
    return Problem.of(*where, "templates.error", detail=detail)


def _tolerant() -> Any:
    """An Undefined class for one language's passes: a name not yet reported fails (and
    says which, in `failed`); a reported one renders as empty, chained or iterated."""
    from jinja2 import ChainableUndefined
    from jinja2.exceptions import SecurityError

    class Tolerant(ChainableUndefined):
        __slots__ = ()
        tolerated: ClassVar[set[str]] = set()
        failed: ClassVar[tuple[str, bool] | None] = None

        def _check(self) -> None:
            message = self._undefined_message
            if message not in type(self).tolerated:
                type(self).failed = (message,
                                     issubclass(self._undefined_exception, SecurityError))
                self._fail_with_undefined_error()

        def __str__(self) -> str:
            self._check()
            return ""

        def __iter__(self):
            self._check()
            return iter(())

        def __bool__(self) -> bool:
            self._check()
            return False

        def __len__(self) -> int:
            self._check()
            return 0

    Tolerant.tolerated = set()
    return Tolerant
