"""The benchmark matrix as CSV and XLSX files, from the rows of `selectors.benchmark_matrix`."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from benchmarks.charts import STATUS_COLOURS
from benchmarks.models import Benchmark, Status, Term
from benchmarks.selectors import Filters

# A cell starting with one of these is run as a formula by spreadsheet programs: neutralise it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def headers() -> list[str]:
    return [
        str(h)
        for h in [
            _("Output"),
            _("Term"),
            _("Benchmark"),
            _("Lead component"),
            _("Status"),
            _("Progress (%)"),
            _("Last assessed"),
            _("Overdue"),
            _("Target date"),
            _("Benchmark id"),
        ]
    ]


def row_values(benchmark: Benchmark) -> list:
    return [
        benchmark.output.title,
        str(Term(benchmark.term).label),
        benchmark.statement,
        benchmark.lead.name if benchmark.lead else "",
        str(Status(benchmark.status).label),
        benchmark.progress,
        benchmark.last_assessed,
        str(_("yes") if benchmark.overdue else _("no")),
        benchmark.target_date,
        benchmark.pk,
    ]


def _safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


class Echo:
    """A file-like object that hands back what is written, for streaming csv.writer output."""

    def write(self, value):
        return value


def csv_lines(rows: Iterable[Benchmark], writer) -> Iterator[str]:
    """CSV lines (header first) for a StreamingHttpResponse; `writer` is `csv.writer(Echo())`."""
    yield "\ufeff"  # byte-order mark, so spreadsheet programs read the file as UTF-8
    yield writer.writerow(headers())
    for benchmark in rows:
        yield writer.writerow([_safe(v) for v in row_values(benchmark)])


def xlsx_bytes(rows: Iterable[Benchmark], *, mission, filters: Filters) -> bytes:
    """One sheet with the matrix (status cells coloured like the dashboard), frozen header and filters."""
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = _("Benchmarks")[:31]
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    fills = {s: PatternFill("solid", fgColor=c.lstrip("#")) for s, c in STATUS_COLOURS.items()}
    white = Font(color="FFFFFF")
    for benchmark in rows:
        sheet.append([_safe(v) for v in row_values(benchmark)])
        status_cell = sheet.cell(row=sheet.max_row, column=5)
        status_cell.fill = fills[benchmark.status]
        status_cell.font = white
    for column, width in zip(range(1, 11), (40, 12, 70, 20, 12, 10, 14, 9, 14, 12), strict=True):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:J{sheet.max_row}"
    for column in (7, 9):
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = "yyyy-mm-dd"
    about = book.create_sheet(_("About")[:31])
    about.append([_("Mission"), str(mission)])
    about.append([_("Filters"), filters.querystring() or _("none")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
