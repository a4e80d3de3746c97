"""Every CSV and XLSX file the project writes: one formula guard, one CSV stream, one XLSX writer.

Spreadsheet programs run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula, and most also after leading spaces: a summary typed as `=HYPERLINK("http://...")` would go out
as a live link, or worse (CSV injection, OWASP). `neutralise` prefixes such text with a single quote, so
it is shown as typed and never run; numbers and dates are left as they are. Both writers apply it to
every cell, headers included, so no export can forget it.

- `csv_response(filename, header, rows)`: a streamed CSV download (UTF-8 with a byte-order mark).
- `xlsx_bytes(sheets)` / `xlsx_response(filename, sheets)`: one worksheet per `Sheet`, in openpyxl's
  write-only mode (rows stream into the file: thousands cost little time and memory), header row bold
  and frozen, optional column widths and auto-filter; dates get a date format; a `Cell` carries a style.
- `value_rows(values_list_queryset)`: its rows streamed in chunks, an empty cell for None.
- `table_download(...)`: one table as a CSV or XLSX download, recorded in the audit trail (the registers
  whose export the import reads back: polling sites, partners).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# OWASP "CSV Injection": the characters that make a cell a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value` as a cell that is never run as a formula: text starting with = + - @ tab or CR (also after
    leading spaces) gets a leading single quote. None becomes an empty cell; other values are unchanged."""
    if value is None:
        return ""
    if isinstance(value, str) and (value.startswith(FORMULA_START) or value.lstrip().startswith(FORMULA_START)):
        return "'" + value
    return value


# --- CSV ----------------------------------------------------------------------------------------


class _Echo:
    """A file-like object that hands back what is written, for streaming csv.writer output."""

    def write(self, value):
        return value


def csv_lines(header: Sequence, rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV lines, header first, every cell through `neutralise`; starts with a byte-order mark so that
    spreadsheet programs read the file as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([neutralise(str(h)) for h in header])
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row])


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """A streamed CSV attachment: rows are read and written as the client downloads."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


# --- XLSX ---------------------------------------------------------------------------------------


@dataclass
class Cell:
    """A value with a style for the XLSX writer: `fill` and `font_color` as hex RGB ("1F77B4")."""

    value: object
    fill: str | None = None
    font_color: str | None = None
    bold: bool = False


@dataclass
class Sheet:
    """One worksheet: its title, header, rows (values or `Cell`s) and, optionally, column widths."""

    title: str
    columns: Sequence
    rows: Iterable[Sequence]
    widths: Sequence[int] | None = None
    auto_filter: bool = True
    header: bool = True


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The workbook of `sheets`, every cell through `neutralise`. Sheet titles are made valid for Excel
    (at most 31 characters, none of []:*?/\\, unique)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for spec in sheets or [Sheet(title="Sheet", columns=[], rows=[])]:
        _write_sheet(workbook, spec, _sheet_title(spec.title, used))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def value_rows(values, *, chunk_size: int = 2000) -> Iterator[list]:
    """The rows of a `values_list` queryset as lists, read in chunks of `chunk_size` (one query), None as an
    empty cell; numbers and dates stay what they are (the formula guard leaves them)."""
    for row in values.iterator(chunk_size=chunk_size):
        yield ["" if value is None else value for value in row]


def table_download(
    fmt: str, filename: str, title: str, columns: Sequence, rows: Iterable, *, user, mission, summary: str
):
    """One table as a download: `fmt` "csv" (streamed) or else XLSX (one sheet named `title`); the export is
    recorded in the audit trail first (`summary` names what, the format is added)."""
    from missions.models import AuditEvent
    from missions.services import audit_event_record

    audit_event_record(
        action=AuditEvent.Action.EXPORTED, user=user, mission=mission, summary=f"{summary} ({fmt.upper()})"
    )
    if fmt == "csv":
        return csv_response(filename, columns, rows)
    return xlsx_response(filename, [Sheet(title=title, columns=columns, rows=rows)])


def _write_sheet(workbook, spec: Sheet, title: str) -> None:
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title)
    columns = [str(c) for c in spec.columns]
    for index, column in enumerate(columns, start=1):
        width = spec.widths[index - 1] if spec.widths else min(60, max(12, len(column) + 4))
        sheet.column_dimensions[get_column_letter(index)].width = width
    styles = _Styles()
    if spec.header:
        sheet.freeze_panes = "A2"
        sheet.append([styles.cell(sheet, Cell(c, bold=True)) for c in columns])
    count = 0
    for row in spec.rows:
        sheet.append([styles.cell(sheet, value) for value in row])
        count += 1
    if spec.auto_filter and columns and count:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"


class _Styles:
    """openpyxl cells with their styles, one Font / PatternFill object per distinct style."""

    def __init__(self):
        self._fonts: dict = {}
        self._fills: dict = {}

    def cell(self, sheet, value):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font, PatternFill

        styled = value if isinstance(value, Cell) else None
        raw = styled.value if styled else value
        if not styled and not isinstance(raw, datetime.date):
            return neutralise(raw)
        if isinstance(raw, datetime.datetime) and timezone.is_aware(raw):
            raw = timezone.localtime(raw).replace(tzinfo=None)  # Excel has no time zones
        cell = WriteOnlyCell(sheet, value=neutralise(raw))
        if isinstance(raw, datetime.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(raw, datetime.date):
            cell.number_format = "yyyy-mm-dd"
        if styled and (styled.bold or styled.font_color):
            key = (styled.bold, styled.font_color)
            if key not in self._fonts:
                self._fonts[key] = Font(bold=styled.bold, color=styled.font_color)
            cell.font = self._fonts[key]
        if styled and styled.fill:
            if styled.fill not in self._fills:
                self._fills[styled.fill] = PatternFill("solid", fgColor=styled.fill)
            cell.fill = self._fills[styled.fill]
        return cell


def _sheet_title(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ , unique in the workbook.
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate
