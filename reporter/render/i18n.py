"""Message catalogues of the brief (templates/i18n/<lang>.toml), owned by editors.

Keys are dotted paths into the TOML tables. An editor's folder is read before the
defaults, so an editor may override single keys. A missing key is an error, never a
silently English word in the Chinese brief.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path

from reporter.errors import InputError


def _flatten(node: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in node.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted))
        else:
            flat[dotted] = str(value)
    return flat


def load_catalogue(template_dirs: Sequence[Path], lang: str) -> dict[str, str]:
    """Merge `i18n/<lang>.toml` from each folder; earlier folders win."""
    merged: dict[str, str] = {}
    for folder in reversed(list(template_dirs)):
        path = folder / "i18n" / f"{lang}.toml"
        if not path.is_file():
            continue
        try:
            merged.update(_flatten(tomllib.loads(path.read_text(encoding="utf-8"))))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError("render.template", file=path, line="?", detail=str(exc)) from None
    return merged


class Translator:
    """`t(key, **params)` for templates: the catalogue entry with `{params}` filled in."""

    def __init__(self, catalogue: dict[str, str], lang: str) -> None:
        self.catalogue = catalogue
        self.lang = lang

    def __call__(self, key: str, **params: object) -> str:
        try:
            template = self.catalogue[key]
        except KeyError:
            raise InputError("render.missing_message", key=key, lang=self.lang) from None
        try:
            text = template.format(**params)
        except (KeyError, IndexError, ValueError) as exc:
            raise InputError("render.bad_placeholder", key=key, lang=self.lang,
                             detail=f"{type(exc).__name__}: {exc}",
                             given=", ".join(sorted(params)) or "—") from None
        if self.lang == "en" and template.startswith("{") and text[:1].islower():
            text = text[0].upper() + text[1:]  # a label opens the title or sentence
        return text

    def has(self, key: str) -> bool:
        return key in self.catalogue
