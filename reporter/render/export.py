"""Every table of the brief as CSV (UTF-8 with BOM, so Excel opens Chinese correctly) and
as one XLSX workbook per language with a sheet per table."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from reporter.render.tables import Table


def _rows(table: Table) -> list[list[str]]:
    rows = [[cell.text for cell in table.header]]
    rows += [[cell.text + cell.sup for cell in row.cells] for row in table.rows]
    rows += [[note] for note in table.notes]
    return rows


def export_tables(tables: dict[str, Table], folder: Path, lang: str) -> list[Path]:
    """Write `tables/<id>_<lang>.csv` and `tables/tables_<lang>.xlsx`; returns the paths."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    book = Workbook()
    book.remove(book.active)
    for table_id, table in tables.items():
        rows = _rows(table)
        path = folder / f"{table_id}_{lang}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows([[table.title], *rows])
        written.append(path)
        sheet = book.create_sheet(title=table_id[:31])
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 36
    xlsx = folder / f"tables_{lang}.xlsx"
    book.properties.creator = "reporter"
    buffer = io.BytesIO()  # a full disk then fails one plain write, not a half-open zip
    book.save(buffer)
    xlsx.write_bytes(buffer.getvalue())
    written.append(xlsx)
    return written
