"""Builders for the inbox and notification tests (no tests here)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from benchmarks.models import Indicator, IndicatorValue, Risk
from elections.models import RiskLevel, SecurityPlan
from missions.models import Component
from narratives.models import Narrative, Rating
from partners.models import Partner
from reports.models import Report, ReportComment, ReportKind
from tests.elections_support import build_election
from tests.factories import (
    BenchmarkFactory,
    EngagementFactory,
    FollowUpFactory,
    OutputFactory,
    PartnerFactory,
    PollingSiteFactory,
    TransportLegFactory,
)

Kind = Component.Kind
TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def submitted_plan(mission, district, *, high_risk_sites=2, submitter=None):
    """A submitted security plan with gaps: `high_risk_sites` critical sites without a task, one unescorted
    leg, and phases with no task (the builder's only task is in the polling phase)."""
    e = build_election(mission, district, sites=2, status=SecurityPlan.Status.SUBMITTED)
    plan = e["security"]
    plan.submitted_at, plan.submitted_by = timezone.now(), submitter
    plan.save(update_fields=["submitted_at", "submitted_by"])
    for _ in range(high_risk_sites):
        PollingSiteFactory(security_plan=plan, district=district, suggested_risk=RiskLevel.CRITICAL)
    TransportLegFactory(security_plan=plan, escort=None)
    return e


def component_work(mission, components, *, n: int = 1, kind=Kind.CIVIL_AFFAIRS):
    """For one component: `n` never-assessed old benchmarks (overdue), risks past review, indicators not
    reported; and the same for another component (which its staff must not see)."""
    made = {}
    for k, label in ((kind, "mine"), (Kind.POLITICAL, "theirs")):
        output = OutputFactory(mission=mission, lead_component=components[k])
        benchmarks = [BenchmarkFactory(output=output) for _ in range(n)]
        type(benchmarks[0]).objects.filter(pk__in=[b.pk for b in benchmarks]).update(
            created_at=timezone.now() - datetime.timedelta(days=400)
        )
        risks = [Risk.objects.create(output=output, title=f"Risk {label} {i}", review_date=days(-5)) for i in range(n)]
        indicators = [Indicator.objects.create(output=output, name=f"Indicator {label} {i}") for i in range(n)]
        made[label] = {"output": output, "benchmarks": benchmarks, "risks": risks, "indicators": indicators}
    return made


def follow_ups(mission, components, *, owner, partner, n: int = 1):
    engagement = EngagementFactory(mission=mission, component=components[Kind.CIVIL_AFFAIRS], partners=[partner])
    mine = [FollowUpFactory(engagement=engagement, owner=owner, due_date=days(-2)) for _ in range(n)]
    later = FollowUpFactory(engagement=engagement, owner=owner, due_date=days(60))
    partners = [FollowUpFactory(engagement=engagement, owner=None, partner=partner, due_date=days(3)) for _ in range(n)]
    return {"engagement": engagement, "mine": mine, "later": later, "partner": partners}


def screenings(mission, *, n: int = 1):
    lapsed = [PartnerFactory(mission=mission, name=f"Lapsed {i}", screening_review_due=days(-1)) for i in range(n)]
    soon = [PartnerFactory(mission=mission, name=f"Soon {i}", screening_review_due=days(10)) for i in range(n)]
    later = PartnerFactory(mission=mission, name="Later", screening_review_due=days(90))
    pending = PartnerFactory(mission=mission, name="Pending", screening_status=Partner.Screening.PENDING,
                             screening_review_due=days(-30))  # fmt: skip
    return {"lapsed": lapsed, "soon": soon, "later": later, "pending": pending}


def reports(mission, *, n: int = 1):
    common = {"mission": mission, "period_start": datetime.date(2026, 1, 1), "period_end": datetime.date(2026, 1, 31),
              "state": Report.State.DONE}  # fmt: skip
    draft = [Report.objects.create(kind=ReportKind.PROGRESS, **common) for _ in range(n)]
    released = [
        Report.objects.create(
            kind=ReportKind.PROGRESS,
            approval=Report.Approval.RELEASED,
            released_at=timezone.now(),
            sha256="0" * 64,
            **common,
        )  # fmt: skip
        for _ in range(n)
    ]
    security = Report.objects.create(kind=ReportKind.ELECTION_SECURITY, approval=Report.Approval.RELEASED,
                                     released_at=timezone.now(), sha256="0" * 64, **common)  # fmt: skip
    return {"draft": draft, "released": released, "security": security}


def fill_value(indicator):
    start = TODAY.replace(day=1) - datetime.timedelta(days=1)
    IndicatorValue.objects.create(indicator=indicator, period_start=start.replace(day=1), period_end=start, actual=1)


NARRATIVE_PERIOD = (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))


def narratives(mission, components, *, writer, n: int = 1, status=Narrative.Status.SUBMITTED):
    """`n` narratives in `status` for outputs led by civil affairs, and `n` for outputs led by the electoral
    component (whose MLT lead or staff see theirs, not the others')."""
    made = {}
    for kind in (Kind.CIVIL_AFFAIRS, Kind.ELECTORAL):
        rows = []
        for i in range(n):
            output = OutputFactory(mission=mission, lead_component=components[kind], title=f"{kind} output {i}")
            rows.append(
                Narrative.objects.create(
                    output=output, period_start=NARRATIVE_PERIOD[0], period_end=NARRATIVE_PERIOD[1], written_by=writer,
                    progress="p", challenges="c", next_steps="n", rating=Rating.ON_TRACK, status=status,
                    submitted_at=timezone.now(), review_comment="Add figures." if status == "returned" else "",
                )
            )  # fmt: skip
        made[kind] = rows
    return made


def comment_threads(mission, *, hq, n: int = 1, answered_by=None):
    """A released report with `n` threads opened by `hq`, and one more that `answered_by` has answered."""
    report = reports(mission)["released"][0]
    waiting = [ReportComment.objects.create(report=report, author=hq, body=f"Question {i}?") for i in range(n)]
    answered = ReportComment.objects.create(report=report, author=hq, body="Answered question?")
    if answered_by is not None:
        ReportComment.objects.create(report=report, author=answered_by, parent=answered, body="Here is the answer.")
    return {"report": report, "waiting": waiting, "answered": answered}
