"""Read a panel file, normalise encodings and headers, and check the panel's shape.

Accepts CSV (UTF-8, UTF-8 with BOM, or GBK/GB18030 as Excel writes it in China; detected
from the bytes, never asked of the user), XLSX and Parquet. Every error names the file and
the row (as the user sees it in a spreadsheet: the header is row 1) or the column.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from reporter.config import Config
from reporter.errors import InputError

MIN_ENTITIES = 2
MIN_PERIODS = 3
MIN_YEAR, MAX_YEAR = 1000, 2999  # the time column holds four-digit years
_ENCODINGS = ("utf-8-sig", "gb18030")
# the yearbook's "not available" and "negligible" marks and the usual spreadsheet ones; an
# empty cell is always missing. Compared after NFKC (so "…" is "...", "－" is "-"), lower case
MISSING = ("—", "–", "-", "--", "…", "..", ".", "/", "NA", "N/A", "#N/A", "nan", "null",
           "none")
# rows for the whole region: out of models, ranks and shares, and used as the total
TOTAL_NAMES = ("全省", "全市", "全区", "全国", "合计", "总计", "全省合计", "全市合计",
               "全省总计", "全国合计", "Total", "All")
# a footnote row under the table: its first cell starts so, the rest are empty
_FOOTNOTE = re.compile(r"^(注|附注|说明|备注|资料来源|数据来源|来源|Notes?\b|Sources?\b)", re.I)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_YEAR = re.compile(r"^(\d{4})(\.0+)?\s*年?$")


def _markers(markers: tuple[str, ...] | None) -> frozenset[str]:
    chosen = MISSING if markers is None else markers
    return frozenset({"", *(unicodedata.normalize("NFKC", m).strip().lower() for m in chosen)})


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
    # the whole-region rows (data.total or a 全省/合计 row), indexed by time: the reported total
    totals: pd.DataFrame | None = None
    # how cells were read: missing markers by kind, numbers with separators or percent signs,
    # the total's name, entities left out, footnotes under the table
    reading: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

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


def read_table(path: Path, sheet: str | None = None, header: tuple[int, ...] = (1,),
               layout: str = "long") -> tuple[pd.DataFrame, str | None, str]:
    """Read the raw table as text cells; returns (frame, encoding, sha256 of the bytes).
    `header` is the header's row (with a unit row below it: two rows), rows above it are
    titles; footnote rows under the table end it and go to `frame.attrs["notes"]`. With
    `layout = "wide"` every worksheet is one variable, entities down and years across."""
    if not path.is_file():
        raise InputError("load.not_found", file=path)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    encoding: str | None = None
    try:
        if layout == "wide":
            if suffix not in {".xlsx", ".xlsm"}:
                raise InputError("load.wide_needs_sheets", file=path)
            return _read_wide(path, header), None, digest
        if suffix in {".csv", ".txt"}:
            text, encoding = _decode(data, path)
            if not text.strip():
                raise InputError("load.empty", file=path)
            frame = _promote_header(pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, header=None,
                skipinitialspace=True, skip_blank_lines=False), path, header=header)
        elif suffix in {".xlsx", ".xlsm"}:
            frame = _promote_header(_excel_sheet(path, sheet), path, excel=True,
                                    header=header)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
            frame.index = pd.RangeIndex(2, len(frame) + 2)
        else:
            raise InputError("load.bad_format", file=path, suffix=suffix or "—")
    except InputError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError,
            zipfile.BadZipFile, KeyError) as exc:
        detail = (str(exc).splitlines() or [type(exc).__name__])[0].rstrip(".")
        raise InputError("load.unreadable", file=path, detail=detail) from None
    return _tidy(frame, path), encoding, digest


def _tidy(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Drop blank rows, clean the headers, refuse a repeated one."""
    notes = frame.attrs.get("notes", [])
    blank = frame.apply(lambda col: col.map(_is_blank)).all(axis=1)
    frame = frame.loc[~blank]
    if frame.shape[0] == 0:
        raise InputError("load.no_rows", file=path)
    frame.columns = [_clean_header(c) for c in frame.columns]
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise InputError("load.duplicate_column", file=path, column=duplicated[0])
    frame.attrs["notes"] = notes
    return frame


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


def _excel_sheet(path: Path, sheet: str | None) -> pd.DataFrame:
    with pd.ExcelFile(path, engine="openpyxl") as book:
        names = [str(s) for s in book.sheet_names]
    if sheet is None:
        if len(names) > 1:
            raise InputError("load.many_sheets", file=path, sheets=", ".join(names))
        sheet = names[0]
    elif sheet not in names:
        raise InputError("load.no_sheet", file=path, sheet=sheet, sheets=", ".join(names))
    return pd.read_excel(path, sheet_name=sheet, dtype=object, engine="openpyxl", header=None)


def _read_wide(path: Path, header: tuple[int, ...]) -> pd.DataFrame:
    """One variable per worksheet (named by the sheet), entities down the first column and
    years across the header (`2013` or `2013年`), assembled into one long table whose first
    two columns are `#entity` and `#time` (load_panel names them as the config does). An
    entity or year missing from one sheet is a gap in that variable, not an error."""
    sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl",
                           header=None)
    long = None
    notes: list[str] = []
    for name, raw in sheets.items():
        variable = _clean_header(name)
        table = _promote_header(raw, path, excel=True, header=header)
        notes += table.attrs.get("notes", [])
        if table.shape[1] < 2:
            continue  # a sheet of notes
        years = {}
        for column in table.columns[1:]:
            match = _YEAR.match(_clean_header(column))
            if not match:
                raise InputError("load.wide_not_year", file=path, sheet=name, column=column)
            years[column] = int(match.group(1))
        part = table.rename(columns={table.columns[0]: "#entity", **years})
        part = part[~part["#entity"].map(_is_blank)]
        part = part.melt(id_vars="#entity", var_name="#time", value_name=variable)
        part["#entity"] = part["#entity"].map(lambda v: str(v).strip())
        long = part if long is None else long.merge(part, on=["#entity", "#time"],
                                                    how="outer")
    if long is None:
        raise InputError("load.no_rows", file=path)
    long = long.sort_values(["#entity", "#time"], kind="mergesort").reset_index(drop=True)
    long["#time"] = long["#time"].astype(str)
    long.index = pd.RangeIndex(2, len(long) + 2)
    long.attrs["notes"] = notes
    return _tidy(long, path)


def _promote_header(raw: pd.DataFrame, path: Path, excel: bool = False,
                    header: tuple[int, ...] = (1,)) -> pd.DataFrame:
    """Make the header row(s) the header ourselves, so a repeated name stays repeated
    (pandas would rename it `y.1`) and reaches the duplicate-column check; rows above are
    titles. A unit row under the name row is joined as `name(unit)`. Rows are indexed as
    the spreadsheet numbers them. A column without a name and without data (a trailing
    comma) is dropped; one with data is an error (or a title row above the header, which
    the message points out). Footnote rows (`注：…`, `资料来源：…`) end the table."""
    if raw.shape[0] < header[-1]:
        return raw.iloc[0:0]
    names = ["" if _is_blank(v) else _clean_header(v) for v in raw.iloc[header[0] - 1]]
    if len(header) == 2:
        units = ["" if _is_blank(v) else _clean_header(v) for v in raw.iloc[header[1] - 1]]
        names = [f"{n}({u})" if n and u and not u.startswith("(") else n + u
                 for n, u in zip(names, units, strict=True)]
    frame = raw.iloc[header[-1]:].reset_index(drop=True)
    frame.index = pd.RangeIndex(header[-1] + 1, header[-1] + 1 + len(frame))
    frame.columns = range(frame.shape[1])
    frame = _cut_footnotes(frame)
    keep = []
    for j, name in enumerate(names):
        if name:
            keep.append(j)
        elif not frame[j].map(_is_blank).all():
            _title_row(raw, header, path)
            key = "load.merged_header" if excel else "load.blank_header"
            raise InputError(key, file=path, column=f"#{j + 1}")
    notes = frame.attrs.get("notes", [])
    frame = frame[keep]
    frame.columns = [names[j] for j in keep]
    frame.attrs["notes"] = notes
    return frame


def _cut_footnotes(frame: pd.DataFrame) -> pd.DataFrame:
    """Everything from the first footnote row on (only its first cell filled, with 注,
    资料来源, Note, Source …) is notes, not data."""
    if frame.shape[1] < 2 or frame.empty:
        return frame
    first = frame[0].map(lambda v: "" if _is_blank(v) else str(v).strip())
    rest_blank = frame.iloc[:, 1:].apply(lambda col: col.map(_is_blank)).all(axis=1)
    footnote = rest_blank & first.map(lambda v: bool(_FOOTNOTE.match(v)))
    if not footnote.any():
        return frame
    at = int(np.flatnonzero(footnote.to_numpy())[0])
    notes = [v for v in first.iloc[at:] if v]
    cut = frame.iloc[:at]
    cut.attrs["notes"] = notes
    return cut


def _title_row(raw: pd.DataFrame, header: tuple[int, ...], path: Path) -> None:
    """A header row with one filled cell above a full row is a title: say where the header
    seems to be (`data.header = N`)."""
    filled = raw.apply(lambda row: int((~row.map(_is_blank)).sum()), axis=1).to_numpy()
    row = header[0] - 1
    if raw.shape[1] < 2 or filled[row] != 1:
        return
    below = np.flatnonzero(filled[row + 1:] >= max(2, raw.shape[1] // 2))
    if below.size:
        raise InputError("load.title_row", file=path, row=header[0],
                         header=int(row + 1 + below[0] + 1))


def _require_column(frame: pd.DataFrame, column: str, path: Path, key: str) -> None:
    if column not in frame.columns:
        close = difflib.get_close_matches(column, [str(c) for c in frame.columns], n=1)
        raise InputError("load.missing_column", file=path, column=column, key=key,
                         suggestion=close[0] if close else "—",
                         columns=", ".join(map(str, frame.columns)))


def _numeric(frame: pd.DataFrame, column: str, path: Path,
             markers: frozenset[str] = _markers(None),
             seen: dict[str, Any] | None = None) -> pd.Series:
    """Parse one column as numbers as a yearbook writes them: `markers` are missing,
    thousands separators (`1,234.5`) and full-width digits are read, `12.3%` is 0.123. A
    cell that is none of these is named by row and column. `seen` counts each kind."""
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return _finite(raw.astype(float), raw, column, path)
    text = raw.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                   else unicodedata.normalize("NFKC", str(v)).strip())
    lowered = text.str.lower()
    blank = lowered.isin(markers)
    separated = text.str.match(_THOUSANDS) & ~blank
    percent = text.str.endswith("%") & ~blank
    cleaned = text.where(~separated, text.str.replace(",", "", regex=False))
    cleaned = cleaned.where(~percent, cleaned.str[:-1].str.strip())
    values = pd.to_numeric(cleaned.where(~blank), errors="coerce")
    values = values.where(~percent, values / 100)
    bad = values.isna() & ~blank
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError("load.not_numeric", file=path, row=int(raw.index[position]),
                         column=column,
                         value=str(raw.iloc[position])[:40], count=int(bad.sum()))
    if seen is not None:
        for marker, count in text[blank & text.ne("")].value_counts().items():
            seen["missing_markers"][marker] = seen["missing_markers"].get(marker, 0) + count
        seen["thousands_separators"] += int(separated.sum())
        seen["percent_signs"] += int(percent.sum())
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
    frame, encoding, digest = read_table(path, spec.sheet, spec.header, spec.layout)
    notes = list(frame.attrs.get("notes", []))
    if spec.layout == "wide":
        frame = frame.rename(columns={"#entity": spec.entity, "#time": spec.time})
    derived = config.derived()  # made by [prepare] or [indices], not read from the file
    model_columns = [v for v in config.model.variables if v not in derived]
    raw_inputs = {c: k for c, k in config.raw_inputs().items() if c not in model_columns}
    frame = _as_configured(frame, [spec.entity, spec.time, *model_columns, *raw_inputs,
                                   spec.entity_names_en, config.model.heterogeneity])
    _require_column(frame, spec.entity, path, "data.entity")
    _require_column(frame, spec.time, path, "data.time")
    for variable in model_columns:
        _require_column(frame, variable, path, "model")
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
    markers = _markers(spec.missing_markers)
    seen: dict[str, Any] = {"missing_markers": {}, "thousands_separators": 0,
                            "percent_signs": 0}
    for variable in [*model_columns, *raw_inputs]:  # raw inputs may have gaps: see prepare
        out[variable] = _numeric(frame, variable, path, markers, seen)
    if group is not None:
        out[group] = frame[group].map(lambda v: "" if _is_blank(v) else str(v).strip())
    out, totals, total_name, excluded = _set_aside(out, spec, path)

    if group is not None:
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

    # gaps the user asked [prepare] to fill; `missing = "drop"` leaves the rest to the models
    fills, refuse = config.prepare.interpolate, config.prepare.missing == "error"
    for variable in model_columns:
        missing = out[variable].isna()
        if missing.all():
            raise InputError("load.all_missing", file=path, column=variable)
        if refuse and missing.any() and not (fills is True or (fills and variable in fills)):
            cells = out.loc[missing, [spec.entity, spec.time]]
            where = "; ".join(f"{e} {t}" for e, t in cells.head(5).itertuples(index=False))
            raise InputError("load.missing_values", file=path, column=variable,
                             count=int(missing.sum()), cells=where,
                             row=int(out.index[np.flatnonzero(missing.to_numpy())[0]]))

    n_entities = out[spec.entity].nunique()
    n_periods = out[spec.time].nunique()
    first, last = int(out[spec.time].min()), int(out[spec.time].max())
    if not (first >= MIN_YEAR and last <= MAX_YEAR):  # 81 for 1981, or a period index
        raise InputError("load.not_years", file=path, column=spec.time, first=first,
                         last=last, low=MIN_YEAR, high=MAX_YEAR)
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
    nouns = config.nouns()
    for key in dict.fromkeys(out[spec.entity].astype(str)):
        if key.isdigit():  # a code (state 9, county 119): printed with the entity noun, in
            # lower case as a label is ("In 1982, worker 119 had …"; a sentence opening
            # with it is capitalised by the catalogue)
            names[key] = {"zh": f"{key}号{nouns['zh']['noun']}",
                          "en": f"{nouns['en']['noun']} {key}"}
    if spec.entity_names_en:
        english = frame.loc[out.index, spec.entity_names_en].astype(str).str.strip()
        for key, en in zip(out[spec.entity], english, strict=True):
            if key not in names or key.isdigit():
                names[key] = {"zh": names.get(key, {}).get("zh", key), "en": en}
    else:  # Chinese places by their official English names (reporter/places.tsv)
        from reporter.places import english_name

        for key in dict.fromkeys(out[spec.entity].astype(str)):
            en = english_name(key)
            if en is not None:
                names[key] = {"zh": key, "en": en}

    out = out.sort_values([spec.entity, spec.time], kind="mergesort").reset_index(drop=True)
    reading = {**seen, "total": total_name, "excluded": excluded, "notes": notes}
    return Panel(frame=out, entity=spec.entity, time=spec.time, path=path, sha256=digest,
                 encoding=encoding, entity_names=names, totals=totals,
                 reading=MappingProxyType(reading))


def _as_configured(frame: pd.DataFrame, names: list[str | None]) -> pd.DataFrame:
    """Rename headers to the config's spelling where they differ only by the normalisation
    both get (NFKC, trimmed): a name copied from the sheet always matches."""
    renames = {}
    for name in names:
        if name and name not in frame.columns and _clean_header(name) in frame.columns:
            renames[_clean_header(name)] = name
    return frame.rename(columns=renames) if renames else frame


def _set_aside(out: pd.DataFrame, spec: Any, path: Path
               ) -> tuple[pd.DataFrame, pd.DataFrame | None, str | None, list[str]]:
    """Take out the whole-region rows (`data.total`, or a 全省/合计/Total row) and the
    entities of `data.exclude`: (the panel's rows, the totals by time, the total's name,
    the excluded entities)."""
    entity = out[spec.entity]
    present = set(entity)
    for name in spec.exclude:
        if name not in present:
            raise InputError("load.unknown_entity", file=path, key="data.exclude",
                             entity=name, column=spec.entity)
    if spec.total is not None and spec.total not in present:
        raise InputError("load.unknown_entity", file=path, key="data.total",
                         entity=spec.total, column=spec.entity)
    normal = {unicodedata.normalize("NFKC", n).lower() for n in TOTAL_NAMES}
    totals_found = sorted({e for e in present if e == spec.total or (
        spec.total is None and unicodedata.normalize("NFKC", e).lower() in normal)})
    total = totals_found[0] if totals_found else None
    totals = None
    if total is not None:
        rows = out[entity == total]
        totals = rows.drop(columns=[spec.entity]).set_index(spec.time).sort_index()
    keep = ~entity.isin([*totals_found, *spec.exclude])
    return out.loc[keep], totals, total, list(spec.exclude)
