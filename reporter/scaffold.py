"""Editors' tools: `reporter init` (a new study folder) and `reporter templates export/check`.

`check` finds every error it can in one pass, each with file and line: it parses every
template, matches each literal `t("key")` against both catalogues, checks the editor's
catalogue entries, then renders the brief in both languages from the bundled study's
results with an undefined-name recorder (a real run stops at the first error).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

from reporter import messages, provenance
from reporter.config import _SCHEMA, _VARIABLE_KEYS, DEFAULT_CONFIG, Config, _Ctx, load_config
from reporter.errors import InputError, ReporterError
from reporter.literals import THEMES
from reporter.render import html
from reporter.render.html import BRIEF_TEMPLATE, DEFAULT_TEMPLATES
from reporter.render.i18n import NOUN_PLACEHOLDERS

STUDY_FILE = "study.toml"
DATA_FILE = "data/panel.csv"
TEMPLATE_SUFFIXES = (".j2", ".html", ".css")
TEMPLATES_README = """\
# Templates of this study / 本研究的模板

reporter reads this folder before its bundled templates (`report.templates` in the study
config, or `reporter run --templates DIR`). A file here replaces the bundled file of the
same name; in `i18n/zh.toml` and `i18n/en.toml` each key replaces only that key. Delete the
files you do not change, and keep only the keys you change, so that you still get the
improvements of later versions.

reporter 会先读取本目录、再读取自带模板。这里的文件会替换自带的同名文件；`i18n/zh.toml` 与
`i18n/en.toml` 中的每个键只替换对应的那一条。未修改的文件请删除、未修改的键请去掉，以便继续获得
新版本的改进。

- `brief.html.j2`: the brief's layout (Jinja2 in a sandbox), a base of named blocks; to
  change one section, keep a `brief.html.j2` that starts with
  `{% extends "bundled/brief.html.j2" %}` and overrides that block only /
  简报版式，由命名区块组成；只改一节时，保留以 `{% extends "bundled/brief.html.j2" %}`
  开头、只覆盖该区块的 `brief.html.j2`
- `sections/*.html.j2`: one file per section / 每节一个文件
- `macros.html.j2`: tables and figures / 表格与图
- `style.css`: fonts, page size, margins / 字体、页面与边距
- `i18n/zh.toml`, `i18n/en.toml`: every word of the brief; keep the `{placeholders}` /
  简报的全部文字，请保留 `{占位符}`

- `.bundled.json`: the bundled version of each file copied here; `reporter templates check`
  says when a bundled file changed since, `reporter templates diff <this folder>` shows your
  changes / 记录各文件复制自哪个版本；check 会提示自带文件的更新，diff 显示您的修改

After each edit / 每次修改后运行: `reporter templates check <this folder>`;
to see it as you type / 边改边看: `reporter templates preview <this folder>`
"""


# --- init and export -----------------------------------------------------------------

def export_templates(folder: Path) -> list[Path]:
    """Copy the bundled templates and catalogues into `folder`; never overwrite a file."""
    folder = Path(folder)
    sources = provenance.bundled_files()
    pairs = [(path, folder / name) for name, path in sources.items()]
    readme = folder / "README.md"
    for _, target in [*pairs, (None, readme), (None, folder / provenance.RECORD)]:
        if target.exists():
            raise InputError("scaffold.exists", file=target)
    try:
        for source, target in pairs:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        readme.write_text(TEMPLATES_README, encoding="utf-8")
        provenance.record(folder, list(sources))
    except OSError as exc:
        raise InputError("write.not_writable", file=folder, detail=exc.strerror) from None
    return [target for _, target in pairs] + [readme]


def init_study(folder: Path, source: Path | None = None, sheet: str | None = None) -> Path:
    """Create a study in `folder` (new or empty), all at once; returns its config file.
    With `source` (the user's workbook), the config is written for it (reporter/survey.py)
    and a copy of it goes to `data/`."""
    from reporter.survey import survey

    found = survey(Path(source), sheet) if source is not None else None
    folder = Path(folder).absolute()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError("scaffold.not_empty", file=folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(prefix=f".{folder.name}.init-", dir=folder.parent))
    except OSError as exc:
        raise InputError("write.not_writable", file=folder.parent, detail=exc.strerror) from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        build.chmod(0o777 & ~umask)
        export_templates(build / "templates")
        (build / "data").mkdir()
        config_file = build / STUDY_FILE
        if found is None:
            config_file.write_text(study_config(folder.name), encoding="utf-8")
        else:
            shutil.copyfile(found.path, build / "data" / found.path.name)
            config_file.write_text(surveyed_config(found, folder.name), encoding="utf-8")
        readme = data_readme(load_config(config_file))
        (build / "data" / "README.md").write_text(readme, encoding="utf-8")
        build.replace(folder)  # an empty folder is replaced in one step
    except OSError as exc:
        raise InputError("write.not_writable", file=folder, detail=exc.strerror) from None
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return folder / STUDY_FILE


def _toml(text: str) -> str:
    """A TOML basic string."""
    return json.dumps(text, ensure_ascii=False)


def surveyed_config(found, name: str) -> str:
    """A study config for the surveyed workbook: its data keys filled in, every numeric
    column under [variables] with the label and unit its header gives, and what the user
    must decide marked. A Chinese name standing in for an English one is what `reporter
    validate` then lists, so the config runs as it is with `--lang zh` and lists what to
    add for the English brief."""
    from reporter.config import UNITS_EN, header_unit

    numeric = found.numeric
    lines = [
        f"# Study config written by `reporter init --from {found.path.name}`.",
        "# Decide what is marked CHOOSE and FILL IN, then `reporter validate --config study.toml`:",
        "# it lists every English name the English brief still lacks.",
        "# 由 `reporter init --from` 根据您的数据生成。请确定标有 CHOOSE 与 FILL IN 的各项，",
        "# 然后运行 `reporter validate --config study.toml`：它会列出英文简报仍缺的英文名称。",
        "",
        "[study]",
        f'id = "{_slug(name)}"',
        'title = { zh = "（请填写简报标题）", en = "（请填写简报标题）" }  # FILL IN',
        'region = { zh = "（请填写地区）", en = "（请填写地区）" }  # FILL IN: 浙江省 / Zhejiang',
        f"year = {found.last_year}  # the reporting year: the data run "
        f"{found.first_year}–{found.last_year}",
        "",
        "[data]",
        f'path = {_toml("data/" + found.path.name)}',
    ]
    if found.sheet:
        lines.append(f"sheet = {_toml(found.sheet)}")
    lines += [f"entity = {_toml(found.entity)}  # {found.n_entities} entities",
              f"time = {_toml(found.time)}"]
    if found.header != 1:
        lines.append(f"header = {found.header}  # rows above it are the table's title")
    if found.total:
        lines.append(f"total = {_toml(found.total)}  # the whole-region row: kept out of the "
                     "models and ranks, used as the total")
    if found.english_names:
        lines.append(f"entity_names_en = {_toml(found.english_names)}")
    else:
        lines.append("# entity_names_en = \"…\"  # a column of English names; Chinese place "
                     "names are known without it")
    dependent, core, *rest = [*numeric, "", ""][:max(2, len(numeric))]
    lines += ["", "[model]",
              "# CHOOSE the dependent variable, the core explanatory variable and the controls",
              "# (选择被解释变量、核心解释变量与控制变量) among the numeric columns below.",
              f"dependent = {_toml(dependent)}  # CHOOSE",
              f"core = {_toml(core)}  # CHOOSE",
              f"controls = [{', '.join(_toml(c) for c in rest if c)}]  # CHOOSE"]
    lines += ["", "# Per variable, optionally / 可选: better = \"higher\" or \"lower\" (which way",
              "# is good / 越高越好或越低越好); lever = true (policy can move it / 政策可调节);",
              f"# theme = one or more of {', '.join(THEMES)}",
              "# (what it is about: advice on industries, firms or markets needs one / 政策主题)."]
    for column in numeric:
        label, unit = header_unit(column)
        english = label if label.isascii() else None
        lines += ["", f"[variables.{_toml(column)}]",
                  f"label = {{ zh = {_toml(label)}, en = {_toml(english or label)} }}"
                  + ("" if english else "  # FILL IN the English name")]
        if unit:
            unit_en = UNITS_EN.get(unit)
            lines.append(f"unit = {{ zh = {_toml(unit)}, en = {_toml(unit_en or unit)} }}"
                         + ("" if unit_en or unit.isascii() else "  # FILL IN the English unit"))
    if found.notes:
        lines += ["", "# The table's footnotes / 表注:", *(f"#   {n}" for n in found.notes)]
    return "\n".join(lines) + "\n"


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-._")[:80]
    return slug or "my-study"


def study_config(name: str) -> str:
    """The bundled study's config with a header listing every key, the new study's id, its
    data file and its template folder."""
    lines = DEFAULT_CONFIG.read_text(encoding="utf-8").splitlines()
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    replace = {
        ("study", "id"): f'id = "{_slug(name)}"  # names the output folder OUTPUT/<id>/<year>/',
        ("study", "illustrative"): "illustrative = true  # set to false once the data are real",
        ("data", "path"): f'path = "{DATA_FILE}"  # your panel, relative to this file',
    }
    templates_line = 'templates = "templates"  # your templates, read before the bundled ones'
    out: list[str] = []
    section = ""
    for line in lines:
        head = re.match(r"\s*\[([^\[\]]+)\]", line)
        if head:
            section = head.group(1).strip()
            out.append(line)
            if section == "report":
                out.append(templates_line)
            continue
        key = line.split("=", 1)[0].strip() if "=" in line else ""
        out.append(replace.get((section, key), line))
    if not any(re.match(r"\s*\[report\]", line) for line in out):
        out += ["", "[report]", templates_line]
    keys = "\n".join(f"#   [{section}] {', '.join(spec)}" for section, spec in _SCHEMA.items())
    header = f"""\
# Study config for `reporter`, made by `reporter init` from the bundled Zhejiang study.
# Change it to describe your study. Paths are relative to this file.
# 由 `reporter init` 从自带的浙江研究复制而来，请按您的研究修改。路径相对于本文件。
#
#   reporter validate --config {STUDY_FILE}   check the config and data / 检查配置与数据
#   reporter run --config {STUDY_FILE}        write output/<id>/<year>/ / 生成简报
#   reporter templates check templates      after editing templates / 修改模板后检查
#
# Known keys (any other key is an error) / 可用的键（其他键会报错）:
{keys}
#   [variables.<column>] {', '.join(_VARIABLE_KEYS)}  (each {{ zh = "…", en = "…" }})
# data/README.md lists the columns this config expects / 所需的数据列见 data/README.md.

"""
    return header + "\n".join(out) + "\n"


_ROLES = (("dependent", "被解释变量", "dependent variable"),
          ("core", "核心解释变量", "core explanatory variable"),
          ("controls", "控制变量", "control"), ("moderators", "调节变量", "moderator"),
          ("mediators", "中介变量", "mediator"), ("instruments", "工具变量", "instrument"),
          ("heterogeneity", "分组变量（每个个体固定）", "group, fixed within each entity"))


def data_readme(config: Config) -> str:
    """data/README.md: the file the config expects and every column it reads."""
    from reporter.load import MIN_ENTITIES, MIN_PERIODS

    def labels(column: str) -> tuple[str, str, str]:
        var = config.variables.get(column)
        unit = var.unit if var is not None and var.unit is not None else None
        return (config.label(column, "zh"), config.label(column, "en"),
                f"{unit.zh} / {unit.en}" if unit else "")

    spec = config.data
    rows = [(spec.entity, "个体（地区）名称", "entity: the region's name", "", "", ""),
            (spec.time, "年份（整数）", "time: the year, a whole number", "", "", "")]
    if spec.entity_names_en:
        rows.append((spec.entity_names_en, "个体的英文名称", "the entity's English name",
                     "", "", ""))
    for field, zh, en in _ROLES:
        value = getattr(config.model, field, None)
        for column in (value,) if isinstance(value, str) else tuple(value or ()):
            rows.append((column, zh, en, *labels(column)))
    table = "\n".join(f"| `{c}` | {zh} / {en} | {lz} | {le} | {u} |"
                      for c, zh, en, lz, le, u in rows)
    path = spec.path.relative_to(config.path.parent).as_posix() \
        if spec.path.is_relative_to(config.path.parent) else str(spec.path)
    return f"""\
# Data for this study / 本研究的数据

Put the panel in `{path}`, or point `data.path` in `{config.path.name}` at your file.
请把面板数据放在 `{path}`，或修改 `{config.path.name}` 中的 `data.path`。

- Formats / 格式: `.csv` (UTF-8, UTF-8 with BOM, or GBK as Excel saves it), `.xlsx` (one
  sheet, or name it with `data.sheet`), `.parquet`.
- One header row, then one row per entity and year; no merged cells.
  一行表头，之后每个个体每年一行；不要合并单元格。
- Model columns hold numbers only; an empty cell is a missing value, which reporter names
  by row and column and asks you to fill in. 模型变量列只能是数字；空单元格视为缺失，
  reporter 会指出行与列并请您补齐。
- At least {MIN_ENTITIES} entities and {MIN_PERIODS} years, including the reporting year
  `study.year` = {config.study.year}. 至少 {MIN_ENTITIES} 个个体、{MIN_PERIODS} 个年份，
  且包含报告年份。

| column 列名 | role 角色 | 中文名称 | English label | unit 单位 |
| --- | --- | --- | --- | --- |
{table}

Other columns are ignored. Rename a variable in the config (`[model]` and
`[variables.<column>]`) rather than in the data if you prefer your own names.
其他列会被忽略。若想沿用自己的列名，请修改配置中的 `[model]` 与 `[variables.<列名>]`。

Check with / 检查: `reporter validate --config {config.path.name}`
"""


# --- check -----------------------------------------------------------------------------

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
        problems += _catalogue_problems(folder, catalogues)
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


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def _flatten(node: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in node.items():
        dotted = f"{prefix}.{key}" if prefix else key
        flat.update(_flatten(value, dotted) if isinstance(value, dict) else {dotted: value})
    return flat


def _catalogue_problems(folder: Path, merged: dict[str, dict[str, str]]) -> list[Problem]:
    """The editor's entries: placeholders the code does not pass, keys in one language."""
    problems: list[Problem] = []
    for lang in messages.LANGUAGES:
        path = folder / "i18n" / f"{lang}.toml"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        ctx = _Ctx(path, text)
        with (DEFAULT_TEMPLATES / "i18n" / f"{lang}.toml").open("rb") as fh:
            defaults = _flatten(tomllib.load(fh))
        others = [other for other in messages.LANGUAGES if other != lang]
        for key, value in _flatten(tomllib.loads(text)).items():
            for other in others:
                if key not in merged[other]:
                    problems.append(Problem.of(path, ctx.line_of(key), "templates.one_language",
                                               key=key, lang=other))
            reference = defaults.get(key) or next(
                (merged[o][key] for o in others if key in merged[o]), None)
            try:
                used = _fields(str(value))
                allowed = (_fields(str(reference)) | NOUN_PLACEHOLDERS if reference is not None
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
    placeholder the code never fills: the brief would otherwise stop half-way."""
    from reporter.render.i18n import load_catalogue

    if not folders:
        return
    dirs = [*folders, DEFAULT_TEMPLATES]
    merged = {lang: load_catalogue(dirs, lang) for lang in messages.LANGUAGES}
    for folder in folders:
        for problem in _catalogue_problems(folder, merged):
            if problem.key == "templates.placeholder":
                raise InputError("templates.placeholder_at", file=problem.file,
                                 line=problem.line, **dict(problem.params))


@cache
def _sample(dirs: tuple[Path, ...]) -> tuple[Any, Config]:
    """The bundled study's results with the folders' rules (analysis only, no PDFs, and no
    bootstrap: the check is about the templates, and an editor runs it after every edit)."""
    from dataclasses import replace

    from reporter import pipeline

    config = load_config(DEFAULT_CONFIG)
    config = replace(config, inference=replace(config.inference, bootstrap=False))
    return pipeline.analyse(config, pipeline.Timer(), rule_dirs=list(dirs)), config


def _render(dirs: list[Path], missing: dict[str, set[str]]) -> list[Problem]:
    """Render the brief in each language; keys reported missing get stand-ins so the
    pass goes on to find the next error."""
    from reporter import pipeline
    from reporter.render.brief import render_brief

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
            try:
                with _recording(found):
                    render_brief(results, config, lang, [stub, *dirs], Path(tmp) / "charts",
                                 pipeline.render_meta(results))
            except InputError as exc:
                found.append(_from_error(exc, lang))
            except Exception as exc:
                file, line = html._template_location(exc, BRIEF_TEMPLATE)
                found.append(Problem.of(file, line, "templates.error",
                                        detail=f"{type(exc).__name__}: {exc}"))
        hide = f"'{stub}', "  # the stand-ins' folder is ours, not the editor's

        def clean(value: str | messages.Both) -> str | messages.Both:
            if isinstance(value, messages.Both):
                return messages.Both({k: v.replace(hide, "") for k, v in value.items()})
            return value.replace(hide, "")

        return [Problem(p.file, p.line, p.key, tuple((k, clean(v)) for k, v in p.params))
                for p in found]


def _from_error(exc: InputError, lang: str) -> Problem:
    if exc.key == "render.missing_message":
        file, line = html._template_location(exc, BRIEF_TEMPLATE)
        return Problem.of(file, line, "templates.missing_key", key=exc.params["key"],
                          lang=exc.params.get("lang", lang))
    file, line = exc.params.get("file"), exc.params.get("line", "?")
    if file is None:
        file, line = html._template_location(exc, BRIEF_TEMPLATE)
    detail = exc.params.get("detail") or messages.Both(
        {lang: exc.message(lang) for lang in messages.LANGUAGES})
    return Problem.of(file, line, "templates.error", detail=detail)


@contextmanager
def _recording(found: list[Problem]) -> Iterator[None]:
    """While rendering, an undefined name is recorded with its file and line and renders
    as empty, so that one pass finds them all (a real run stops at the first)."""
    original = html.environment
    undefined = _recorder(found)

    def recording(template_dirs):
        env = original(template_dirs)
        env.undefined = undefined
        return env

    html.environment = recording
    try:
        yield
    finally:
        html.environment = original


def _recorder(found: list[Problem]) -> type:
    from jinja2 import ChainableUndefined
    from jinja2.exceptions import SecurityError

    class Recorder(ChainableUndefined):
        __slots__ = ()

        def _record(self) -> None:
            file, line = _live_location()
            if file == "?":  # Jinja folding a constant while compiling: leave it to run time
                self._fail_with_undefined_error()
            unsafe = issubclass(self._undefined_exception, SecurityError)
            found.append(Problem.of(file, line,
                                    "templates.unsafe" if unsafe else "templates.undefined",
                                    detail=self._undefined_message))

        def __str__(self) -> str:
            self._record()
            return ""

        def __iter__(self):
            self._record()
            return iter(())

        def __bool__(self) -> bool:
            self._record()
            return False

        def __len__(self) -> int:
            self._record()
            return 0

    return Recorder


def _live_location() -> tuple[str, int | str]:
    """File and line of the innermost template frame now running."""
    frame = sys._getframe(2)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            return (template.filename or template.name,
                    template.get_corresponding_lineno(frame.f_lineno))
        frame = frame.f_back
    return "?", "?"
