"""Message catalogues: the package's (reporter/messages.toml) and the brief's
(templates/i18n/<lang>.toml). Both languages everywhere, the same placeholders, every key the
code uses present, and wording that never overclaims."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from string import Formatter

import pytest
from jinja2 import Environment, nodes

from reporter import messages
from reporter.errors import EstimationError, InputError, ReporterError

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reporter"
TEMPLATES = ROOT / "templates"
LANGS = ("zh", "en")
KEY_LITERAL = re.compile(r"(config|load|estimate|render|write|internal)\.[a-z_]+")
ERROR_CALLS = {"InputError", "EstimationError", "ReporterError", "LockError", "fail"}
# "config.toml" has a message key's shape but is a file name
FILE_SUFFIXES = {"py", "toml", "csv", "json", "html", "css", "j2", "pdf", "png", "log", "txt",
                 "xlsx", "parquet"}


def fields(text: str) -> set[str]:
    """The `{placeholder}` names of a format string."""
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def flatten(node: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in node.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(flatten(value, dotted))
        else:
            flat[dotted] = value
    return flat


def brief_catalogue(lang: str) -> dict[str, object]:
    with (TEMPLATES / "i18n" / f"{lang}.toml").open("rb") as fh:
        return flatten(tomllib.load(fh))


BRIEF = {lang: brief_catalogue(lang) for lang in LANGS}


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


# --- the package catalogue -------------------------------------------------------------

CATALOGUE = messages.catalogue()


def test_catalogue_is_not_empty():
    assert len(CATALOGUE) > 30
    assert {"config.unknown_key", "load.duplicate_key", "internal.unexpected"} <= set(CATALOGUE)


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_message_in_both_languages_with_the_same_placeholders(key):
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGS), key
    for lang in LANGS:
        assert isinstance(entry[lang], str) and entry[lang].strip(), (key, lang)
    assert fields(entry["zh"]) == fields(entry["en"]), key
    assert messages.placeholders(key, "zh") == messages.placeholders(key, "en")


@pytest.mark.parametrize("key", sorted(k for k in CATALOGUE if not k.startswith("model.")))
def test_every_message_can_be_raised_with_its_placeholders(key):
    """Including `{key}`, the config key, which must not collide with the message key."""
    params = {name: f"<{name}>" for name in messages.placeholders(key, "en")}
    error = InputError(key, **params)
    assert error.key == key
    for lang in LANGS:
        text = error.message(lang)
        for name in params:
            assert f"<{name}>" in text, (key, lang, name)
    assert error.bilingual().startswith("错误：")
    assert "\nError: " in error.bilingual()


def test_exit_codes():
    assert (ReporterError.exit_code, InputError.exit_code, EstimationError.exit_code) == (
        1, 2, 3)


def error_calls() -> list[tuple[str, int, str, ast.Call]]:
    """Every InputError/EstimationError/ReporterError/LockError/…fail("literal", …) call."""
    found = []
    for path in sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = (func.id if isinstance(func, ast.Name)
                    else func.attr if isinstance(func, ast.Attribute) else None)
            first = node.args[0]
            if (name in ERROR_CALLS and isinstance(first, ast.Constant)
                    and isinstance(first.value, str)):
                found.append((str(path.relative_to(ROOT)), node.lineno, first.value, node))
    return found


def test_every_error_key_used_in_the_code_is_catalogued():
    calls = error_calls()
    assert len(calls) > 30  # the scan finds the calls at all
    missing = [(f, line, key) for f, line, key, _ in calls if key not in CATALOGUE]
    assert missing == []


def test_every_key_like_string_in_the_code_is_catalogued():
    """Any string literal shaped like a message key (`load.not_found`), wherever it is."""
    used: dict[str, str] = {}
    for path in sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and KEY_LITERAL.fullmatch(node.value)
                    and node.value.rsplit(".", 1)[1] not in FILE_SUFFIXES):
                used.setdefault(node.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    assert len(used) > 30
    missing = {key: where for key, where in used.items() if key not in CATALOGUE}
    assert missing == {}


def test_every_error_call_passes_exactly_its_placeholders():
    """A missing parameter would be a KeyError while reporting an error (exit 1, not 2)."""
    problems = []
    for where, line, key, call in error_calls():
        if key not in CATALOGUE or any(k.arg is None for k in call.keywords):
            continue  # unknown keys fail above; **params cannot be checked statically
        given = {k.arg for k in call.keywords}
        if isinstance(call.func, ast.Attribute) and call.func.attr == "fail":
            given |= {"file", "key", "line"}  # added by config.TomlContext.fail
        needed = messages.placeholders(key, "zh") | messages.placeholders(key, "en")
        if given != needed:
            problems.append((where, line, key, sorted(needed - given), sorted(given - needed)))
    assert problems == []


# --- the brief catalogues --------------------------------------------------------------

def test_brief_catalogues_have_the_same_keys():
    zh, en = set(BRIEF["zh"]), set(BRIEF["en"])
    assert sorted(zh - en) == [] and sorted(en - zh) == []
    assert len(zh) > 50


@pytest.mark.parametrize("key", sorted(BRIEF["zh"]))
def test_brief_entries_are_text_with_the_same_placeholders(key):
    zh, en = BRIEF["zh"][key], BRIEF["en"].get(key)
    assert isinstance(zh, str) and zh.strip(), key
    assert isinstance(en, str) and en.strip(), key
    # what the entities are called ({noun}, {nouns}, …) follows each language's grammar
    from reporter.render.i18n import NOUN_PLACEHOLDERS

    assert fields(zh) - NOUN_PLACEHOLDERS == fields(en) - NOUN_PLACEHOLDERS, key


def template_keys() -> tuple[set[str], set[str]]:
    """Literal `t("…")` keys in templates/*.j2 (both branches of `t(a if c else b)`), and
    the templates' dynamic keys, reported so the test can flag them."""
    env = Environment()
    keys: set[str] = set()
    dynamic: set[str] = set()
    for path in sorted(TEMPLATES.rglob("*.j2")):
        tree = env.parse(path.read_text(encoding="utf-8"))
        for call in tree.find_all(nodes.Call):
            if not (isinstance(call.node, nodes.Name) and call.node.name == "t"):
                continue
            arg = call.args[0]
            options = [arg.expr1, arg.expr2] if isinstance(arg, nodes.CondExpr) else [arg]
            for option in options:
                if isinstance(option, nodes.Const) and isinstance(option.value, str):
                    keys.add(option.value)
                else:
                    dynamic.add(f"{path.name}:{call.lineno}")
    return keys, dynamic


def python_keys() -> tuple[set[str], set[str]]:
    """Literal `t("…")` keys in reporter/render/*.py, and the static prefixes of f-string
    keys (`t(f"finding.trend.{…}")` -> "finding.trend.")."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for path in sorted((PACKAGE / "render").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                    and call.func.id == "t" and call.args):
                continue
            arg = call.args[0]
            options = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
            for option in options:
                if isinstance(option, ast.Constant) and isinstance(option.value, str):
                    keys.add(option.value)
                elif isinstance(option, ast.JoinedStr):
                    head = option.values[0] if option.values else None
                    prefixes.add(head.value if isinstance(head, ast.Constant) else "")
                else:
                    prefixes.add("")
    return keys, prefixes


def test_template_keys_exist_in_both_catalogues():
    keys, dynamic = template_keys()
    assert {"cover.kicker", "method.balanced", "method.unbalanced"} <= keys  # the scan works
    assert dynamic == set(), "a template builds a t() key at run time; check it by hand"
    for lang in LANGS:
        assert sorted(keys - set(BRIEF[lang])) == [], lang


def test_render_code_keys_exist_in_both_catalogues():
    keys, _ = python_keys()
    assert {"method.equation", "table.regression.note_stars"} <= keys  # the scan works
    for lang in LANGS:
        assert sorted(keys - set(BRIEF[lang])) == [], lang


# Keys built at run time in reporter/render/*.py are not checked one by one by the scan
# above. Their prefixes (as of writing) are:
#   finding.core_effect.  finding.trend.  finding.  table.descriptives.  table.vif.
#   table.ranking.  table.   (the last from t(f"table.{table_id}.title"))
# The families below are spelled out from reading brief.py and tables.py.
DYNAMIC_FAMILIES = [
    *(f"finding.core_effect.{grade}.{direction}" for grade in ("strong", "suggestive", "none")
      for direction in ("positive", "negative")),
    "finding.trend.up", "finding.trend.down",
    *(f"table.descriptives.{c}" for c in ("variable", "n", "mean", "sd", "min", "max")),
    *(f"table.vif.{c}" for c in ("variable", "vif", "inverse")),
    *(f"table.ranking.{c}" for c in ("rank", "entity", "value", "change")),
    "table.baseline.title",
]


def test_dynamic_key_families_exist_in_both_catalogues():
    for lang in LANGS:
        assert sorted(set(DYNAMIC_FAMILIES) - set(BRIEF[lang])) == [], lang


def test_every_dynamic_prefix_has_keys_in_both_catalogues():
    _, prefixes = python_keys()
    assert "finding.core_effect." in prefixes  # the scan sees f-strings
    for prefix in prefixes:
        for lang in LANGS:
            assert any(key.startswith(prefix) for key in BRIEF[lang]), (prefix, lang)


# --- wording ---------------------------------------------------------------------------

OVERCLAIM = re.compile(r"prove|verif|证明|证实", re.IGNORECASE)


def test_overclaim_pattern_catches_the_words():
    for text in ("This proves it", "we prove", "verified", "Verification", "证明", "得到证实"):
        assert OVERCLAIM.search(text), text
    assert not OVERCLAIM.search("There is strong evidence 有较强证据表明")


@pytest.mark.parametrize("lang", LANGS)
def test_brief_wording_never_overclaims(lang):
    offending = {key: text for key, text in BRIEF[lang].items()
                 if isinstance(text, str) and OVERCLAIM.search(text)}
    assert offending == {}
