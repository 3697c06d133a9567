"""Message catalogues of the brief (templates/i18n/<lang>.toml), owned by editors.

Keys are dotted paths into the TOML tables. An editor's folder is read before the
defaults, so an editor may override single keys. A missing key is an error, never a
silently English word in the Chinese brief.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from string import Formatter

from reporter.errors import InputError
from reporter.messages import Both

MAX_FORMAT_NUMBER = 100  # a width or precision in `{x:>10.3f}`; more is a typo or an attack
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# a placeholder right after a Chinese character ("1982 年{top}")
_AFTER_HANZI = re.compile(r"(?<=[\u4e00-\u9fff])\{([A-Za-z_][A-Za-z0-9_]*)\}")
# and one right before a Chinese character ("{leader}最高")
_BEFORE_HANZI = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}(?=[\u4e00-\u9fff])")


def spaced(template: str, params: Mapping[str, object]) -> str:
    """A Chinese template with its Latin values set off by a space: one that opens with a
    digit or a Latin letter from the Chinese before it ("1982 年 119号劳动者", "均取自
    Arellano 与 Bond", as the catalogue sets off its own numbers and names), and one that
    ends with a Latin letter from the Chinese after it ("Massachusetts 最高"; "119号"
    ends in Chinese)."""
    if "{" not in template:
        return template
    template = _AFTER_HANZI.sub(
        lambda m: (" " if isinstance(v := params.get(m[1]), str) and v[:1].isascii()
                   and v[:1].isalnum() else "") + m[0], template)
    return _BEFORE_HANZI.sub(
        lambda m: m[0] + (" " if isinstance(v := params.get(m[1]), str)
                          and v[-1:].isascii() and v[-1:].isalpha() else ""), template)


# the entities' noun right before another placeholder ("各{noun}{dependent}")
_NOUN_THEN_LABEL = re.compile(r"\{(noun|nouns|Noun|Nouns)\}\{([A-Za-z_][A-Za-z0-9_]*)\}")

# words after which a label reads without "the": "1% more probability of arrest", "mean
# crime rate", "the highest crime rate"
_NO_THE = frozenset({"more", "less", "mean", "average", "highest", "lowest", "higher",
                     "lower", "the", "a", "an", "its", "their", "each", "every", "per", "no"})
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def with_the(template: str, params: Mapping[str, object], labels: Collection[str]) -> str:
    """An English sentence template with "the" before each placeholder whose value is one
    of `labels` (Config.with_the: "the crime rate"), unless a word before it rules the
    article out ("more", "mean", "highest"). A title or caption (no sentence end in it)
    keeps a label that opens it bare ("Crime rate by county"), and an equation its
    subscripted labels."""
    if not labels:
        return template
    sentence = re.search(r"[.!?](\s|$)", template) is not None
    out, last = [], 0
    for match in _PLACEHOLDER.finditer(template):
        value = params.get(match[1])
        before = re.findall(r"[A-Za-z]+", template[max(0, match.start() - 20):match.start()])
        if isinstance(value, str) and value in labels and (
                (not before and sentence) or (before and before[-1].lower() not in _NO_THE)) \
                and not template[match.end():].startswith("ᵢ"):
            out.append(template[last:match.start()] + "the ")
            last = match.start()
    return "".join(out) + template[last:]


def check_message(text: str, file: Path, key: str,
                  allowed: Collection[str] | None = None) -> set[str]:
    """An editor's message is a format string whose placeholders are plain names (no
    attribute or index access, which would reach into Python), with small widths, and
    only `allowed` names when given; returns its placeholders. Exit 2, named, otherwise."""
    try:
        fields = [(name, spec) for _, name, spec, _ in Formatter().parse(text)
                  if name is not None]
    except ValueError as exc:
        raise InputError("render.bad_message", file=file, key=key, detail=str(exc)) from None
    names = set()
    for name, spec in fields:
        if not _PLAIN.fullmatch(name):
            raise InputError("render.bad_message", file=file, key=key, detail=Both(
                en=f"{{{name}}}: a placeholder is a plain name",
                zh=f"{{{name}}}：占位符只能是简单的名称"))
        numbers = [int(n) for n in re.findall(r"\d+", spec or "")]
        if "{" in (spec or "") or any(n > MAX_FORMAT_NUMBER for n in numbers):
            raise InputError("render.bad_message", file=file, key=key, detail=Both(
                en=f"{{{name}:{spec}}}: widths and precisions go up to {MAX_FORMAT_NUMBER}",
                zh=f"{{{name}:{spec}}}：宽度与精度最多为 {MAX_FORMAT_NUMBER}"))
        if allowed is not None and name not in allowed:
            known = "{" + "}, {".join(sorted(allowed)) + "}"
            raise InputError("render.bad_message", file=file, key=key, detail=Both(
                en=f"{{{name}}} is not one of {known}", zh=f"{{{name}}} 不在可用的 {known} 之中"))
        names.add(name)
    return names


def flatten(node: dict, prefix: str = "") -> dict[str, str]:
    """A catalogue's nested tables as dotted keys -> text."""
    flat: dict[str, str] = {}
    for key, value in node.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(flatten(value, dotted))
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
            entries = flatten(tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError("render.template", file=path, line="?", detail=str(exc)) from None
        for key, text in entries.items():
            check_message(text, path, key)
        merged.update(entries)
    return merged


# what the entities are called when the study does not say (Config.nouns)
DEFAULT_NOUNS = {"zh": {"noun": "地区", "nouns": "地区", "Noun": "地区", "Nouns": "地区",
                        "whole": "全区", "topic": "区域发展"},
                 "en": {"noun": "region", "nouns": "regions", "Noun": "Region",
                        "Nouns": "Regions", "whole": "regional", "topic": "regional development"}}
NOUN_PLACEHOLDERS = frozenset(DEFAULT_NOUNS["en"])


class Translator:
    """`t(key, **params)` for templates: the catalogue entry with `{params}` filled in."""

    def __init__(self, catalogue: dict[str, str], lang: str,
                 nouns: Mapping[str, str] | None = None,
                 the: Collection[str] = ()) -> None:
        self.catalogue = catalogue
        self.lang = lang
        # English labels that sentences give "the" (Config.with_the)
        self.the = frozenset(the) if lang == "en" else frozenset()
        # {noun}, {nouns}, {Noun}, {Nouns} (what the entities are): in every message
        self.nouns = dict(nouns if nouns is not None else DEFAULT_NOUNS[lang])

    def __call__(self, key: str, **params: object) -> str:
        return self._text(key, params, opens=True)

    def inline(self, key: str, **params: object) -> str:
        """The message for the middle of a sentence: a leading label keeps its case."""
        return self._text(key, params, opens=False)

    def _text(self, key: str, params: dict[str, object], opens: bool) -> str:
        try:
            template = self.catalogue[key]
        except KeyError:
            raise InputError("render.missing_message", key=key, lang=self.lang) from None
        if self.lang == "zh":
            template = spaced(template, params)
            template = _NOUN_THEN_LABEL.sub(lambda m: self._joined(m, params), template)
        opens_with_label = template.startswith("{")
        template = with_the(template, params, self.the)
        try:
            text = template.format(**{**self.nouns, **params})
        except (KeyError, IndexError, ValueError) as exc:
            raise InputError("render.bad_placeholder", key=key, lang=self.lang,
                             detail=f"{type(exc).__name__}: {exc}",
                             given=", ".join(sorted(params)) or "—") from None
        if opens and self.lang == "en" and opens_with_label and text[:1].islower():
            text = text[0].upper() + text[1:]  # a label opens the title or sentence
        return text

    def _joined(self, match: re.Match, params: Mapping[str, object]) -> str:
        """`{noun}{label}` with 的 between them when the label opens with the noun's last
        character: 各州的州生产总值, not 各州州生产总值 (各县犯罪率 stays as it is)."""
        noun, value = self.nouns.get(match[1], ""), params.get(match[2])
        if isinstance(value, str) and noun and value.startswith(noun[-1]):
            return f"{{{match[1]}}}的{{{match[2]}}}"
        return match[0]

    def has(self, key: str) -> bool:
        return key in self.catalogue


LISTED = 5  # names a sentence lists before "and N more"


def listed(names: Sequence[str], t: Translator) -> str:
    """Names joined in the language's way, the first LISTED and how many more."""
    separator = "、" if t.lang == "zh" else ", "
    if len(names) <= LISTED:
        return separator.join(names)
    return t.inline("findings.listed_more", names=separator.join(names[:LISTED]),
                    total=len(names))
