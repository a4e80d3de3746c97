"""What every results-framework read shares: the filters, overdue, scoping by user, row labels."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from benchmarks.models import (
    Benchmark,
    IndicatorValue,
    Status,
    Term,
)
from mandate import access
from missions.area_filter import AreaFilter
from missions.models import Component, Mission

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

    `area` (a `missions.area_filter.AreaFilter`, validated against the mission by the view, so not parsed
    here) narrows the view to a region or district: a benchmark counts there when one of its assessments
    concerns the area (a region includes its districts), and its status there is the newest of those
    (`area_status`), read from the `AreaStatus` summary (benchmarks.summaries), one row per benchmark.
    Benchmarks never assessed for an area are left out. `overdue` stays the benchmark's own (its newest
    assessment anywhere): an assessment is due for the benchmark, not for each district.
    """

    output: int | None = None
    term: str | None = None
    status: str | None = None
    component: int | None = None
    overdue: bool = False
    area: AreaFilter | None = field(default=None, compare=False)

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
            **(self.area.params() if self.area else {}),
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
        area = self.area if self.area else None
        if area is not None:
            # One summary row per benchmark assessed for the area (benchmarks.summaries.AreaStatus, unique per
            # benchmark and area): its newest assessment there gives the status, progress and date counted.
            queryset = queryset.filter(area_statuses__area=area.area.pk).annotate(
                area_status=F("area_statuses__status"),
                area_progress=F("area_statuses__progress"),
                area_assessed_on=F("area_statuses__assessed_on"),
            )
        if self.output:
            queryset = queryset.filter(output_id=self.output)
        if self.term:
            queryset = queryset.filter(term=self.term)
        if self.status and area is not None:
            queryset = queryset.filter(area_status=self.status)
        elif self.status:
            queryset = queryset.filter(current_status=self.status)
        if self.component:
            queryset = queryset.filter(
                Q(lead_component_id=self.component)
                | Q(lead_component__isnull=True, output__lead_component_id=self.component)
            )
        if self.overdue:
            queryset = queryset.filter(overdue_q(today))
        return queryset


def current_status(queryset: QuerySet[Benchmark]):
    """The status a benchmark counts with in `queryset`: in the area when `Filters.apply` narrowed it to one
    (`area_status`), else its current status; never assessed: not started."""
    source = "area_status" if "area_status" in queryset.query.annotations else "current_status"
    return Coalesce(F(source), Value(Status.NOT_STARTED))


def overdue_q(today: datetime.date) -> Q:
    """Benchmarks whose assessment is overdue on `today`.

    Not yet achieved, and last assessed (or, never assessed, created) more than
    `settings.ASSESSMENT_OVERDUE_DAYS` days ago. An achieved benchmark needs no further assessment.
    """
    cutoff = today - datetime.timedelta(days=settings.ASSESSMENT_OVERDUE_DAYS)
    cutoff_dt = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    return ~Q(current_status=Status.ACHIEVED) & (
        Q(last_assessed_on__lt=cutoff) | Q(last_assessed_on__isnull=True, created_at__lt=cutoff_dt)
    )


def is_overdue(benchmark: Benchmark, today: datetime.date) -> bool:
    """Python twin of `overdue_q` for a fetched row."""
    cutoff = today - datetime.timedelta(days=settings.ASSESSMENT_OVERDUE_DAYS)
    if benchmark.last_assessed_on is None:
        return timezone.localdate(benchmark.created_at) < cutoff if benchmark.created_at else False
    return benchmark.current_status != Status.ACHIEVED and benchmark.last_assessed_on < cutoff


def risk_review_overdue_q(today: datetime.date) -> Q:
    """Risks past their review date."""
    return Q(review_date__lt=today)


def reporting_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The indicator reporting period due on `today`: the last full calendar month (reports are monthly)."""
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def indicator_to_report_q(today: datetime.date) -> Q:
    """Indicators with no value reaching into the period due on `today` (see `reporting_period`)."""
    start, _end = reporting_period(today)
    return ~Q(pk__in=IndicatorValue.objects.filter(period_end__gte=start).values("indicator_id"))


def _scoped(user, queryset: QuerySet) -> QuerySet:
    # Trusted callers pass access.SYSTEM (every row); None is nobody (no row), never "no filter".
    return access.scope(user, queryset)


def active_benchmarks(mission: Mission, user) -> QuerySet[Benchmark]:
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
    if getattr(benchmark, "area_status", None):  # narrowed to an area: what was assessed there
        benchmark.status = benchmark.area_status
        benchmark.progress = benchmark.area_progress
        benchmark.last_assessed = benchmark.area_assessed_on
    else:
        benchmark.status = latest.status if latest else Status.NOT_STARTED
        benchmark.progress = latest.progress if latest else 0
        benchmark.last_assessed = latest.assessed_on if latest else None
    benchmark.status_label = _label(Status, benchmark.status)
    benchmark.term_label = _label(Term, benchmark.term)
    benchmark.overdue = is_overdue(benchmark, today)
    lead_id = benchmark.lead_component_id or benchmark.output.lead_component_id
    benchmark.lead = components.get(lead_id)
    benchmark.can_assess = access.can(user, access.Action.ASSESS, benchmark)
    return benchmark
