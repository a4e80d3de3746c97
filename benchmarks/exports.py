"""The benchmark matrix as CSV and XLSX files, from the rows of `selectors.benchmark_matrix`.

The files themselves (formula guard, streaming, styles) are written by `missions.exports`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from benchmarks.charts import STATUS_COLOURS
from benchmarks.models import Benchmark
from benchmarks.selectors import Filters
from missions.exports import Cell, Sheet

WIDTHS = (40, 12, 70, 20, 12, 10, 14, 9, 14, 12)
STATUS_COLUMN = 4


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


def rows(benchmarks: Iterable[Benchmark]) -> Iterator[list]:
    """The CSV rows: one a benchmark."""
    yes, no = _("yes"), _("no")
    for benchmark in benchmarks:
        yield row_values(benchmark, yes, no)


def _coloured_rows(benchmarks: Iterable[Benchmark]) -> Iterator[list]:
    """The XLSX rows: the status cell coloured like the dashboard."""
    fills = {status: colour.lstrip("#") for status, colour in STATUS_COLOURS.items()}
    yes, no = _("yes"), _("no")
    for benchmark in benchmarks:
        values = row_values(benchmark, yes, no)
        values[STATUS_COLUMN] = Cell(values[STATUS_COLUMN], fill=fills[benchmark.status], font_color="FFFFFF")
        yield values


def sheets(benchmarks: Iterable[Benchmark], *, mission, filters: Filters) -> list[Sheet]:
    """The matrix (frozen header, filters) and an About sheet saying which mission and filters."""
    about = [[str(_("Mission")), str(mission)], [str(_("Filters")), filters.querystring() or str(_("none"))]]
    return [
        Sheet(title=_("Benchmarks"), columns=headers(), rows=_coloured_rows(benchmarks), widths=WIDTHS),
        Sheet(title=_("About"), columns=[], rows=about, header=False, auto_filter=False),
    ]
