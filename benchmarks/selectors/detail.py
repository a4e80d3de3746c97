"""The output and benchmark pages' reads."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from benchmarks.models import (
    Activity,
    Assessment,
    Benchmark,
    OperationalOutput,
    Risk,
    Term,
)
from benchmarks.selectors.dashboard import Cell
from benchmarks.selectors.indicators import IndicatorTable, _indicators_with_values, indicator_table
from benchmarks.selectors.scope import _decorate, _scoped, _term_rank
from mandate import access
from missions.models import Component
from partners.models import Engagement


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


def output_detail(output: OperationalOutput, user, *, today: datetime.date | None = None) -> OutputDetail:
    """An output with everything planned under it. Precondition: the user may view `output`.

    Six queries: components, activities, benchmarks with their latest assessment, risks,
    indicators, and the indicators' values (prefetch).
    """
    today = today or timezone.localdate()
    by_id = {c.pk: c for c in Component.objects.filter(mission_id=output.mission_id)}
    activities = list(output.activities.all())
    benchmarks = list(output.benchmarks.select_related("latest_assessment").order_by(_term_rank(), "order", "id"))
    risks = list(output.risks.select_related("location").order_by("-likelihood", "-impact", "order", "id"))
    indicators = list(output.indicators.prefetch_related(_indicators_with_values()))
    for item in [*activities, *benchmarks, *risks, *indicators]:
        item.output = output  # no query per row for access checks and labels
    for item in [*activities, *risks, *indicators]:
        item.can_edit = access.can(user, access.Action.EDIT, item)
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


def benchmark_detail(benchmark: Benchmark, user, *, today: datetime.date | None = None) -> BenchmarkDetail:
    """A benchmark's full assessment history, its indicators and the partner engagements linked to it.

    Precondition: the user may view `benchmark` (fetched with `output`). Six queries: components,
    the history with assessors (which also yields the latest assessment), the indicators, their
    values, the engagements the user may see with their component, and those engagements' partners.
    """
    today = today or timezone.localdate()
    by_id = {c.pk: c for c in Component.objects.filter(mission_id=benchmark.output.mission_id)}
    assessments = list(
        benchmark.assessments.select_related("assessed_by", "location").order_by("-assessed_on", "-created_at", "-id")
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
