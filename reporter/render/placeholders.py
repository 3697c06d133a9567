"""An editor's catalogue entries against what the code fills: placeholders it never passes,
keys given in one language only. Shared by `templates check` and by every run, which
refuses such a typo before it spends its time (the brief would stop half-way)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from string import Formatter

from reporter import messages
from reporter.config import TomlContext
from reporter.errors import InputError
from reporter.render.html import DEFAULT_TEMPLATES
from reporter.render.i18n import NOUN_PLACEHOLDERS, flatten, load_catalogue


@dataclass(frozen=True)
class Problem:
    """One error in a template folder: where it is and what (a messages.toml key)."""

    file: str
    line: int | str
    key: str
    params: tuple[tuple[str, str | messages.Both], ...] = ()

    @classmethod
    def of(cls, file: object, line: object, message: str, /, **params: object) -> Problem:
        line = line if isinstance(line, int) else str(line)
        return cls(str(file), line, message, tuple(
            (k, v if isinstance(v, messages.Both) else str(v)) for k, v in params.items()))

    def lines(self) -> list[str]:
        """`file:line: message`, in Chinese then English."""
        return [f"{self.file}:{self.line}: {messages.text(self.key, lang, **dict(self.params))}"
                for lang in messages.LANGUAGES]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def catalogue_problems(folder: Path, merged: dict[str, dict[str, str]]) -> list[Problem]:
    """The editor's entries in `folder`: placeholders the code does not pass, keys in one
    language. `merged`: each language's catalogue with the defaults."""
    problems: list[Problem] = []
    for lang in messages.LANGUAGES:
        path = folder / "i18n" / f"{lang}.toml"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        ctx = TomlContext(path, text)
        with (DEFAULT_TEMPLATES / "i18n" / f"{lang}.toml").open("rb") as fh:
            defaults = flatten(tomllib.load(fh))
        others = [other for other in messages.LANGUAGES if other != lang]
        for key, value in flatten(tomllib.loads(text)).items():
            for other in others:
                if key not in merged[other]:
                    problems.append(Problem.of(path, ctx.line_of(key), "templates.one_language",
                                               key=key, lang=other))
            reference = defaults.get(key) or next(
                (merged[o][key] for o in others if key in merged[o]), None)
            try:
                used = _fields(value)
                allowed = (_fields(reference) | NOUN_PLACEHOLDERS if reference is not None
                           else used)
            except ValueError as exc:
                problems.append(Problem.of(path, ctx.line_of(key), "templates.catalogue",
                                           detail=f"`{key}`: {exc}"))
                continue
            if used - allowed:
                problems.append(Problem.of(
                    path, ctx.line_of(key), "templates.placeholder", key=key,
                    names=", ".join(f"{{{n}}}" for n in sorted(used - allowed)),
                    allowed=", ".join(f"{{{n}}}" for n in sorted(allowed)) or "—"))
    return problems


def check_placeholders(folders: list[Path]) -> None:
    """Refuse (exit 2), before a run spends its time, an editor's message with a
    placeholder the code never fills."""
    if not folders:
        return
    dirs = [*folders, DEFAULT_TEMPLATES]
    merged = {lang: load_catalogue(dirs, lang) for lang in messages.LANGUAGES}
    for folder in folders:
        for problem in catalogue_problems(folder, merged):
            if problem.key == "templates.placeholder":
                raise InputError("templates.placeholder_at", file=problem.file,
                                 line=problem.line, **dict(problem.params))
