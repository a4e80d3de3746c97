"""Small uploads that would cost a server a lot to read (issue 15), shared by the tests and perf/uploads.py.

Each builder returns the bytes of a file of a few kilobytes at most; `BOMBS` names them with what
`missions.imports.read_table` must answer (a fragment of its `TableError` message).
"""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _with_sheet(sheet_xml: str, extra: dict[str, bytes] | None = None) -> bytes:
    """A real workbook (written by openpyxl) whose first sheet is replaced by `sheet_xml`."""
    workbook = Workbook()
    workbook.active.append(["code"])
    original = io.BytesIO()
    workbook.save(original)
    out = io.BytesIO()
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = sheet_xml.encode() if item.filename == SHEET else source.read(item.filename)
            target.writestr(item.filename, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def _sheet(rows_xml: str, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0"?><worksheet {_NS}>{dim}<sheetData>{rows_xml}</sheetData></worksheet>'


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def declared_whole_sheet() -> bytes:
    """The red team's file: a range of A1:XFD1048576 declared, one cell in the last row."""
    rows = f'<row r="1">{_cell("A1", "code")}</row><row r="1048576">{_cell("XFD1048576", "x")}</row>'
    return _with_sheet(_sheet(rows, dimension="A1:XFD1048576"))


def blank_rows() -> bytes:
    """No declared range; a header, then one cell a million rows down (openpyxl yields every row between)."""
    rows = f'<row r="1">{_cell("A1", "code")}</row><row r="1048576">{_cell("A1048576", "x")}</row>'
    return _with_sheet(_sheet(rows))


def wide_row() -> bytes:
    """No declared range; a header whose second cell is in the last column (a row of 16,384 values)."""
    return _with_sheet(_sheet(f'<row r="1">{_cell("A1", "code")}{_cell("XFD1", "x")}</row>'))


def many_cells(rows: int = 3000) -> bytes:
    """Under the row and column limits, but its rows of 150 (empty) cells pass a cell limit of 100,000."""
    body = "".join(f'<row r="{r}"><c r="A{r}"/><c r="ET{r}"/></row>' for r in range(2, rows + 1))
    return _with_sheet(_sheet(f'<row r="1">{_cell("A1", "code")}</row>{body}'))


def zip_bomb(unpacked_mb: int = 80) -> bytes:
    """A member that unpacks to `unpacked_mb` MB of spaces (about 80 KB packed)."""
    return _with_sheet(
        _sheet(f'<row r="1">{_cell("A1", "code")}</row>'), {"xl/padding.xml": b" " * (unpacked_mb << 20)}
    )


def csv_nul() -> bytes:
    return b"name,type\nOK,ngo\nBad\x00name,ngo\n"


def csv_long_field() -> bytes:
    """An unclosed quote: the rest of the file becomes one field, past csv's 128 KB field limit."""
    return b'name,type\n"' + b"x" * 200_000 + b"\n"


# name -> (file name, builder, fragment of the refusal)
BOMBS = {
    "declared whole sheet": ("bomb.xlsx", declared_whole_sheet, "declares a range"),
    "a million blank rows": ("bomb.xlsx", blank_rows, "blank rows included"),
    "a row to column XFD": ("bomb.xlsx", wide_row, "columns"),
    "zip bomb": ("bomb.xlsx", zip_bomb, "unpacks to"),
    "NUL byte in a CSV": ("bomb.csv", csv_nul, "control character"),
    "unclosed quote in a CSV": ("bomb.csv", csv_long_field, "cannot be read"),
}
