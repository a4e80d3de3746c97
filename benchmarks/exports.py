"""The benchmark matrix as CSV and XLSX files, from the rows of `selectors.benchmark_matrix`."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from benchmarks.charts import STATUS_COLOURS
from benchmarks.models import Benchmark
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


def row_values(benchmark: Benchmark, yes: str = "yes", no: str = "no") -> list:
    """One row of the matrix, from a benchmark decorated by `selectors.benchmark_matrix`."""
    return [
        benchmark.output.title,
        benchmark.term_label,
        benchmark.statement,
        benchmark.lead.name if benchmark.lead else "",
        benchmark.status_label,
        benchmark.progress,
        benchmark.last_assessed,
        yes if benchmark.overdue else no,
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
    yes, no = _("yes"), _("no")
    for benchmark in rows:
        yield writer.writerow([_safe(v) for v in row_values(benchmark, yes, no)])


def xlsx_bytes(rows: Iterable[Benchmark], *, mission, filters: Filters) -> bytes:
    """One sheet with the matrix (status cells coloured like the dashboard), frozen header and filters.

    Written in openpyxl's write-only mode: rows stream into the file, so 5,000 benchmarks take
    about a second and little memory.
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Benchmarks")[:31])
    widths = (40, 12, 70, 20, 12, 10, 14, 9, 14, 12)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    white = Font(color="FFFFFF")
    fills = {s: PatternFill("solid", fgColor=c.lstrip("#")) for s, c in STATUS_COLOURS.items()}
    sheet.append([_cell(sheet, h, font=bold) for h in headers()])
    count = 0
    yes, no = _("yes"), _("no")
    for benchmark in rows:
        values = [_safe(v) for v in row_values(benchmark, yes, no)]
        values[4] = _cell(sheet, values[4], fill=fills[benchmark.status], font=white)
        for i in (6, 8):  # dates
            if values[i] != "":
                values[i] = _cell(sheet, values[i], number_format="yyyy-mm-dd")
        sheet.append(values)
        count += 1
    sheet.auto_filter.ref = f"A1:J{count + 1}"
    about = book.create_sheet(_("About")[:31])
    about.append([str(_("Mission")), str(mission)])
    about.append([str(_("Filters")), filters.querystring() or str(_("none"))])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell
