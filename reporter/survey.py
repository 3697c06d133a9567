"""What a department's workbook holds, read as `reporter init --from FILE` needs it: where its
header is, which columns are the entity and the year, which hold numbers (with the name and
unit each header gives), a column of English names and a whole-region row. The loader's own
reading (header, markers, footnotes) is used, so what the survey finds is what a run reads."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reporter.config import ENTITY_NOUNS
from reporter.errors import InputError
from reporter.load import TOTAL_NAMES, _numeric, read_table

TIME_NAMES = {"year", "years", "time", "period", "年份", "年度", "年", "时间", "统计年度"}
# an entity column's names: those the brief's nouns are guessed from, and generic ones
ENTITY_NAMES = frozenset().union(*(names for names, _, _ in ENTITY_NOUNS)) | {
    "region", "regions", "地区", "区域", "县市", "名称"}
_ASCII_NAME = re.compile(r"^[A-Za-z][A-Za-z .'\-()]*$")


@dataclass
class Survey:
    """A workbook's shape: what `init --from` writes into the new study's config."""

    path: Path
    sheet: str | None
    header: int
    entity: str
    time: str
    numeric: list[str]
    english_names: str | None = None
    total: str | None = None
    first_year: int = 0
    last_year: int = 0
    n_entities: int = 0
    notes: list[str] = field(default_factory=list)


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().lower()


def _frame(path: Path, sheet: str | None) -> tuple[pd.DataFrame, int]:
    """The table and its header's row: row 1, or where the loader says a title row puts it."""
    try:
        return read_table(path, sheet, (1,))[0], 1
    except InputError as error:
        if error.key != "load.title_row":
            raise
        header = int(str(error.params["header"]))
        return read_table(path, sheet, (header,))[0], header


def _years(values: pd.Series) -> pd.Series | None:
    """The column as years (1900–2100, `2013` or `2013年`), or None if it is not one."""
    text = values.astype(str).str.strip().str.replace("年", "", regex=False)
    years = pd.to_numeric(text, errors="coerce")
    if years.isna().any() or not years.between(1900, 2100).all() or (years % 1 != 0).any():
        return None
    return years.astype(int)


def survey(path: Path, sheet: str | None = None) -> Survey:
    """Read `path` as the loader does and find its entity, year and numeric columns."""
    frame, header = _frame(path, sheet)
    if frame.empty or frame.shape[1] < 3:
        raise InputError("survey.too_small", file=path)
    columns = list(frame.columns)
    time = next((c for c in columns if _key(c) in TIME_NAMES), None)
    if time is None:
        time = next((c for c in columns if _years(frame[c]) is not None), None)
    if time is None:
        raise InputError("survey.no_time", file=path, columns=", ".join(columns))
    numeric, text = [], []
    for column in columns:
        if column == time:
            continue
        try:
            _numeric(frame, column, path)
            numeric.append(column)
        except InputError:
            text.append(column)
    entity = next((c for c in text if _key(c) in ENTITY_NAMES), text[0] if text else None)
    if entity is None:
        raise InputError("survey.no_entity", file=path, columns=", ".join(columns))
    keys = frame[entity].astype(str).str.strip()
    english = next((c for c in text if c != entity
                    and frame[c].astype(str).str.strip().map(
                        lambda v: bool(_ASCII_NAME.match(v))).all()
                    and frame.groupby(keys)[c].nunique().max() == 1), None)
    totals = {_key(n) for n in TOTAL_NAMES}
    total = next((k for k in dict.fromkeys(keys) if _key(k) in totals), None)
    years = _years(frame[time])
    years = years if years is not None else pd.Series(dtype=int)
    entities = set(keys) - ({total} if total else set())
    return Survey(path=path, sheet=sheet, header=header, entity=entity, time=time,
                  numeric=numeric, english_names=english, total=total,
                  first_year=int(years.min()) if len(years) else 0,
                  last_year=int(years.max()) if len(years) else 0,
                  n_entities=len(entities), notes=list(frame.attrs.get("notes", [])))
