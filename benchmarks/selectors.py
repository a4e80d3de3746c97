"""Reads of the results framework, shared by the pages, the API and the PDF reports.

Each selector runs a fixed number of queries whatever the size of the plan (the tests in
`tests/test_benchmarks_queries.py` pin the numbers at 10 and 2,000 benchmarks), and scopes what
it reads through `mandate.access`, so a report built for a user shows what that user may see.
`user=None` means a trusted caller (a scheduled report for the whole mission, a command): rows are
not filtered by role, and per-row permissions (`can_assess`, `can_edit`) are False.

- `Filters.from_params(request.GET)`: the dashboard filters, parsed without touching the database.
- `dashboard_data(mission, user=None, filters=None, page=1)`: outputs x terms x statuses, one page of rows.
- `status_counts(benchmarks, today)`: the dashboard's aggregate (GROUP BY output, term, current status).
- `benchmark_matrix(mission, user=None, filters=None)`: every filtered benchmark row, for exports and reports.
- `status_trend(mission, user=None, months=12, filters=None)`: statuses at each month end, one SQL aggregate.
- `output_detail(output, user=None)`: an output's activities, benchmarks, risks and indicators.
- `benchmark_detail(benchmark, user=None)`: a benchmark's assessment history, indicators and linked engagements.
- `indicator_table(indicator)`: baseline / target / actual per period of one indicator (prefetched values).
- `risk_register(mission, user=None, output=None)`: the active risks and their likelihood x impact grid.
"""

from __future__ import annotations

import calendar
import datetime
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db import connections
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from benchmarks.models import (
    Activity,
    Assessment,
    Benchmark,
    Indicator,
    IndicatorValue,
    OperationalOutput,
    Risk,
    Status,
    Term,
)
from mandate import access
from missions.models import Component, Mission
from partners.models import Engagement

TERM_ORDER = {Term.SHORT: 0, Term.MEDIUM: 1, Term.LONG: 2}
STATUS_VALUES: tuple[str, ...] = tuple(Status.values)  # `Status.values` rebuilds its list on every access
PAGE_SIZE = 50


def _term_rank() -> Case:
    return Case(*(When(term=t, then=Value(i)) for t, i in TERM_ORDER.items()), output_field=IntegerField())


def _int_or_none(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


@dataclass(frozen=True)
class Filters:
    """What the dashboard, its exports and the trend are narrowed to. Every field is optional.

    `component` is the benchmark's lead component (its own, else its output's); `status` is the
    current status (a never-assessed benchmark counts as not started); `overdue` keeps only
    benchmarks whose assessment is overdue (see `overdue_q`).
    """

    output: int | None = None
    term: str | None = None
    status: str | None = None
    component: int | None = None
    overdue: bool = False

    @classmethod
    def from_params(cls, params: Mapping) -> Filters:
        """Parse query parameters leniently: unknown or malformed values are ignored, never an error."""
        term = params.get("term") or None
        status = params.get("status") or None
        return cls(
            output=_int_or_none(params.get("output")),
            term=term if term in Term.values else None,
            status=status if status in Status.values else None,
            component=_int_or_none(params.get("component")),
            overdue=params.get("overdue") in {"1", "true", "on"},
        )

    def as_params(self) -> dict[str, str]:
        params = {
            "output": self.output,
            "term": self.term,
            "status": self.status,
            "component": self.component,
            "overdue": "1" if self.overdue else None,
        }
        return {k: str(v) for k, v in params.items() if v}

    def querystring(self, **extra) -> str:
        """The filters as a URL query string (without '?'), plus `extra` parameters such as a page."""
        return urlencode({**self.as_params(), **{k: v for k, v in extra.items() if v}})

    @property
    def active(self) -> bool:
        return bool(self.as_params())

    def link(self, **changes) -> str:
        """The query string of these filters with some changed, e.g. `link(status="off_track")` for a tile."""
        params = self.as_params()
        for name, value in changes.items():
            params.pop(name, None)
            if value:
                params[name] = "1" if value is True else str(value)
        return urlencode(params)

    def apply(self, queryset: QuerySet[Benchmark], today: datetime.date) -> QuerySet[Benchmark]:
        if self.output:
            queryset = queryset.filter(output_id=self.output)
        if self.term:
            queryset = queryset.filter(term=self.term)
        if self.status == Status.NOT_STARTED:
            queryset = queryset.filter(Q(latest_assessment__isnull=True) | Q(latest_assessment__status=self.status))
        elif self.status:
            queryset = queryset.filter(latest_assessment__status=self.status)
        if self.component:
            queryset = queryset.filter(
                Q(lead_component_id=self.component)
                | Q(lead_component__isnull=True, output__lead_component_id=self.component)
            )
        if self.overdue:
            queryset = queryset.filter(overdue_q(today))
        return queryset


def overdue_q(today: datetime.date) -> Q:
    """Benchmarks whose assessment is overdue on `today`.

    Not yet achieved, and last assessed (or, never assessed, created) more than
    `settings.ASSESSMENT_OVERDUE_DAYS` days ago. An achieved benchmark needs no further assessment.
    """
    cutoff = today - datetime.timedelta(days=settings.ASSESSMENT_OVERDUE_DAYS)
    cutoff_dt = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    return ~Q(latest_assessment__status=Status.ACHIEVED) & (
        Q(latest_assessment__assessed_on__lt=cutoff) | Q(latest_assessment__isnull=True, created_at__lt=cutoff_dt)
    )


def is_overdue(benchmark: Benchmark, today: datetime.date) -> bool:
    """Python twin of `overdue_q` for a row already fetched with its `latest_assessment`."""
    cutoff = today - datetime.timedelta(days=settings.ASSESSMENT_OVERDUE_DAYS)
    latest = benchmark.latest_assessment
    if latest is None:
        return timezone.localdate(benchmark.created_at) < cutoff if benchmark.created_at else False
    return latest.status != Status.ACHIEVED and latest.assessed_on < cutoff


def _scoped(user, queryset: QuerySet) -> QuerySet:
    # `user=None` is a trusted caller (a report generated for the mission, a command): no row filter.
    return queryset if user is None else access.scope(user, queryset)


def active_benchmarks(mission: Mission, user=None) -> QuerySet[Benchmark]:
    """The mission's benchmarks the user may view, leaving out retired ones and those of retired outputs."""
    return _scoped(
        user,
        Benchmark.objects.filter(output__mission=mission, retired_at__isnull=True, output__retired_at__isnull=True),
    )


def _label(choices, value: str) -> str:
    # Translated once per language and value, not once per row and render (labels are lazy strings).
    key = (choices, value, translation.get_language())
    label = _LABELS.get(key)
    if label is None:
        label = _LABELS[key] = str(choices(value).label)
    return label


_LABELS: dict[tuple, str] = {}


def _decorate(benchmark: Benchmark, user, today: datetime.date, components: Mapping[int, Component]) -> Benchmark:
    """Attach what a row shows (current status, progress, lead, overdue, may assess) to a fetched benchmark."""
    latest = benchmark.latest_assessment
    benchmark.status = latest.status if latest else Status.NOT_STARTED
    benchmark.status_label = _label(Status, benchmark.status)
    benchmark.term_label = _label(Term, benchmark.term)
    benchmark.progress = latest.progress if latest else 0
    benchmark.last_assessed = latest.assessed_on if latest else None
    benchmark.overdue = is_overdue(benchmark, today)
    lead_id = benchmark.lead_component_id or benchmark.output.lead_component_id
    benchmark.lead = components.get(lead_id)
    benchmark.can_assess = user is not None and access.can(user, access.Action.ASSESS, benchmark)
    return benchmark


# --- the dashboard ------------------------------------------------------------------------------


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
    user=None,
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
    rows = list(
        filtered.select_related("output", "latest_assessment").order_by(
            "output__order", "output_id", _term_rank(), "order", "id"
        )[(page - 1) * page_size : page * page_size]
    )
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
        benchmarks.annotate(current=Coalesce(F("latest_assessment__status"), Value(Status.NOT_STARTED)))
        .values("output_id", "term", "current")
        .annotate(n=Count("id"), late=Count("id", filter=overdue_q(today)))
        .order_by()
    )


def benchmark_matrix(
    mission: Mission, user=None, filters: Filters | None = None, *, today: datetime.date | None = None
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


# --- the trend ----------------------------------------------------------------------------------


@dataclass
class Trend:
    months: list[datetime.date]  # month-end dates, oldest first; the last one is today
    counts: list[dict[str, int]]  # benchmarks by status at each of those dates


def month_ends(today: datetime.date, months: int) -> list[datetime.date]:
    """The last `months` month ends, oldest first, the current month's being `today`."""
    ends = [today]
    year, month = today.year, today.month
    for _i in range(months - 1):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        ends.append(datetime.date(year, month, calendar.monthrange(year, month)[1]))
    return ends[::-1]


def status_trend(
    mission: Mission,
    user=None,
    months: int = 12,
    filters: Filters | None = None,
    *,
    today: datetime.date | None = None,
) -> Trend:
    """How many of today's (filtered) benchmarks stood at each status at the end of each of the last `months` months.

    A benchmark's status at a month end is that of its newest assessment on or before it (a correction
    dated the same day wins, as it is created later); before its first assessment it is not started.

    One query. A window function (LEAD, in the order of the assessments' index) gives each assessment
    the status it replaced; the database groups by (date, status, replaced status) and returns those
    few hundred sums, not the assessments. Each group moves its count from the replaced status to the
    new one on its date, and a running total in Python reads the counts at each month end.
    Works on PostgreSQL and SQLite; measured against alternatives in perf/dashboard.py.
    """
    today = today or timezone.localdate()
    ends = month_ends(today, months)
    benchmarks = (filters or Filters()).apply(active_benchmarks(mission, user), today)
    connection = connections[benchmarks.db]
    scoped_sql, scoped_params = benchmarks.values("id").order_by().query.get_compiler(connection=connection).as_sql()
    table = Assessment._meta.db_table
    sql = f"""
        SELECT assessed_on, status, replaced, COUNT(*) FROM (
            SELECT a.assessed_on, a.status,
                   LEAD(a.status) OVER (
                       PARTITION BY a.benchmark_id ORDER BY a.assessed_on DESC, a.created_at DESC, a.id DESC
                   ) AS replaced
            FROM {table} a
            WHERE a.benchmark_id IN ({scoped_sql}) AND a.assessed_on <= %s
        ) changes
        GROUP BY assessed_on, status, replaced
        UNION ALL
        SELECT NULL, NULL, NULL, COUNT(*) FROM ({scoped_sql}) scoped
    """  # noqa: S608 - only a table name, the ORM's SQL and placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [*scoped_params, today, *scoped_params])
        rows = cursor.fetchall()
    total = next(n for assessed_on, _s, _r, n in rows if assessed_on is None)
    changes = [row for row in rows if row[0] is not None]
    # Every benchmark starts not started; each change moves it from the replaced status to the new one.
    moves: list[tuple[int, str, str | None, int]] = []
    for assessed_on, new, replaced, n in changes:
        day = assessed_on if isinstance(assessed_on, datetime.date) else datetime.date.fromisoformat(assessed_on)
        moves.append((day.year * 12 + day.month, new, replaced or Status.NOT_STARTED, n))
    moves.sort(key=lambda move: move[0])
    running: dict[str, int] = defaultdict(int)
    counts: list[dict[str, int]] = []
    i = 0
    for end in ends:
        key = end.year * 12 + end.month
        while i < len(moves) and moves[i][0] <= key:
            _key, new, replaced, n = moves[i]
            running[new] += n
            running[replaced] -= n
            i += 1
        counts.append({status: n for status, n in running.items() if n})
    for month_counts in counts:
        # `running` counted not-started as negative moves away from it; add the benchmarks themselves.
        month_counts[Status.NOT_STARTED] = month_counts.get(Status.NOT_STARTED, 0) + total
        if not month_counts[Status.NOT_STARTED]:
            del month_counts[Status.NOT_STARTED]
    return Trend(months=ends, counts=counts)


# --- output, benchmark, indicator, risks --------------------------------------------------------


def _indicators_with_values() -> Prefetch:
    return Prefetch("values", queryset=IndicatorValue.objects.select_related("recorded_by").order_by("period_start"))


@dataclass
class IndicatorTable:
    """An indicator's values per period, ready for a table and for `charts.indicator_chart`."""

    indicator: Indicator
    rows: list[IndicatorValue]

    @property
    def periods(self) -> list[str]:
        return [_period_label(v) for v in self.rows]

    @property
    def actuals(self) -> list[Decimal]:
        return [v.actual for v in self.rows]

    @property
    def latest(self) -> IndicatorValue | None:
        return self.rows[-1] if self.rows else None

    def chart(self):
        from benchmarks import charts

        return charts.indicator_chart(
            self.periods,
            self.actuals,
            baseline=self.indicator.baseline,
            target=self.indicator.target,
            unit=self.indicator.unit,
            title=self.indicator.name,
        )


def _period_label(value: IndicatorValue) -> str:
    start, end = value.period_start, value.period_end
    if start.year == end.year and start.month == end.month:
        return start.strftime("%b %Y")
    if start.year == end.year:
        return f"{start.strftime('%b')}–{end.strftime('%b %Y')}"
    return f"{start.strftime('%b %Y')}–{end.strftime('%b %Y')}"


def indicator_table(indicator: Indicator) -> IndicatorTable:
    """Baseline, target and actual (with women / men / youth when disaggregated) per period, oldest first.

    No query when the indicator was fetched with its values prefetched (as `output_detail` and
    `benchmark_detail` do); one query otherwise.
    """
    values = sorted(indicator.values.all(), key=lambda v: v.period_start)
    return IndicatorTable(indicator=indicator, rows=values)


@dataclass
class OutputDetail:
    output: OperationalOutput
    activities: list[Activity]
    benchmarks: list[Benchmark]  # decorated like dashboard rows, in term order
    risks: list[Risk]
    indicators: list[IndicatorTable]
    retired: dict[str, list]  # retired activities / benchmarks / risks / indicators, kept for the record
    cells: list[Cell]
    heat: dict[tuple[int, int], int]

    def benchmarks_by_term(self) -> list[tuple[str, list[Benchmark]]]:
        return [(t.label, [b for b in self.benchmarks if b.term == t.value]) for t in Term]


def output_detail(output: OperationalOutput, user=None, *, today: datetime.date | None = None) -> OutputDetail:
    """An output with everything planned under it. Precondition: the user may view `output`.

    Six queries: components, activities, benchmarks with their latest assessment, risks,
    indicators, and the indicators' values (prefetch).
    """
    today = today or timezone.localdate()
    by_id = {c.pk: c for c in Component.objects.filter(mission_id=output.mission_id)}
    activities = list(output.activities.all())
    benchmarks = list(output.benchmarks.select_related("latest_assessment").order_by(_term_rank(), "order", "id"))
    risks = list(output.risks.order_by("-likelihood", "-impact", "order", "id"))
    indicators = list(output.indicators.prefetch_related(_indicators_with_values()))
    for item in [*activities, *benchmarks, *risks, *indicators]:
        item.output = output  # no query per row for access checks and labels
    for item in [*activities, *risks, *indicators]:
        item.can_edit = user is not None and access.can(user, access.Action.EDIT, item)
    for item in activities:
        item.lead = by_id.get(item.lead_component_id or output.lead_component_id)
    for risk in risks:
        risk.owner_component = by_id.get(risk.owner_id)
    decorated = [_decorate(b, user, today, by_id) for b in benchmarks]
    active = [b for b in decorated if not b.is_retired]
    cells = {t.value: Cell(t.value, t.label) for t in Term}
    for b in active:
        cell = cells[b.term]
        cell.counts[b.status] = cell.counts.get(b.status, 0) + 1
        cell.overdue += b.overdue
    live_risks = [r for r in risks if not r.is_retired]
    heat: dict[tuple[int, int], int] = defaultdict(int)
    for risk in live_risks:
        heat[(risk.likelihood, risk.impact)] += 1
    return OutputDetail(
        output=output,
        activities=[a for a in activities if not a.is_retired],
        benchmarks=active,
        risks=live_risks,
        indicators=[indicator_table(i) for i in indicators if not i.is_retired],
        retired={
            "activities": [a for a in activities if a.is_retired],
            "benchmarks": [b for b in decorated if b.is_retired],
            "risks": [r for r in risks if r.is_retired],
            "indicators": [i for i in indicators if i.is_retired],
        },
        cells=list(cells.values()),
        heat=dict(heat),
    )


@dataclass
class BenchmarkDetail:
    benchmark: Benchmark  # decorated like a dashboard row
    assessments: list[Assessment]  # newest first; each has `.corrected_by` (list of the corrections of it)
    indicators: list[IndicatorTable]
    engagements: list[Engagement]


def benchmark_detail(benchmark: Benchmark, user=None, *, today: datetime.date | None = None) -> BenchmarkDetail:
    """A benchmark's full assessment history, its indicators and the partner engagements linked to it.

    Precondition: the user may view `benchmark` (fetched with `output`). Six queries: components,
    the history with assessors (which also yields the latest assessment), the indicators, their
    values, the engagements the user may see with their component, and those engagements' partners.
    """
    today = today or timezone.localdate()
    by_id = {c.pk: c for c in Component.objects.filter(mission_id=benchmark.output.mission_id)}
    assessments = list(
        benchmark.assessments.select_related("assessed_by").order_by("-assessed_on", "-created_at", "-id")
    )
    # The latest assessment is one of the history rows: reuse it rather than query again.
    by_pk = {a.pk: a for a in assessments}
    benchmark.latest_assessment = by_pk.get(benchmark.latest_assessment_id)
    for a in assessments:
        a.corrected_by = []
    for a in assessments:
        if a.corrects_id in by_pk:
            a.corrects = by_pk[a.corrects_id]
            by_pk[a.corrects_id].corrected_by.append(a)
    indicators = list(benchmark.indicators.filter(retired_at__isnull=True).prefetch_related(_indicators_with_values()))
    engagements = list(
        _scoped(user, Engagement.objects.filter(benchmarks=benchmark))
        .select_related("component")
        .prefetch_related("partners")
        .order_by("-date", "-id")
    )
    return BenchmarkDetail(
        benchmark=_decorate(benchmark, user, today, by_id),
        assessments=assessments,
        indicators=[indicator_table(i) for i in indicators],
        engagements=engagements,
    )


@dataclass
class RiskRegister:
    risks: list[Risk]  # active risks of active outputs, highest score first; `.output` and `.owner` loaded
    heat: dict[tuple[int, int], int]  # (likelihood, impact) -> number of risks

    def by_output(self) -> list[tuple[OperationalOutput, list[Risk]]]:
        groups: dict[int, tuple[OperationalOutput, list[Risk]]] = {}
        for risk in sorted(self.risks, key=lambda r: (r.output.order, r.output_id)):
            groups.setdefault(risk.output_id, (risk.output, []))[1].append(risk)
        return list(groups.values())


def risk_register(mission: Mission, user=None, *, output: OperationalOutput | None = None) -> RiskRegister:
    """The mission's (or one output's) active risks and challenges with their likelihood x impact grid. One query."""
    queryset = Risk.objects.filter(output__mission=mission, retired_at__isnull=True, output__retired_at__isnull=True)
    if output is not None:
        queryset = queryset.filter(output=output)
    risks = list(
        _scoped(user, queryset)
        .select_related("output", "owner")
        .order_by("-likelihood", "-impact", "output__order", "order", "id")
    )
    heat: dict[tuple[int, int], int] = defaultdict(int)
    for risk in risks:
        heat[(risk.likelihood, risk.impact)] += 1
        risk.can_edit = user is not None and access.can(user, access.Action.EDIT, risk)
    return RiskRegister(risks=risks, heat=dict(heat))


__all__ = [
    "Filters",
    "Dashboard",
    "dashboard_data",
    "benchmark_matrix",
    "Trend",
    "status_trend",
    "OutputDetail",
    "output_detail",
    "BenchmarkDetail",
    "benchmark_detail",
    "IndicatorTable",
    "indicator_table",
    "RiskRegister",
    "risk_register",
    "overdue_q",
    "is_overdue",
]
