"""The package's own message catalogue: error messages and model names in zh and en.

Python code holds keys; the sentences live in `messages.toml` beside this file, so a
missing translation is a test failure, not a surprise in front of a user.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from string import Formatter

LANGUAGES = ("zh", "en")
_CATALOGUE = Path(__file__).with_name("messages.toml")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Flatten `messages.toml` into {"dotted.key": {"zh": ..., "en": ...}}."""
    with _CATALOGUE.open("rb") as fh:
        raw = tomllib.load(fh)
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict) -> None:
        if set(node) & set(LANGUAGES):
            flat[prefix] = {lang: node[lang] for lang in LANGUAGES if lang in node}
            return
        for key, value in node.items():
            walk(f"{prefix}.{key}" if prefix else key, value)

    walk("", raw)
    return flat


def text(key: str, lang: str, /, **params: object) -> str:
    """The message `key` in `lang`, with `params` filled in; a parameter given in both
    languages (`Both`) fills in the one of `lang`."""
    entry = catalogue()[key]
    return entry[lang].format(**{name: value[lang] if isinstance(value, Both) else value
                                 for name, value in params.items()})


class Both(dict):
    """A parameter of a message in both languages: `Both(zh="…", en="…")`."""

    def __str__(self) -> str:
        return self.get("en", "")

    def __hash__(self) -> int:  # type: ignore[override]  # a Problem (frozen) holds it
        return hash(tuple(sorted(self.items())))


def placeholders(key: str, lang: str) -> set[str]:
    """Names of the `{placeholders}` a message uses (for catalogue tests)."""
    return {name for _, name, _, _ in Formatter().parse(catalogue()[key][lang]) if name}


def label(key: str) -> dict[str, str]:
    """A {"zh", "en"} pair, e.g. a model's display name for results.json."""
    entry = catalogue()[key]
    return {lang: entry[lang] for lang in LANGUAGES}


def with_nouns(text: str, nouns: Mapping[str, str]) -> str:
    """`text` with the entity nouns filled in ({Noun} fixed effects -> State fixed
    effects) and any other brace left as it is (a label is not a format string)."""
    for name, word in nouns.items():
        text = text.replace("{" + name + "}", word)
    return text
