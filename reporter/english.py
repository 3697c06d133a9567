"""Whether an English brief can be written in English: every variable, category value and
entity it would show has an English name. Checked at once by `reporter validate` and before
a run renders an English brief, so the analyst adds every missing name in one go (exit 2,
with the keys to add) instead of finding Chinese in the English brief."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reporter.config import Config, EntropyIndex
from reporter.errors import InputError
from reporter.messages import Both

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
SHOWN = 8  # names listed per kind; the rest are counted


@dataclass(frozen=True)
class Missing:
    """One thing the English brief would print in Chinese, and the key that names it."""

    kind: str  # study | variable | unit | level | entity
    name: str
    key: str


def shown_variables(config: Config) -> list[str]:
    """The variables whose labels the brief prints: the model's, the status column, the
    levels the status section reads, and the indices with their indicators and groups."""
    model = config.model
    names = [model.dependent, config.level_of(model.dependent), model.core, *model.controls,
             *model.moderators, *model.mediators]
    if model.heterogeneity:
        names.append(model.heterogeneity)
    if config.status.share:
        names.append(config.status.share)
    for name, index in config.indices.items():
        names.append(name)
        if isinstance(index, EntropyIndex):  # its indicators and groups (sub-indices)
            names += [*index.columns, *index.groups]
    return list(dict.fromkeys(n for n in names if n))


def missing_english(config: Config, entities: Iterable[tuple[str, str]] = (),
                    levels: Iterable[str] = ()) -> list[Missing]:
    """What lacks an English name: variables (by their English label), values of the
    heterogeneity column (`levels`) and `entities` as (key, English name) pairs."""
    out: list[Missing] = []
    for key in ("title", "region"):
        if CJK.search(getattr(config.study, key).get("en")):
            out.append(Missing("study", key, f"study.{key}"))
    for name in shown_variables(config):
        if CJK.search(config.label(name, "en")):
            out.append(Missing("variable", name, f'[variables."{name}"] label'))
        if CJK.search(config.unit(name, "en") or ""):
            out.append(Missing("unit", name, f'[variables."{name}"] unit'))
    group = config.model.heterogeneity
    if group:
        for value in dict.fromkeys(str(v) for v in levels):
            if CJK.search(config.level_label(group, value, "en")):
                out.append(Missing("level", value, f'[variables."{group}"] levels'))
    for key, english in entities:
        if CJK.search(english):
            out.append(Missing("entity", key, "data.entity_names_en"))
    return out


def check_english(config: Config, entities: Iterable[tuple[str, str]] = (),
                  levels: Iterable[str] = ()) -> None:
    """Exit 2 listing everything the English brief would show in Chinese, by kind, with the
    config keys that give the English names."""
    missing = missing_english(config, entities, levels)
    if not missing:
        return
    parts_en, parts_zh = [], []
    kinds = {"study": ("the study", "研究信息"), "variable": ("variables", "变量"),
             "unit": ("units", "单位"), "level": ("category values", "分类取值"),
             "entity": ("entities", "个体名称")}
    for kind, (en, zh) in kinds.items():
        items = [m for m in missing if m.kind == kind]
        if not items:
            continue
        names = ", ".join(m.name for m in items[:SHOWN])
        more = len(items) - SHOWN
        keys = "; ".join(dict.fromkeys(m.key for m in items))
        parts_en.append(f"{en}: {names}" + (f" and {more} more" if more > 0 else "")
                        + f" (add {keys})")
        parts_zh.append(f"{zh}：{'、'.join(m.name for m in items[:SHOWN])}"
                        + (f" 等（另有 {more} 个）" if more > 0 else "") + f"（请补充 {keys}）")
    raise InputError("names.no_english", file=config.path,
                     items=Both(en="; ".join(parts_en), zh="；".join(parts_zh)))
