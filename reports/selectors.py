"""Reads of the reports app: report lists, and the data each report kind is made of.

The report data functions take the requester (`user`) and read through `mandate.access.scope`, so a
report never shows its requester more than their pages would. Each runs a fixed number of queries
whatever the size of the mission (tests/test_reports_queries.py counts them at two sizes).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum

from benchmarks.models import Assessment, Benchmark, Indicator, IndicatorValue, OperationalOutput, Risk, Status, Term
from benchmarks.selectors import risk_register
from elections.models import ElectionPlan, Incident, Milestone, SecurityPlan, Threat
from elections.selectors import Readiness, readiness
from mandate import access
from missions.models import Mission
from partners.models import Engagement, FollowUp, Partner
from reports.models import Report, ReportComment

# Statuses that put a benchmark on the leadership's agenda whether or not they changed.
ATTENTION_STATUSES = frozenset({Status.OFF_TRACK, Status.AT_RISK})
# Ranks that tell an improvement from a decline when a status changes.
STATUS_RANK = {
    Status.OFF_TRACK: 0,
    Status.AT_RISK: 1,
    Status.NOT_STARTED: 2,
    Status.ON_TRACK: 3,
    Status.ACHIEVED: 4,
}


ASSESSMENT_FIELDS = (
    "id", "benchmark_id", "status", "progress", "evidence", "assessed_on", "created_at",
    "assessed_by__id", "assessed_by__username", "assessed_by__first_name", "assessed_by__last_name",
)  # fmt: skip


# --- report lists -------------------------------------------------------------------------------


def report_list(*, user, mission: Mission) -> QuerySet[Report]:
    """The mission's reports the user may see, newest first (one query; hq: released ones only)."""
    return access.scope(user, Report.objects.filter(mission=mission)).select_related(
        "requested_by", "election_plan", "approved_by", "released_by"
    )


def previous_report(report: Report) -> Report | None:
    """The report of the same kind (and election) the changes are measured from: the latest one
    generated for a period ending before this one's end."""
    qs = Report.objects.filter(
        mission_id=report.mission_id,
        kind=report.kind,
        state=Report.State.DONE,
        period_end__lt=report.period_end,
    ).exclude(pk=report.pk)
    if report.election_plan_id:
        qs = qs.filter(election_plan_id=report.election_plan_id)
    return qs.order_by("-period_end", "-created_at").first()


# --- the mission progress report ----------------------------------------------------------------


@dataclass
class BenchmarkRow:
    benchmark: Benchmark
    now: Assessment | None  # the latest assessment dated on or before the period end
    before_id: int | None  # the latest one dated on or before the reference date ("since")
    before_status: str | None

    @property
    def status(self) -> str:
        return self.now.status if self.now else Status.NOT_STARTED

    @property
    def status_before(self) -> str:
        return self.before_status or Status.NOT_STARTED

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def status_before_label(self) -> str:
        return Status(self.status_before).label

    @property
    def progress(self) -> int:
        return self.now.progress if self.now else 0

    @property
    def changed(self) -> bool:
        return self.status != self.status_before

    @property
    def direction(self) -> str:
        """ "up", "down" or "" (unchanged): improvements and declines read differently to HQ."""
        if not self.changed:
            return ""
        return "up" if STATUS_RANK[self.status] > STATUS_RANK[self.status_before] else "down"

    @property
    def assessed_in_period(self) -> bool:
        return self.now is not None and self.now.pk != self.before_id


@dataclass
class OutputSummary:
    output: OperationalOutput
    by_term: dict[str, Counter] = field(default_factory=dict)  # term -> Counter(status)
    improved: int = 0
    declined: int = 0

    @property
    def total(self) -> Counter:
        total = Counter()
        for counts in self.by_term.values():
            total.update(counts)
        return total


@dataclass
class ProgressData:
    mission: Mission
    period_start: datetime.date
    period_end: datetime.date
    since: datetime.date
    outputs: list[OutputSummary]
    rows: list[BenchmarkRow]
    indicators: list[Indicator]
    risks: list[Risk]
    risk_heat: dict
    elections: list[ElectionPlan]

    @property
    def status_now(self) -> Counter:
        return Counter(r.status for r in self.rows)

    @property
    def status_before(self) -> Counter:
        return Counter(r.status_before for r in self.rows)

    @property
    def changed(self) -> list[BenchmarkRow]:
        return [r for r in self.rows if r.changed]

    @property
    def attention(self) -> list[BenchmarkRow]:
        """Off-track or at-risk benchmarks whose status did not change (changed ones have their own table)."""
        return [r for r in self.rows if not r.changed and r.status in ATTENTION_STATUSES]


def _assessment_as_of(day: datetime.date, field: str = "pk") -> Subquery:
    # The index benchmark, -assessed_on, -created_at serves this correlated lookup.
    return Subquery(
        Assessment.objects.filter(benchmark=OuterRef("pk"), assessed_on__lte=day)
        .order_by("-assessed_on", "-created_at", "-id")
        .values(field)[:1]
    )


def progress_report_data(
    *, mission: Mission, user, period_start: datetime.date, period_end: datetime.date, since: datetime.date
) -> ProgressData:
    """Benchmarks with their status at `period_end` and at `since` (the previous report's period end),
    indicators against targets, the risk register and the election calendar, as the user may see them.

    Queries: 1. outputs; 2. benchmarks with the ids of their assessment as of each date; 3. those
    assessments; 4. indicators with their latest value in the period; 5. risks (the dashboard's
    `benchmarks.selectors.risk_register`); 6. elections with milestone counts. (`access.memberships`
    adds one the first time it meets the user object.)
    """
    outputs = list(
        access.scope(user, OperationalOutput.objects.filter(mission=mission, retired_at__isnull=True))
        .select_related("lead_component")
        .order_by("order", "id")
    )
    benchmarks = list(
        access.scope(
            user,
            Benchmark.objects.filter(output__mission=mission, output__retired_at__isnull=True).filter(
                Q(retired_at__isnull=True) | Q(retired_at__date__gt=period_end)
            ),
        )
        .select_related("lead_component")
        .annotate(
            now_id=_assessment_as_of(period_end),
            before_id=_assessment_as_of(since),
            before_status=_assessment_as_of(since, "status"),
        )
        .order_by("output__order", "output_id", "term", "order", "id")
    )
    # Only the current assessments are fetched whole (their evidence is shown); of the earlier ones the
    # report needs the status alone, read by the annotation above.
    wanted = {b.now_id for b in benchmarks if b.now_id}
    assessments = (
        {
            a.pk: a
            for a in Assessment.objects.filter(pk__in=wanted).select_related("assessed_by").only(*ASSESSMENT_FIELDS)
        }
        if wanted
        else {}
    )
    rows = [BenchmarkRow(b, assessments.get(b.now_id), b.before_id, b.before_status) for b in benchmarks]

    summaries = {o.pk: OutputSummary(o, {t: Counter() for t in Term.values}) for o in outputs}
    for row in rows:
        summary = summaries.get(row.benchmark.output_id)
        if summary is None:
            continue
        row.benchmark.output = summary.output  # the output is already in memory: no query per row
        summary.by_term[row.benchmark.term][row.status] += 1
        if row.direction == "up":
            summary.improved += 1
        elif row.direction == "down":
            summary.declined += 1
    rows = [r for r in rows if r.benchmark.output_id in summaries]

    latest_value = IndicatorValue.objects.filter(indicator=OuterRef("pk"), period_end__lte=period_end).order_by(
        "-period_end", "-period_start"
    )
    indicators = list(
        access.scope(user, Indicator.objects.filter(output__mission=mission, retired_at__isnull=True))
        .filter(output__retired_at__isnull=True)
        .annotate(
            actual=Subquery(latest_value.values("actual")[:1]),
            actual_period_end=Subquery(latest_value.values("period_end")[:1]),
        )
        .select_related("output", "benchmark")
        .order_by("output__order", "output_id", "order", "id")
    )
    # The dashboard's risk register (one query), ranked here by score for the report.
    register = risk_register(mission, user)
    risks = sorted(register.risks, key=lambda r: (-r.score, -r.impact))
    elections = list(
        access.scope(user, ElectionPlan.objects.filter(mission=mission))
        .annotate(
            milestones_total=Count("milestones"),
            milestones_done=Count("milestones", filter=Q(milestones__status=Milestone.Status.DONE)),
            milestones_delayed=Count("milestones", filter=Q(milestones__status=Milestone.Status.DELAYED)),
            milestones_overdue=Count(
                "milestones",
                filter=Q(milestones__due_date__lte=period_end) & ~Q(milestones__status=Milestone.Status.DONE),
            ),
        )
        .order_by("polling_start")
    )
    return ProgressData(
        mission=mission,
        period_start=period_start,
        period_end=period_end,
        since=since,
        outputs=list(summaries.values()),
        rows=rows,
        indicators=indicators,
        risks=risks,
        risk_heat=register.heat,
        elections=elections,
    )


# --- the election security readiness report ------------------------------------------------------


@dataclass
class SecurityData:
    election: ElectionPlan
    plan: SecurityPlan | None
    readiness: Readiness | None
    threats: list[Threat]
    incidents: list[Incident]
    milestones: list[Milestone]


def election_security_data(
    *, election: ElectionPlan, user, period_start: datetime.date, period_end: datetime.date
) -> SecurityData:
    """The newest approved security plan revision (else the newest revision) of an election, its
    readiness as the elections pages compute it (`elections.selectors.readiness`, as of the period
    end), its threats, the incidents of the period and the electoral calendar. The caller has checked
    the user may request this report.

    Queries: 1. the plan revision; 2-8. readiness (seven, see there); 9. threats; 10. incidents in the
    period; 11. milestones.
    """
    plan = (
        access.scope(user, SecurityPlan.objects.filter(election_plan=election))
        .annotate(approved_first=Count("pk", filter=Q(status=SecurityPlan.Status.APPROVED)))
        .select_related("election_plan", "decided_by")
        .order_by("-approved_first", "-revision")
        .first()
    )
    threats: list[Threat] = []
    plan_readiness = None
    if plan is not None:
        plan_readiness = readiness(plan, today=period_end)
        threats = list(
            Threat.objects.filter(security_plan=plan)
            .select_related("district")
            .annotate(score_value=F("likelihood") * F("impact"), site_count=Count("sites"))
            .order_by("-score_value", "actor")
        )
    incidents = list(
        access.scope(user, Incident.objects.filter(election_plan=election))
        .filter(occurred_at__date__gte=period_start, occurred_at__date__lte=period_end)
        .select_related("district")
        .order_by("-severity", "-occurred_at")
    )
    milestones = list(Milestone.objects.filter(plan=election).order_by("due_date", "id"))
    return SecurityData(
        election=election,
        plan=plan,
        readiness=plan_readiness,
        threats=threats,
        incidents=incidents,
        milestones=milestones,
    )


# --- the partner engagement summary --------------------------------------------------------------


@dataclass
class PartnerData:
    engagements: list[Engagement]
    by_type: list[dict]
    by_component: list[dict]
    totals: dict
    partners: list[Partner]
    screening: list[dict]
    follow_ups: dict


def partner_summary_data(
    *, mission: Mission, user, period_start: datetime.date, period_end: datetime.date
) -> PartnerData:
    """Engagements in the period with their partners, counts by type and component, participants,
    partners engaged, due-diligence screening and follow-ups, as the requester may see them.

    Queries: 1. engagements; 2. their partners (prefetch); 3. counts by type; 4. counts by component;
    5. totals; 6. partners engaged with their number of engagements; 7. screening counts; 8. follow-ups.
    """
    log = access.scope(user, Engagement.objects.filter(mission=mission)).filter(
        date__gte=period_start, date__lte=period_end
    )
    engagements = list(log.select_related("component", "district").prefetch_related("partners").order_by("date", "id"))
    type_labels = dict(Engagement.EngagementType.choices)
    by_type = [
        {"label": type_labels.get(r["engagement_type"], r["engagement_type"]), **r}
        for r in log.values("engagement_type").annotate(n=Count("id", distinct=True)).order_by("-n")
    ]
    by_component = list(log.values("component__name").annotate(n=Count("id", distinct=True)).order_by("-n"))
    totals = Engagement.objects.filter(pk__in=log.values("pk")).aggregate(
        engagements=Count("id"),
        women=Sum("participants_women"),
        men=Sum("participants_men"),
        youth=Sum("participants_youth"),
        districts=Count("district", distinct=True),
    )
    partners = list(
        access.scope(user, Partner.objects.filter(mission=mission))
        .annotate(
            n=Count(
                "engagements",
                filter=Q(engagements__in=log.values("pk")),
                distinct=True,
            )
        )
        .filter(n__gt=0)
        .order_by("-n", "name")
    )
    screening_labels = dict(Partner.Screening.choices)
    screening = [
        {"label": screening_labels.get(r["screening_status"], r["screening_status"]), **r}
        for r in access.scope(user, Partner.objects.filter(mission=mission))
        .values("screening_status")
        .annotate(n=Count("id"))
        .order_by("screening_status")
    ]
    follow_ups = access.scope(user, FollowUp.objects.filter(mission=mission)).aggregate(
        agreed=Count("id", filter=Q(engagement__date__gte=period_start, engagement__date__lte=period_end)),
        done_in_period=Count("id", filter=Q(completed_at__date__gte=period_start, completed_at__date__lte=period_end)),
        open=Count("id", filter=Q(status=FollowUp.Status.OPEN)),
        overdue=Count("id", filter=Q(status=FollowUp.Status.OPEN, due_date__lt=period_end)),
    )
    return PartnerData(
        engagements=engagements,
        by_type=by_type,
        by_component=by_component,
        totals={k: v or 0 for k, v in totals.items()},
        partners=partners,
        screening=screening,
        follow_ups=follow_ups,
    )


def status_label(value: str) -> str:
    return Status(value).label if value in Status.values else value


def report_comments(*, user, report: Report) -> list[ReportComment]:
    """The report's comment threads: first comments in order, each with its answers (`thread_answers`). Two queries."""
    comments = list(
        access.scope(user, ReportComment.objects.filter(report=report))
        .select_related("author")
        .order_by("created_at", "id")
    )
    by_id = {c.pk: c for c in comments}
    threads = []
    for comment in comments:
        comment.thread_answers = []
    for comment in comments:
        if comment.parent_id is None:
            threads.append(comment)
        elif comment.parent_id in by_id:
            by_id[comment.parent_id].thread_answers.append(comment)
    return threads
