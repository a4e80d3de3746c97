"""The dashboard: outputs x terms x statuses, one page of rows, and the full matrix for exports."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from benchmarks.models import (
    Benchmark,
    OperationalOutput,
    Status,
    Term,
)
from benchmarks.selectors.scope import (
    PAGE_SIZE,
    STATUS_VALUES,
    TERM_ORDER,
    Filters,
    _decorate,
    _label,
    _term_rank,
    active_benchmarks,
    current_status,
    overdue_q,
)
from missions.models import Component, Mission


@dataclass
class Cell:
    """One output x term cell of the matrix: benchmark counts by status, and how many are overdue."""

    term: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def ordered_counts(self) -> list[tuple[str, str, int]]:
        """(status, label, count) in status order, including zeros, for tables."""
        return [(value, label, self.counts.get(value, 0)) for value, label in Status.choices]

    @property
    def nonzero(self) -> list[tuple[str, int]]:
        """(status, count) in status order, leaving out zeros."""
        return [(value, self.counts[value]) for value in STATUS_VALUES if self.counts.get(value)]


@dataclass
class OutputSummary:
    output: OperationalOutput
    lead: Component | None
    cells: list[Cell]

    @property
    def total(self) -> int:
        return sum(c.total for c in self.cells)

    @property
    def overdue(self) -> int:
        return sum(c.overdue for c in self.cells)

    @property
    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for cell in self.cells:
            for status, n in cell.counts.items():
                totals[status] += n
        return dict(totals)


@dataclass
class Dashboard:
    """Everything the dashboard page (and the PDF summary) shows for one mission and one set of filters."""

    mission: Mission
    filters: Filters
    today: datetime.date
    outputs: list[OutputSummary]  # the matrix: outputs (narrowed by the output filter) x three terms
    all_outputs: list[OperationalOutput]  # every active output, for the filter's choices
    components: list[Component]
    totals: dict[str, int]  # benchmarks by status across the filtered view
    total: int
    overdue: int
    rows: list[Benchmark]  # one page of the filtered benchmarks, decorated by `_decorate`
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def ordered_totals(self) -> list[tuple[str, str, int]]:
        return [(value, label, self.totals.get(value, 0)) for value, label in Status.choices]

    def chart_groups(self) -> list[tuple[str, list[tuple[str, dict[str, int]]]]]:
        """The matrix in the shape `charts.status_distribution` takes."""
        return [(o.output.title, [(c.label, c.counts) for c in o.cells]) for o in self.outputs]


def dashboard_data(
    mission: Mission,
    user,
    filters: Filters | None = None,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    today: datetime.date | None = None,
) -> Dashboard:
    """The mission dashboard: counts per output x term x status over all filtered benchmarks, and one page of rows.

    Precondition: the caller checked that the user may open the dashboard; benchmarks are scoped by
    `access.scope` as well. Four queries, whatever the number of benchmarks:
    1. the mission's components; 2. its active outputs; 3. one GROUP BY of the filtered benchmarks by
    output, term and current status (with the overdue count); 4. one page of benchmark rows.
    """
    filters = filters or Filters()
    today = today or timezone.localdate()
    # Query 1: components, for lead names and the component filter.
    components = list(Component.objects.filter(mission=mission).order_by("name"))
    by_id = {c.pk: c for c in components}
    # Query 2: active outputs in plan order.
    all_outputs = list(mission.outputs.filter(retired_at__isnull=True).order_by("order", "id"))
    filtered = filters.apply(active_benchmarks(mission, user), today)
    # Query 3: the matrix counts.
    matrix: dict[tuple[int, str], Cell] = {}
    totals: dict[str, int] = defaultdict(int)
    total = overdue = 0
    for row in status_counts(filtered, today):
        cell = matrix.setdefault((row["output_id"], row["term"]), Cell(row["term"], _label(Term, row["term"])))
        cell.counts[row["current"]] = cell.counts.get(row["current"], 0) + row["n"]
        cell.overdue += row["late"]
        totals[row["current"]] += row["n"]
        total += row["n"]
        overdue += row["late"]
    in_view = {output_id for output_id, _term in matrix}
    # Unfiltered, every output shows (an output without benchmarks is news too); filtered, only the
    # outputs with benchmarks in the view, so "off track, electoral" reads as a short list.
    summaries = [
        OutputSummary(
            output=o,
            lead=by_id.get(o.lead_component_id),
            cells=[matrix.get((o.pk, t), Cell(t, _label(Term, t))) for t in TERM_ORDER],
        )
        for o in all_outputs
        if not filters.active or o.pk == filters.output or o.pk in in_view
    ]
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    # Query 4: the page of rows. The total comes from query 3, so no COUNT query is needed to paginate.
    # The page's ids are chosen on the benchmarks alone, then only those rows join their output and
    # latest assessment (joining first made the database read the whole assessment log for one page).
    order = ("output__order", "output_id", _term_rank(), "order", "id")
    page_ids = filtered.order_by(*order).values("pk")[(page - 1) * page_size : page * page_size]
    rows = list(filtered.filter(pk__in=page_ids).select_related("output", "latest_assessment").order_by(*order))
    return Dashboard(
        mission=mission,
        filters=filters,
        today=today,
        outputs=summaries,
        all_outputs=all_outputs,
        components=components,
        totals=dict(totals),
        total=total,
        overdue=overdue,
        rows=[_decorate(b, user, today, by_id) for b in rows],
        page=page,
        page_size=page_size,
    )


def status_counts(benchmarks: QuerySet[Benchmark], today: datetime.date) -> QuerySet:
    """One GROUP BY: benchmarks by output, term and current status, with how many of each are overdue.

    Rows are dicts `{output_id, term, current, n, late}`; a never-assessed benchmark has no latest
    assessment and counts as not started. This is the dashboard's aggregate SQL.
    """
    return (
        benchmarks.annotate(current=current_status(benchmarks))
        .values("output_id", "term", "current")
        .annotate(n=Count("id"), late=Count("id", filter=overdue_q(today)))
        .order_by()
    )


def benchmark_matrix(
    mission: Mission, user, filters: Filters | None = None, *, today: datetime.date | None = None
) -> Iterator[Benchmark]:
    """Every filtered benchmark in plan order, decorated like the dashboard rows; for CSV/XLSX exports and reports.

    Two queries (components, then the rows, streamed in chunks so a large plan does not sit in memory).
    """
    filters = filters or Filters()
    today = today or timezone.localdate()
    by_id = {c.pk: c for c in Component.objects.filter(mission=mission)}
    rows = (
        filters.apply(active_benchmarks(mission, user), today)
        .select_related("output", "latest_assessment")
        .order_by("output__order", "output_id", _term_rank(), "order", "id")
    )
    for benchmark in rows.iterator(chunk_size=1000):
        yield _decorate(benchmark, user, today, by_id)
