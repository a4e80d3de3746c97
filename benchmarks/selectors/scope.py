"""What every results-framework read shares: the filters, overdue, scoping by user, row labels."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone, translation

from benchmarks.models import (
    Benchmark,
    IndicatorValue,
    Status,
    Term,
)
from mandate import access
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
    benchmark.status = latest.status if latest else Status.NOT_STARTED
    benchmark.status_label = _label(Status, benchmark.status)
    benchmark.term_label = _label(Term, benchmark.term)
    benchmark.progress = latest.progress if latest else 0
    benchmark.last_assessed = latest.assessed_on if latest else None
    benchmark.overdue = is_overdue(benchmark, today)
    lead_id = benchmark.lead_component_id or benchmark.output.lead_component_id
    benchmark.lead = components.get(lead_id)
    benchmark.can_assess = access.can(user, access.Action.ASSESS, benchmark)
    return benchmark
