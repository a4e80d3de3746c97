"""Reads of the mandate and the narratives, shared by the pages, the API and the progress report.

Each selector runs a constant number of queries whatever the number of tasks, outputs or narratives.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext

from benchmarks.models import Assessment, Benchmark, IndicatorValue, OperationalOutput, Status
from mandate import access
from missions.models import Mission
from narratives.models import Attachment, MandateTask, Narrative, Overview
from partners.models import Engagement

# --- reporting periods --------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    @property
    def label(self) -> str:
        # Translators: a calendar quarter, as in "Q4 2026" (French: "T4 2026").
        return gettext("Q%(quarter)d %(year)d") % {"quarter": (self.start.month - 1) // 3 + 1, "year": self.start.year}

    @classmethod
    def quarter_of(cls, day: datetime.date) -> Period:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = day.replace(month=first_month, day=1)
        next_start = (
            start.replace(year=start.year + 1, month=1) if first_month == 10 else start.replace(month=first_month + 3)
        )
        return cls(start, next_start - datetime.timedelta(days=1))

    @classmethod
    def parse(cls, key: str | None) -> Period | None:
        """'2026-07-01_2026-09-30' -> a Period; None for anything else."""
        try:
            start, end = (datetime.date.fromisoformat(part) for part in (key or "").split("_"))
        except ValueError:
            return None
        return cls(start, end) if start <= end else None

    def previous(self) -> Period:
        return Period.quarter_of(self.start - datetime.timedelta(days=1))


def reporting_periods(today: datetime.date, count: int = 6) -> list[Period]:
    """The current quarter and the ones before it, newest first: the periods narratives are written for."""
    periods = [Period.quarter_of(today)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods


def default_period(today: datetime.date) -> Period:
    """The quarter being reported on: the last complete quarter during its first month after, else the current."""
    current = Period.quarter_of(today)
    return current.previous() if (today - current.start).days < 31 else current


# --- the mandate --------------------------------------------------------------------------------


@dataclass
class TaskRow:
    task: MandateTask
    benchmarks: list[Benchmark]
    outputs: list[OperationalOutput]

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        counts = Counter(status_of(b) for b in self.benchmarks)
        return [(value, label, counts[value]) for value, label in Status.choices if counts[value]]

    @property
    def worst_status(self) -> str | None:
        for value in (Status.OFF_TRACK, Status.AT_RISK, Status.NOT_STARTED, Status.ON_TRACK, Status.ACHIEVED):
            if any(status_of(b) == value for b in self.benchmarks):
                return value
        return None


def status_of(benchmark: Benchmark) -> str:
    latest = benchmark.latest_assessment
    return latest.status if latest else Status.NOT_STARTED


def _live_benchmarks() -> QuerySet[Benchmark]:
    return Benchmark.objects.filter(retired_at__isnull=True).select_related("latest_assessment", "output")


def mandate_tasks(*, user, mission: Mission) -> QuerySet[MandateTask]:
    """The mission's mandate tasks in the order of their resolutions, with what serves them prefetched.

    Queries: tasks, their outputs, the outputs' benchmarks, the tasks' own benchmarks (4).
    """
    return access.scope(user, MandateTask.objects.filter(mission=mission)).prefetch_related(
        Prefetch(
            "outputs",
            queryset=OperationalOutput.objects.filter(retired_at__isnull=True).prefetch_related(
                Prefetch("benchmarks", queryset=_live_benchmarks(), to_attr="live_benchmarks")
            ),
            to_attr="live_outputs",
        ),
        Prefetch("benchmarks", queryset=_live_benchmarks(), to_attr="own_benchmarks"),
    )


def mandate_overview(*, user, mission: Mission) -> list[TaskRow]:
    """Per mandate task, the benchmarks that serve it (its own and those of its outputs) with their status."""
    rows = []
    for task in mandate_tasks(user=user, mission=mission):
        seen: dict[int, Benchmark] = {b.pk: b for b in task.own_benchmarks}
        for output in task.live_outputs:
            for benchmark in output.live_benchmarks:
                seen.setdefault(benchmark.pk, benchmark)
        benchmarks = sorted(seen.values(), key=lambda b: (b.output.order, b.output_id, b.term, b.order, b.pk))
        rows.append(TaskRow(task=task, benchmarks=benchmarks, outputs=list(task.live_outputs)))
    return rows


# --- narratives ---------------------------------------------------------------------------------


@dataclass
class BoardRow:
    output: OperationalOutput
    narrative: Narrative | None
    can_write: bool
    can_review: bool


@dataclass
class Board:
    period: Period
    rows: list[BoardRow]
    overview: Overview | None
    can_write_overview: bool


def narrative_board(*, user, mission: Mission, period: Period) -> Board:
    """The outputs of the mission with their narrative for the period and what the user may do with each.

    Queries: outputs with their lead component, their narratives of the period, the overview (3).
    """
    outputs = access.scope(
        user, OperationalOutput.objects.filter(mission=mission, retired_at__isnull=True)
    ).select_related("lead_component")
    narratives = {
        n.output_id: n
        for n in access.scope(
            user,
            Narrative.objects.filter(
                output__mission=mission, period_start=period.start, period_end=period.end
            ).select_related("written_by", "reviewed_by"),
        )
    }
    rows = []
    for output in outputs:
        narrative = narratives.get(output.pk)
        if narrative is not None:
            narrative.output = output  # the access checks below follow it without a query
        can_write = (
            access.can(user, access.Action.EDIT, narrative) if narrative else access.can_add(user, Narrative, output)
        )
        can_review = narrative is not None and access.can_validate_narrative(user, narrative)
        rows.append(BoardRow(output=output, narrative=narrative, can_write=can_write, can_review=can_review))
    overview = access.scope(
        user, Overview.objects.filter(mission=mission, period_start=period.start, period_end=period.end)
    ).first()
    can_write_overview = (
        access.can(user, access.Action.EDIT, overview) if overview else access.can_add(user, Overview, mission)
    )
    return Board(period=period, rows=rows, overview=overview, can_write_overview=can_write_overview)


@dataclass
class Evidence:
    """What supports a narrative: the period's assessments, indicator values and engagements of the output."""

    assessments: list[Assessment] = field(default_factory=list)
    values: list[IndicatorValue] = field(default_factory=list)
    engagements: list[Engagement] = field(default_factory=list)


def narrative_evidence(*, user, output: OperationalOutput, period: Period, limit: int = 50) -> Evidence:
    """Shown beside the text while writing (and reviewing). Three queries, each capped at `limit` rows."""
    assessments = access.scope(
        user,
        Assessment.objects.filter(
            benchmark__output=output, assessed_on__gte=period.start, assessed_on__lte=period.end
        ).select_related("benchmark", "assessed_by"),
    ).order_by("-assessed_on", "-id")[:limit]
    values = access.scope(
        user,
        IndicatorValue.objects.filter(
            indicator__output=output, period_start__lte=period.end, period_end__gte=period.start
        ).select_related("indicator"),
    ).order_by("indicator__order", "period_start")[:limit]
    engagements = access.scope(
        user,
        Engagement.objects.filter(date__gte=period.start, date__lte=period.end).filter(
            Q(pk__in=Engagement.outputs.through.objects.filter(operationaloutput=output).values("engagement_id"))
            | Q(pk__in=Engagement.benchmarks.through.objects.filter(benchmark__output=output).values("engagement_id"))
        ),
    ).order_by("-date", "-id")[:limit]
    return Evidence(assessments=list(assessments), values=list(values), engagements=list(engagements))


def narratives_for_period(
    *, user, mission: Mission, start: datetime.date, end: datetime.date, validated_only: bool
) -> tuple[dict[int, Narrative], Overview | None]:
    """The newest narrative per output whose period lies within [start, end], and the overview of that span.

    For the progress report: `validated_only` leaves unvalidated narratives out. Two queries.
    """
    narratives = access.scope(
        user,
        Narrative.objects.filter(output__mission=mission, period_start__gte=start, period_end__lte=end).select_related(
            "written_by", "reviewed_by"
        ),
    )
    if validated_only:
        narratives = narratives.filter(status=Narrative.Status.VALIDATED)
    by_output: dict[int, Narrative] = {}
    for narrative in narratives.order_by("output_id", "-period_end", "-id"):
        by_output.setdefault(narrative.output_id, narrative)
    overview = (
        access.scope(user, Overview.objects.filter(mission=mission, period_start__gte=start, period_end__lte=end))
        .select_related("written_by")
        .order_by("-period_end")
        .first()
    )
    return by_output, overview


def attachments_for(*, user, targets: list) -> dict[tuple[int, int], list[Attachment]]:
    """The evidence attached to each of `targets`, keyed by (content type id, object id). One query."""
    if not targets:
        return {}
    q = Q(pk__in=[])
    by_type: dict[int, list[int]] = {}
    for target in targets:
        ct = ContentType.objects.get_for_model(target)  # cached by Django after the first call
        by_type.setdefault(ct.pk, []).append(target.pk)
    for ct_id, ids in by_type.items():
        q |= Q(content_type_id=ct_id, object_id__in=ids)
    found: dict[tuple[int, int], list[Attachment]] = {}
    for attachment in access.scope(user, Attachment.objects.filter(q)).select_related("uploaded_by"):
        found.setdefault((attachment.content_type_id, attachment.object_id), []).append(attachment)
    return found


def attachments_of(*, user, target) -> list[Attachment]:
    return attachments_for(user=user, targets=[target]).get(
        (ContentType.objects.get_for_model(target).pk, target.pk), []
    )


@dataclass
class EvidenceFile:
    """One attachment listed in a report: the file (name, type, size) and the record it supports."""

    attachment: Attachment
    supports: str
    on: datetime.date | None


def evidence_in_period(
    *, user, mission: Mission, start: datetime.date, end: datetime.date, narratives: list[Narrative]
) -> list[EvidenceFile]:
    """The evidence attached to the period's benchmark assessments and engagements of the mission, and to
    `narratives` (the report's), as the user may see it: listed, never embedded or fetched.

    Queries: the attachments (the period's assessments and engagements as subqueries), then the assessments
    and the engagements they support (3 at most, whatever the number of files). The narratives must carry
    their output (the report's builder sets it), so naming them costs nothing.
    """
    from django.utils.translation import gettext as _

    types = ContentType.objects.get_for_models(Assessment, Narrative, Engagement)  # cached after the first call
    assessments = access.scope(
        user,
        Assessment.objects.filter(benchmark__output__mission=mission, assessed_on__gte=start, assessed_on__lte=end),
    ).values("pk")
    engagements = access.scope(user, Engagement.objects.filter(mission=mission, date__gte=start, date__lte=end)).values(
        "pk"
    )
    q = Q(content_type=types[Assessment], object_id__in=assessments) | Q(
        content_type=types[Engagement], object_id__in=engagements
    )
    if narratives:
        q |= Q(content_type=types[Narrative], object_id__in=[n.pk for n in narratives])
    files = list(
        access.scope(user, Attachment.objects.filter(mission=mission).filter(q))
        .select_related("uploaded_by")
        .order_by("uploaded_at", "pk")
    )
    ids = {ct: {a.object_id for a in files if a.content_type_id == types[ct].pk} for ct in types}
    by_assessment = (
        {a.pk: a for a in Assessment.objects.filter(pk__in=ids[Assessment]).select_related("benchmark")}
        if ids[Assessment]
        else {}
    )
    by_engagement = {e.pk: e for e in Engagement.objects.filter(pk__in=ids[Engagement])} if ids[Engagement] else {}
    by_narrative = {n.pk: n for n in narratives}
    listed = []
    for a in files:
        if a.content_type_id == types[Assessment].pk and a.object_id in by_assessment:
            target = by_assessment[a.object_id]
            text = _("Assessment of the benchmark “%(benchmark)s”") % {"benchmark": target.benchmark.statement[:160]}
            listed.append(EvidenceFile(a, text, target.assessed_on))
        elif a.content_type_id == types[Engagement].pk and a.object_id in by_engagement:
            target = by_engagement[a.object_id]
            text = _("Engagement: %(type)s, %(summary)s") % {
                "type": target.get_engagement_type_display(),
                "summary": target.summary[:120],
            }
            listed.append(EvidenceFile(a, text, target.date))
        elif a.content_type_id == types[Narrative].pk and a.object_id in by_narrative:
            target = by_narrative[a.object_id]
            text = _("Narrative of the output “%(output)s”") % {"output": target.output.title}
            listed.append(EvidenceFile(a, text, target.period_end))
    return listed
