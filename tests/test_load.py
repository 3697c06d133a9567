"""Reading panels: every format and encoding to the same frame, and every bad input to a
bilingual InputError that names the file and the spreadsheet row (header = row 1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.config import load_config
from reporter.errors import InputError
from reporter.load import load_panel

ROOT = Path(__file__).resolve().parent.parent
CITIES = ROOT / "data" / "zhejiang_cities.csv"
CONTROL = "研发投入"  # a model column with a Chinese header


# --- helpers ---------------------------------------------------------------------------

def small_panel() -> pd.DataFrame:
    """3 cities x 4 years, Chinese names and a Chinese header; values exact in binary."""
    cities = [("杭州", "Hangzhou"), ("宁波", "Ningbo"), ("温州", "Wenzhou")]
    rows = []
    for i, (zh, en) in enumerate(cities):
        for j, year in enumerate(range(2019, 2023)):
            rows.append({"city": zh, "city_en": en, "year": year,
                         "y": 1.5 + i + 0.25 * j, "x": 0.125 * (i + 1) + j,
                         CONTROL: 10.0 * i - 2.5 * j, "备注": f"第{i}组"})
    return pd.DataFrame(rows)


def write_study(tmp_path: Path, data_file: str, *, entity: str = "city", time: str = "year",
                year: int = 2022, dependent: str = "y", core: str = "x",
                controls: tuple[str, ...] = (CONTROL,), sheet: str | None = None,
                name: str = "study.toml", missing: str = "drop") -> Path:
    """A minimal study config beside the data; strings written as TOML basic strings."""
    def q(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = [
        "[study]", 'id = "t"', 'title = { zh = "测试简报", en = "Test brief" }',
        'region = { zh = "浙江省", en = "Zhejiang" }', f"year = {year}",
        "[data]", f"path = {q(data_file)}", f"entity = {q(entity)}", f"time = {q(time)}",
    ]
    if sheet is not None:
        lines.append(f"sheet = {q(sheet)}")
    lines += ["[prepare]", "winsorize = false", f"missing = {q(missing)}",
              "[model]", f"dependent = {q(dependent)}", f"core = {q(core)}",
              f"controls = [{', '.join(q(c) for c in controls)}]"]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def save(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame the way a user's tool would, chosen by the file's suffix/name."""
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False, sheet_name="数据")
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.name.endswith(".bom.csv"):
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    elif path.name.endswith(".gbk.csv"):
        frame.to_csv(path, index=False, encoding="gbk")
    else:
        frame.to_csv(path, index=False, encoding="utf-8")
    return path


def load_error(config: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_panel(load_config(config))
    assert info.value.exit_code == 2
    return info.value


def assert_both_languages_name(error: InputError, *fragments: object) -> None:
    """Each fragment (file name, row, value ...) appears in the zh and the en message."""
    for lang in ("zh", "en"):
        text = error.message(lang)
        for fragment in fragments:
            assert str(fragment) in text, (lang, fragment, text)
    bilingual = error.bilingual()
    assert "错误" in bilingual and "Error" in bilingual


# --- formats and encodings -------------------------------------------------------------

FORMATS = {
    "utf-8": ("panel.csv", "utf-8-sig"),
    "utf-8-bom": ("panel.bom.csv", "utf-8-sig"),
    "gbk": ("panel.gbk.csv", "gbk"),
    "xlsx": ("panel.xlsx", None),
    "parquet": ("panel.parquet", None),
}


def expected_frame(frame: pd.DataFrame, columns: list[str], entity: str, time: str
                   ) -> pd.DataFrame:
    out = frame[columns].copy()
    out[time] = out[time].astype("int64")
    for column in columns[2:]:
        out[column] = out[column].astype(float)
    return out.sort_values([entity, time], kind="mergesort").reset_index(drop=True)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_loads_to_the_same_frame(tmp_path, fmt):
    file_name, encoding = FORMATS[fmt]
    source = small_panel()
    path = save(source, tmp_path / file_name)
    panel = load_panel(load_config(write_study(tmp_path, file_name)))

    expected = expected_frame(source, ["city", "year", "y", "x", CONTROL], "city", "year")
    pd.testing.assert_frame_equal(panel.frame, expected, check_exact=True)
    assert panel.entities == ["宁波", "杭州", "温州"]  # sorted, as the frame is
    assert panel.periods == [2019, 2020, 2021, 2022]
    assert panel.balanced
    if fmt == "utf-8":
        # the BOM-tolerant codec reads plain UTF-8 too; either name is truthful
        assert panel.encoding in {"utf-8", "utf-8-sig"}
    else:
        assert panel.encoding == encoding
    if fmt == "gbk":
        raw = path.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")  # really GBK bytes, not UTF-8 in disguise
        assert "备注".encode("gbk") in raw and "杭州".encode("gbk") in raw


def test_all_formats_identical_to_each_other(tmp_path):
    source = small_panel()
    frames = {}
    for fmt, (file_name, _) in FORMATS.items():
        save(source, tmp_path / file_name)
        config = write_study(tmp_path, file_name, name=f"{fmt}.toml")
        frames[fmt] = load_panel(load_config(config)).frame
    for fmt, frame in frames.items():
        pd.testing.assert_frame_equal(frame, frames["utf-8"], check_exact=True, obj=fmt)


def test_bundled_city_data_in_every_encoding_and_format(tmp_path):
    """The sample data re-saved as a Chinese Excel user would: same panel every time."""
    text = CITIES.read_bytes().decode("utf-8")
    (tmp_path / "cities.csv").write_bytes(text.encode("utf-8"))
    (tmp_path / "cities.bom.csv").write_bytes(text.encode("utf-8-sig"))
    (tmp_path / "cities.gbk.csv").write_bytes(text.encode("gbk"))
    frame = pd.read_csv(CITIES)
    frame.to_excel(tmp_path / "cities.xlsx", index=False)
    frame.to_parquet(tmp_path / "cities.parquet", index=False)
    controls = ("x1", "x2", "x3", "x4", "x5")
    loaded = {}
    for name in ("cities.csv", "cities.bom.csv", "cities.gbk.csv", "cities.xlsx",
                 "cities.parquet"):
        config = write_study(tmp_path, name, year=2023, dependent="compet", core="ec",
                             controls=controls, name=f"{name}.toml")
        loaded[name] = load_panel(load_config(config))
    assert loaded["cities.bom.csv"].encoding == "utf-8-sig"
    assert loaded["cities.gbk.csv"].encoding == "gbk"
    reference = loaded["cities.csv"].frame
    assert reference.shape == (132, 9)
    assert "杭州" in set(reference["city"])
    for name, panel in loaded.items():
        pd.testing.assert_frame_equal(panel.frame, reference, check_exact=True, obj=name)


# --- duplicate entity-year -------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_duplicate_entity_year_names_both_rows(tmp_path, suffix):
    frame = small_panel()
    frame = pd.concat([frame, frame.iloc[[5]]], ignore_index=True)  # 宁波 2020 again
    file_name = f"dup{suffix}"
    save(frame, tmp_path / file_name)
    error = load_error(write_study(tmp_path, file_name))
    assert error.key == "load.duplicate_key"
    # data row i (0-based) is spreadsheet row i + 2
    assert error.params["first_row"] == 7
    assert error.params["row"] == len(frame) + 1 == 14
    assert error.params["entity_value"] == "宁波"
    assert error.params["time_value"] == 2020
    assert error.params["entity"] == "city" and error.params["time"] == "year"
    assert_both_languages_name(error, file_name, 7, 14, "宁波", 2020)


def test_duplicate_key_pairs_rows_of_the_same_entity_year(tmp_path):
    frame = small_panel()
    # rows 2 and 3: 杭州 2019 and 宁波 2019; rows 4 and 5 repeat them
    head = frame.iloc[[0, 4]]
    frame = pd.concat([head, head, frame.drop(index=[0, 4])], ignore_index=True)
    save(frame, tmp_path / "dup.csv")
    error = load_error(write_study(tmp_path, "dup.csv"))
    assert error.key == "load.duplicate_key"
    assert (error.params["first_row"], error.params["row"]) == (2, 4)
    assert error.params["entity_value"] == "杭州"


# --- cells that are not numbers --------------------------------------------------------

@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("value", ["n/a?", "12,3x"])
def test_text_in_numeric_column_names_row_and_column(tmp_path, value, suffix):
    frame = small_panel().astype({"x": object})
    frame.loc[4, "x"] = value  # spreadsheet row 6
    file_name = f"text{suffix}"
    save(frame, tmp_path / file_name)
    error = load_error(write_study(tmp_path, file_name))
    assert error.key == "load.not_numeric"
    assert error.params["row"] == 6
    assert error.params["column"] == "x"
    assert error.params["value"] == value
    assert error.params["count"] == 1
    assert_both_languages_name(error, file_name, 6, "`x`", value)


def test_row_numbers_count_blank_lines_as_spreadsheet_rows(tmp_path):
    lines = ["city,year,y,x", "杭州,2019,1,1", "", "杭州,2020,n/a?,2"]
    (tmp_path / "blank.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = load_error(write_study(tmp_path, "blank.csv", controls=()))
    assert error.key == "load.not_numeric"
    assert error.params["row"] == 4  # the line "杭州,2020,n/a?,2" is row 4 in Excel


def test_missing_values_name_entity_and_year(tmp_path):
    frame = small_panel()
    frame.loc[5, CONTROL] = None  # 宁波 2020, spreadsheet row 7
    save(frame, tmp_path / "gaps.csv")
    error = load_error(write_study(tmp_path, "gaps.csv", missing="error"))
    assert error.key == "load.missing_values"
    assert error.params["column"] == CONTROL
    assert error.params["count"] == 1
    assert error.params["row"] == 7
    assert error.params["cells"] == "宁波 2020"
    assert_both_languages_name(error, "gaps.csv", CONTROL, "宁波 2020", 7)


# --- shape of the panel ----------------------------------------------------------------

def test_missing_column_suggests_the_closest(tmp_path):
    save(small_panel(), tmp_path / "panel.csv")
    error = load_error(write_study(tmp_path, "panel.csv", controls=("研发投人",)))
    assert error.key == "load.missing_column"
    assert error.params["column"] == "研发投人"
    assert error.params["suggestion"] == CONTROL
    assert error.params["key"] == "model"
    assert_both_languages_name(error, "panel.csv", "研发投人", CONTROL)


def test_one_entity_is_too_few(tmp_path):
    save(small_panel().query("city == '杭州'"), tmp_path / "one.csv")
    error = load_error(write_study(tmp_path, "one.csv"))
    assert error.key == "load.too_few_entities"
    assert (error.params["found"], error.params["needed"]) == (1, 2)
    assert_both_languages_name(error, "one.csv", "`city`")


def test_two_periods_are_too_few(tmp_path):
    save(small_panel().query("year >= 2021"), tmp_path / "short.csv")
    error = load_error(write_study(tmp_path, "short.csv"))
    assert error.key == "load.too_few_periods"
    assert (error.params["found"], error.params["needed"]) == (2, 3)
    assert_both_languages_name(error, "short.csv", "`year`")


def test_reporting_year_must_be_in_the_data(tmp_path):
    save(small_panel(), tmp_path / "panel.csv")
    error = load_error(write_study(tmp_path, "panel.csv", year=2030))
    assert error.key == "load.no_report_year"
    assert (error.params["year"], error.params["first"], error.params["last"]) == (
        2030, 2019, 2022)
    assert_both_languages_name(error, "panel.csv", 2030, 2019, 2022)


# --- unreadable files ------------------------------------------------------------------

def test_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    error = load_error(write_study(tmp_path, "empty.csv"))
    assert error.key == "load.empty"
    assert_both_languages_name(error, "empty.csv")


def test_header_only(tmp_path):
    (tmp_path / "header.csv").write_text(f"city,year,y,x,{CONTROL}\n", encoding="utf-8")
    error = load_error(write_study(tmp_path, "header.csv"))
    assert error.key == "load.no_rows"
    assert_both_languages_name(error, "header.csv")


def write_two_sheets(path: Path) -> None:
    with pd.ExcelWriter(path) as writer:
        small_panel().to_excel(writer, sheet_name="数据", index=False)
        pd.DataFrame({"说明": ["模拟数据"]}).to_excel(writer, sheet_name="说明", index=False)


def test_two_sheets_without_data_sheet(tmp_path):
    write_two_sheets(tmp_path / "book.xlsx")
    error = load_error(write_study(tmp_path, "book.xlsx"))
    assert error.key == "load.many_sheets"
    assert error.params["sheets"] == "数据, 说明"
    assert_both_languages_name(error, "book.xlsx", "数据, 说明", "data.sheet")


def test_two_sheets_with_data_sheet_loads(tmp_path):
    write_two_sheets(tmp_path / "book.xlsx")
    panel = load_panel(load_config(write_study(tmp_path, "book.xlsx", sheet="数据")))
    assert len(panel.frame) == 12


def write_bad_header(path: Path, how: str) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    frame = small_panel()
    header = list(frame.columns)
    if how == "blank":
        header[3] = None  # column D ("y") has no name
    sheet.append(header)
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    if how == "merged":
        sheet.merge_cells("D1:E1")  # "y" spans D and E; E1 is now empty
    book.save(path)


@pytest.mark.parametrize("how", ["blank", "merged"])
def test_xlsx_header_with_blank_or_merged_cell(tmp_path, how):
    write_bad_header(tmp_path / "header.xlsx", how)
    error = load_error(write_study(tmp_path, "header.xlsx"))
    assert error.key == "load.merged_header"
    assert error.params["column"] == ("#4" if how == "blank" else "#5")  # D or E
    assert_both_languages_name(error, "header.xlsx")


def test_unknown_extension(tmp_path):
    small_panel().to_json(tmp_path / "panel.json")
    error = load_error(write_study(tmp_path, "panel.json"))
    assert error.key == "load.bad_format"
    assert error.params["suffix"] == ".json"
    assert_both_languages_name(error, "panel.json", ".json")


BAD_BYTES = b"city,year,y,x\n\xff\xfe\x80,2019,1,1\n"  # 0xFF, 0x80: no UTF-8, no GBK


def test_bytes_that_are_neither_utf8_nor_gbk(tmp_path):
    for codec in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            BAD_BYTES.decode(codec)
    (tmp_path / "bad.csv").write_bytes(BAD_BYTES)
    error = load_error(write_study(tmp_path, "bad.csv", controls=()))
    assert error.key == "load.bad_encoding"
    assert_both_languages_name(error, "bad.csv", "UTF-8", "GBK")


def test_data_file_not_found(tmp_path):
    error = load_error(write_study(tmp_path, "nowhere.csv"))
    assert error.key == "load.not_found"
    assert_both_languages_name(error, "nowhere.csv")


def test_xlsx_that_is_not_a_workbook_is_unreadable(tmp_path):
    small_panel().to_csv(tmp_path / "renamed.xlsx", index=False)
    error = load_error(write_study(tmp_path, "renamed.xlsx"))
    assert error.key == "load.unreadable"


# --- the same errors through `reporter validate` ---------------------------------------

def _save_study(frame: pd.DataFrame, file_name: str, **study) -> Callable[[Path], Path]:
    def build(tmp_path: Path) -> Path:
        save(frame, tmp_path / file_name)
        return write_study(tmp_path, file_name, **study)
    return build


def _bytes_study(data: bytes, file_name: str, **study) -> Callable[[Path], Path]:
    def build(tmp_path: Path) -> Path:
        (tmp_path / file_name).write_bytes(data)
        return write_study(tmp_path, file_name, **study)
    return build


def _book_study(writer: Callable[[Path], None], file_name: str) -> Callable[[Path], Path]:
    def build(tmp_path: Path) -> Path:
        writer(tmp_path / file_name)
        return write_study(tmp_path, file_name)
    return build


def _with_text(value: str) -> pd.DataFrame:
    frame = small_panel().astype({"x": object})
    frame.loc[4, "x"] = value
    return frame


def _with_gap() -> pd.DataFrame:
    frame = small_panel()
    frame.loc[5, CONTROL] = None
    return frame


_PANEL = small_panel()
CLI_CASES = [
    pytest.param(_save_study(pd.concat([_PANEL, _PANEL.iloc[[5]]]), "dup.csv"),
                 "dup.csv", id="duplicate_key"),
    pytest.param(_save_study(_with_text("n/a?"), "text.csv"), "text.csv", id="not_numeric"),
    pytest.param(_save_study(_with_text("12,3x"), "text.xlsx"), "text.xlsx",
                 id="not_numeric_xlsx"),
    pytest.param(_save_study(_PANEL, "panel.csv", controls=("研发投人",)), "panel.csv",
                 id="missing_column"),
    pytest.param(_save_study(_PANEL.query("city == '杭州'"), "one.csv"), "one.csv",
                 id="too_few_entities"),
    pytest.param(_save_study(_PANEL.query("year >= 2021"), "short.csv"), "short.csv",
                 id="too_few_periods"),
    pytest.param(_save_study(_PANEL, "panel.csv", year=2030), "panel.csv",
                 id="no_report_year"),
    pytest.param(_bytes_study(b"", "empty.csv"), "empty.csv", id="empty"),
    pytest.param(_bytes_study(b"city,year,y,x\n", "header.csv", controls=()), "header.csv",
                 id="header_only"),
    pytest.param(_book_study(write_two_sheets, "book.xlsx"), "book.xlsx", id="many_sheets"),
    pytest.param(_book_study(lambda p: write_bad_header(p, "merged"), "header.xlsx"),
                 "header.xlsx", id="merged_header"),
    pytest.param(_bytes_study(b"{}", "panel.json"), "panel.json", id="bad_format"),
    pytest.param(_bytes_study(BAD_BYTES, "bad.csv", controls=()), "bad.csv",
                 id="bad_encoding"),
    pytest.param(_save_study(_with_gap(), "gaps.csv", missing="error"), "gaps.csv",
                 id="missing_values"),
    pytest.param(lambda tmp_path: write_study(tmp_path, "nowhere.csv"), "nowhere.csv",
                 id="not_found"),
]


@pytest.mark.parametrize(("build", "file_name"), CLI_CASES)
def test_validate_reports_bad_data_bilingually_with_exit_2(tmp_path, build, file_name):
    config = build(tmp_path)
    result = CliRunner().invoke(main, ["validate", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "错误" in result.output and "Error" in result.output
    assert file_name in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_validate_accepts_a_good_panel(tmp_path):
    save(small_panel(), tmp_path / "panel.gbk.csv")
    config = write_study(tmp_path, "panel.gbk.csv")
    result = CliRunner().invoke(main, ["validate", "--config", str(config), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "12 rows, 3 entities, 4 periods" in result.output
    # with the English brief too, its Chinese-only column needs an English label
    result = CliRunner().invoke(main, ["validate", "--config", str(config)])
    assert result.exit_code == 2 and '[variables."研发投入"] label' in result.output
