"""Where an editor's copies of the templates came from, and what changed since: `templates
export` records the bundled version of every file it copies (`.bundled.json`), `templates
check` says which bundled files changed under an editor's copy and which overridden blocks
the bundled brief no longer has, and `templates diff` shows an editor's changes."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from reporter import __version__
from reporter.render.html import BUNDLED_PREFIX, DEFAULT_TEMPLATES

RECORD = ".bundled.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bundled_files() -> dict[str, Path]:
    """Every bundled template file by its name relative to the template folder."""
    # hidden files and caches are left out, judged below the folder (a venv is often hidden)
    return {p.relative_to(DEFAULT_TEMPLATES).as_posix(): p
            for p in sorted(DEFAULT_TEMPLATES.rglob("*")) if p.is_file()
            and not any(part.startswith((".", "__"))
                        for part in p.relative_to(DEFAULT_TEMPLATES).parts)}


def record(folder: Path, names: list[str]) -> Path:
    """Write `folder`/.bundled.json: reporter's version and the hash of each file copied."""
    files = bundled_files()
    path = Path(folder) / RECORD
    path.write_text(json.dumps({"reporter": __version__,
                                "files": {n: _sha256(files[n]) for n in names}},
                               indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _read(folder: Path) -> dict:
    try:
        data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else {}


def notices(folder: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(file, message key, params) for each bundled file changed under the editor's copy
    since it was exported, and each block an editor's template overrides that the bundled
    template it extends does not have."""
    folder = Path(folder)
    recorded = _read(folder)
    files = bundled_files()
    for name, digest in sorted(recorded.get("files", {}).items()):
        mine, theirs = folder / name, files.get(name)
        if not mine.is_file() or theirs is None or _sha256(theirs) == digest:
            continue
        key = ("templates.stale_copy" if _sha256(mine) == digest
               else "templates.bundled_changed")
        yield str(mine), key, {"name": name, "since": str(recorded.get("reporter", "?")),
                               "now": __version__}
    yield from _lost_blocks(folder)


def _lost_blocks(folder: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    from jinja2 import TemplateError, nodes

    from reporter.render import html

    env = html.environment([folder, DEFAULT_TEMPLATES])
    for path in sorted(folder.rglob("*.j2")):
        try:
            tree = env.parse(path.read_text(encoding="utf-8"))
        except (TemplateError, UnicodeDecodeError, OSError):
            continue  # `templates check` reports it
        parents = [n.template.value for n in tree.find_all(nodes.Extends)
                   if isinstance(n.template, nodes.Const)
                   and str(n.template.value).startswith(f"{BUNDLED_PREFIX}/")]
        if not parents:
            continue
        known = set(html.template_blocks(env, parents[0]))
        for block in tree.find_all(nodes.Block):
            if block.name not in known:
                yield (f"{path}:{block.lineno}", "templates.block_not_bundled",
                       {"block": block.name, "parent": parents[0]})


def diff(folder: Path) -> Iterator[str]:
    """Unified diffs, bundled file first, of every file in `folder` that has a bundled
    counterpart and differs from it."""
    folder = Path(folder)
    for name, theirs in bundled_files().items():
        mine = folder / name
        if not mine.is_file():
            continue
        a = theirs.read_text(encoding="utf-8").splitlines(keepends=True)
        b = mine.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        yield from difflib.unified_diff(a, b, f"{BUNDLED_PREFIX}/{name}", str(mine))
