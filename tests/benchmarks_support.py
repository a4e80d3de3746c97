"""Shared data for the results-framework tests (no tests here): a small plan, and a large one in bulk."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from benchmarks import summaries
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
from missions.models import Component
from tests.factories import EngagementFactory

Kind = Component.Kind


@dataclass
class Plan:
    out_ca: OperationalOutput  # led by civil affairs
    out_el: OperationalOutput  # led by the electoral component
    b_ca: Benchmark  # short term, inherits civil affairs from its output
    b_el: Benchmark  # short term, electoral, assessed off track
    b_el_long: Benchmark  # long term, electoral, never assessed
    activity: Activity
    indicator: Indicator  # disaggregated, under b_ca
    value: IndicatorValue
    risk: Risk
    assessment: Assessment  # b_el's off-track assessment


def make_plan(mission, components, author) -> Plan:
    """Two outputs (civil affairs, electoral) with benchmarks, one assessment, an indicator, a risk, an engagement."""
    today = timezone.localdate()
    out_ca = OperationalOutput.objects.create(
        mission=mission,
        title="National Reconciliation Promoted",
        lead_component=components[Kind.CIVIL_AFFAIRS],
        order=1,
    )
    out_el = OperationalOutput.objects.create(
        mission=mission,
        title="Peaceful and Credible Elections Held",
        lead_component=components[Kind.ELECTORAL],
        order=2,
    )
    b_ca = Benchmark.objects.create(output=out_ca, term=Term.SHORT, statement="Local peace committees meet monthly")
    b_el = Benchmark.objects.create(output=out_el, term=Term.SHORT, statement="Voter registration completed")
    b_el_long = Benchmark.objects.create(output=out_el, term=Term.LONG, statement="Second election held nationally")
    assessment = Assessment.objects.create(
        benchmark=b_el,
        assessed_on=today - datetime.timedelta(days=10),
        status=Status.OFF_TRACK,
        progress=20,
        evidence="Registration centres closed in two districts",
        assessed_by=author,
    )
    summaries.latest_refresh(Benchmark.objects.filter(pk=b_el.pk))
    summaries.summaries_rebuild(mission)  # rows written without the services: rebuild what they would keep
    b_el.refresh_from_db()
    activity = Activity.objects.create(output=out_ca, title="Support local reconciliation committees")
    indicator = Indicator.objects.create(
        output=out_ca, benchmark=b_ca, name="Committee participants", baseline=10, target=120, disaggregated=True
    )
    value = IndicatorValue.objects.create(
        indicator=indicator,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        actual=40,
        actual_women=18,
        actual_men=22,
        actual_youth=9,
    )
    risk = Risk.objects.create(output=out_ca, title="Spoilers disrupt committees", likelihood=4, impact=5)
    engagement = EngagementFactory(mission=mission, component=components[Kind.CIVIL_AFFAIRS], summary="Met elders")
    engagement.benchmarks.add(b_ca)
    return Plan(out_ca, out_el, b_ca, b_el, b_el_long, activity, indicator, value, risk, assessment)


def bulk_plan(mission, components, author, *, benchmarks: int, outputs: int = 5, history: int = 2) -> None:
    """`benchmarks` benchmarks over `outputs` outputs, each with `history` assessments, inserted in bulk."""
    kinds = [Kind.POLITICAL, Kind.CIVIL_AFFAIRS, Kind.ELECTORAL, Kind.MILITARY, Kind.POLICE]
    outs = OperationalOutput.objects.bulk_create(
        OperationalOutput(mission=mission, title=f"Output {i}", lead_component=components[kinds[i % 5]], order=i)
        for i in range(outputs)
    )
    terms = list(Term.values)
    rows = Benchmark.objects.bulk_create(
        Benchmark(output=outs[i % outputs], term=terms[i % 3], statement=f"Benchmark {i}", order=i)
        for i in range(benchmarks)
    )
    statuses = list(Status.values)
    today = timezone.localdate()
    assessments = Assessment.objects.bulk_create(
        Assessment(
            benchmark=b,
            assessed_on=today - datetime.timedelta(days=30 * (history - h)),
            status=statuses[(i + h) % len(statuses)],
            progress=(10 * (i + h)) % 101,
            evidence="seen",
            assessed_by=author,
        )
        for i, b in enumerate(rows)
        for h in range(history)
    )
    latest = {}
    for a in assessments:
        latest[a.benchmark_id] = a  # created in date order per benchmark: the last one is the newest
    for b in rows:
        b.latest_assessment = latest.get(b.pk)
    Benchmark.objects.bulk_update(rows, ["latest_assessment"], batch_size=500)
    summaries.summaries_rebuild(mission)  # bulk rows bypass the services: rebuild the trend summaries
