"""`reporter init` (a new study folder, with a config written for the user's workbook) and
`reporter templates export` (the bundled templates, to edit). The template linter is
reporter/template_check.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from reporter import provenance
from reporter.config import DEFAULT_CONFIG, SCHEMA, VARIABLE_KEYS, Config, load_config
from reporter.errors import InputError
from reporter.literals import THEMES

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
    keys = "\n".join(f"#   [{section}] {', '.join(spec)}" for section, spec in SCHEMA.items())
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
#   [variables.<column>] {', '.join(VARIABLE_KEYS)}  (each {{ zh = "…", en = "…" }})
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
