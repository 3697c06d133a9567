"""Read a panel file, normalise encodings and headers, and check the panel's shape.

Accepts CSV (UTF-8, UTF-8 with BOM, or GBK/GB18030 as Excel writes it in China; detected
from the bytes, never asked of the user), XLSX and Parquet. Every error names the file and
the row (as the user sees it in a spreadsheet: the header is row 1) or the column.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from reporter.config import Config
from reporter.errors import InputError

MIN_ENTITIES = 2
MIN_PERIODS = 3
_ENCODINGS = ("utf-8-sig", "gb18030")
_MISSING_TOKENS = {"", "na", "n/a", "nan", "null", "none", "-", "--", ".", "…"}


@dataclass(frozen=True)
class Panel:
    """A validated panel: rows sorted by entity then time, one row per entity-time."""

    frame: pd.DataFrame
    entity: str
    time: str
    path: Path
    sha256: str
    encoding: str | None
    entity_names: dict[str, dict[str, str]]
    # the values winsorising replaced (column -> series on the frame's index): winsorising
    # is for estimation; levels, ranks, shares and growth describe the data as they are
    unwinsorized: Mapping[str, pd.Series] = field(
        default_factory=lambda: MappingProxyType({}))

    def levels(self) -> pd.DataFrame:
        """The frame with every winsorised column as it was before winsorising."""
        if not self.unwinsorized:
            return self.frame
        return self.frame.assign(**dict(self.unwinsorized))

    @property
    def entities(self) -> list[str]:
        return list(dict.fromkeys(self.frame[self.entity]))

    @property
    def periods(self) -> list[int]:
        return sorted(self.frame[self.time].unique().tolist())

    @property
    def balanced(self) -> bool:
        return len(self.frame) == len(self.entities) * len(self.periods)

    def entity_name(self, entity: str, lang: str) -> str:
        return self.entity_names.get(entity, {}).get(lang, entity)


def _clean_header(name: object) -> str:
    """Headers as Excel users type them: NFKC (full-width to half-width), no stray spaces."""
    return unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "").strip()


def read_table(path: Path, sheet: str | None = None) -> tuple[pd.DataFrame, str | None, str]:
    """Read the raw table as text cells; returns (frame, encoding, sha256 of the bytes)."""
    if not path.is_file():
        raise InputError("load.not_found", file=path)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    encoding: str | None = None
    try:
        if suffix in {".csv", ".txt"}:
            text, encoding = _decode(data, path)
            if not text.strip():
                raise InputError("load.empty", file=path)
            frame = _promote_header(pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, header=None,
                skipinitialspace=True, skip_blank_lines=False), path)
        elif suffix in {".xlsx", ".xlsm"}:
            frame = _read_excel(path, sheet)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            raise InputError("load.bad_format", file=path, suffix=suffix or "—")
    except InputError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError,
            zipfile.BadZipFile, KeyError) as exc:
        detail = (str(exc).splitlines() or [type(exc).__name__])[0].rstrip(".")
        raise InputError("load.unreadable", file=path, detail=detail) from None
    # Index rows as the spreadsheet numbers them (header = row 1), then drop blank rows.
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    blank = frame.apply(lambda col: col.map(_is_blank)).all(axis=1)
    frame = frame.loc[~blank]
    if frame.shape[0] == 0:
        raise InputError("load.no_rows", file=path)
    frame.columns = [_clean_header(c) for c in frame.columns]
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise InputError("load.duplicate_column", file=path, column=duplicated[0])
    return frame, encoding, digest


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, then GB18030, the superset of GBK that Excel
    writes on Chinese Windows; the name reported is what the user would call it."""
    for encoding in _ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030":
            return text, "gbk"
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    raise InputError("load.bad_encoding", file=path)


def _read_excel(path: Path, sheet: str | None) -> pd.DataFrame:
    with pd.ExcelFile(path, engine="openpyxl") as book:
        names = [str(s) for s in book.sheet_names]
    if sheet is None:
        if len(names) > 1:
            raise InputError("load.many_sheets", file=path, sheets=", ".join(names))
        sheet = names[0]
    elif sheet not in names:
        raise InputError("load.no_sheet", file=path, sheet=sheet, sheets=", ".join(names))
    frame = pd.read_excel(path, sheet_name=sheet, dtype=object, engine="openpyxl", header=None)
    return _promote_header(frame, path, excel=True)


def _promote_header(raw: pd.DataFrame, path: Path, excel: bool = False) -> pd.DataFrame:
    """Make the first row the header ourselves, so a repeated name stays repeated (pandas
    would rename it `y.1`) and reaches the duplicate-column check. A column without a name
    and without data (a trailing comma) is dropped; one with data is an error."""
    if raw.shape[0] == 0:
        return raw
    names = ["" if _is_blank(v) else _clean_header(v) for v in raw.iloc[0]]
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = range(frame.shape[1])
    keep = []
    for j, name in enumerate(names):
        if name:
            keep.append(j)
        elif not frame[j].map(_is_blank).all():
            key = "load.merged_header" if excel else "load.blank_header"
            raise InputError(key, file=path, column=f"#{j + 1}")
    frame = frame[keep]
    frame.columns = [names[j] for j in keep]
    return frame


def _require_column(frame: pd.DataFrame, column: str, path: Path, key: str) -> None:
    if column not in frame.columns:
        close = difflib.get_close_matches(column, [str(c) for c in frame.columns], n=1)
        raise InputError("load.missing_column", file=path, column=column, key=key,
                         suggestion=close[0] if close else "—",
                         columns=", ".join(map(str, frame.columns)))


def _numeric(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """Parse one column as numbers; a cell that is not a number is named by row and column."""
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return _finite(raw.astype(float), raw, column, path)
    text = raw.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                   else unicodedata.normalize("NFKC", str(v)).strip())
    blank = text.str.lower().isin(_MISSING_TOKENS)
    values = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = values.isna() & ~blank
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError("load.not_numeric", file=path, row=int(raw.index[position]),
                         column=column,
                         value=str(raw.iloc[position])[:40], count=int(bad.sum()))
    return _finite(values.astype(float), raw, column, path)


def _finite(values: pd.Series, raw: pd.Series, column: str, path: Path) -> pd.Series:
    """An infinite value (`inf`, `-inf`, a division by zero in the spreadsheet) is no
    number to estimate with: name its row and column."""
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        position = int(np.flatnonzero(infinite)[0])
        raise InputError("load.not_finite", file=path, row=int(raw.index[position]),
                         column=column, value=str(raw.iloc[position])[:40],
                         count=int(infinite.sum()))
    return values


def load_panel(config: Config) -> Panel:
    """Read `config.data.path` and check it against the model the config declares."""
    spec = config.data
    path = spec.path
    frame, encoding, digest = read_table(path, spec.sheet)
    _require_column(frame, spec.entity, path, "data.entity")
    _require_column(frame, spec.time, path, "data.time")
    derived = config.derived()  # made by [prepare] or [indices], not read from the file
    model_columns = [v for v in config.model.variables if v not in derived]
    for variable in model_columns:
        _require_column(frame, variable, path, "model")
    raw_inputs = {c: k for c, k in config.raw_inputs().items() if c not in model_columns}
    for column, key in raw_inputs.items():
        _require_column(frame, column, path, key)
    if spec.entity_names_en:
        _require_column(frame, spec.entity_names_en, path, "data.entity_names_en")
    group = config.model.heterogeneity
    if group is not None:
        _require_column(frame, group, path, "model.heterogeneity")

    out = pd.DataFrame(index=frame.index)
    entity = frame[spec.entity].map(lambda v: "" if pd.isna(v) else str(v).strip())
    missing_entity = entity.eq("")
    if missing_entity.any():
        row = int(entity.index[np.flatnonzero(missing_entity.to_numpy())[0]])
        raise InputError("load.missing_key", file=path, row=row, column=spec.entity)
    out[spec.entity] = entity
    time = _numeric(frame, spec.time, path)
    bad_time = time.isna() | (time != np.round(time))
    if bad_time.any():
        position = int(np.flatnonzero(bad_time.to_numpy())[0])
        raise InputError("load.bad_time", file=path, row=int(time.index[position]),
                         column=spec.time,
                         value=str(frame[spec.time].iloc[position])[:40])
    out[spec.time] = time.astype(int)
    for variable in [*model_columns, *raw_inputs]:  # raw inputs may have gaps: see prepare
        out[variable] = _numeric(frame, variable, path)

    if group is not None:
        out[group] = frame[group].map(lambda v: "" if _is_blank(v) else str(v).strip())
        varies = out.groupby(spec.entity)[group].nunique()
        if (varies > 1).any() or out[group].eq("").any():
            bad = varies.index[varies > 1][0] if (varies > 1).any() else out.loc[
                out[group].eq(""), spec.entity].iloc[0]
            raise InputError("load.group_varies", file=path, column=group, entity=bad)
    repeats = out.duplicated([spec.entity, spec.time], keep="first")
    if repeats.any():
        second = out.index[np.flatnonzero(repeats.to_numpy())[0]]
        entity_value, time_value = out.loc[second, spec.entity], out.loc[second, spec.time]
        same = (out[spec.entity] == entity_value) & (out[spec.time] == time_value)
        first = out.index[np.flatnonzero(same.to_numpy())[0]]
        raise InputError("load.duplicate_key", file=path, row=int(second), first_row=int(first),
                         entity=spec.entity, entity_value=entity_value,
                         time=spec.time, time_value=int(time_value))

    for variable in model_columns:
        missing = out[variable].isna()
        if missing.all():
            raise InputError("load.all_missing", file=path, column=variable)
        if missing.any():
            cells = out.loc[missing, [spec.entity, spec.time]]
            where = "; ".join(f"{e} {t}" for e, t in cells.head(5).itertuples(index=False))
            raise InputError("load.missing_values", file=path, column=variable,
                             count=int(missing.sum()), cells=where,
                             row=int(out.index[np.flatnonzero(missing.to_numpy())[0]]))

    n_entities = out[spec.entity].nunique()
    n_periods = out[spec.time].nunique()
    if n_entities < MIN_ENTITIES:
        raise InputError("load.too_few_entities", file=path, column=spec.entity,
                         found=n_entities, needed=MIN_ENTITIES)
    if n_periods < MIN_PERIODS:
        raise InputError("load.too_few_periods", file=path, column=spec.time,
                         found=n_periods, needed=MIN_PERIODS)
    if config.study.year not in set(out[spec.time]):
        raise InputError("load.no_report_year", file=path, column=spec.time,
                         year=config.study.year, first=int(out[spec.time].min()),
                         last=int(out[spec.time].max()))

    names: dict[str, dict[str, str]] = {}
    if spec.entity_names_en:
        english = frame[spec.entity_names_en].astype(str).str.strip()
        for key, en in zip(out[spec.entity], english, strict=True):
            names.setdefault(key, {"zh": key, "en": en})

    out = out.sort_values([spec.entity, spec.time], kind="mergesort").reset_index(drop=True)
    return Panel(frame=out, entity=spec.entity, time=spec.time, path=path, sha256=digest,
                 encoding=encoding, entity_names=names)
