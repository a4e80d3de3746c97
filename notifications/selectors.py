"""Reads of the inbox: "my work" per role, and a person's notifications.

Every area asks `mandate.access` twice: `work_areas` says which areas a role has, `scope` (and `led_q`)
which rows of each the person may see, so nobody is told about what they may not see. The overdue rules
come from the apps that own them (`benchmarks.selectors.overdue_q`, `partners.models.follow_up_due_q`,
...), the same rules the pages and the reminders use. Each area costs two queries (count, first items),
plus four for the gaps of submitted plans, whatever the amount of data.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from benchmarks.models import Benchmark, Indicator, Risk
from benchmarks.selectors import (
    active_benchmarks,
    indicator_to_report_q,
    is_overdue,
    overdue_q,
    reporting_period,
    risk_review_overdue_q,
)
from elections.models import SecurityPlan
from elections.selectors import readiness_gaps
from mandate import access
from mandate.access import Work
from missions.formats import format_day
from missions.models import Mission
from narratives.models import Narrative
from narratives.selectors import Period
from notifications.models import Notification
from partners.models import (
    FollowUp,
    Partner,
    follow_up_due_q,
    screening_lapsed_q,
    screening_lapsing_q,
)
from reports.models import Report, ReportComment

ITEM_LIMIT = 8  # items shown per area; the count says how many there are in all
FOLLOW_UP_NOTICE_DAYS = 7  # follow-ups appear this many days before they fall due
RELEASED_WINDOW_DAYS = 30  # HQ sees reports released in the last 30 days as new


@dataclass
class WorkItem:
    title: str
    url: str
    detail: str = ""
    due: datetime.date | None = None
    late: bool = False
    gaps: list[str] = field(default_factory=list)


@dataclass
class WorkArea:
    key: str
    title: str
    count: int
    items: list[WorkItem]
    more_url: str = ""

    @property
    def more(self) -> int:
        return self.count - len(self.items)


@dataclass
class Context:
    user: object
    mission: Mission
    today: datetime.date


# --- one function per area: a scoped queryset and how an item reads -----------------------------------


def _security_plans(c: Context, status: str, *order: str) -> QuerySet:
    return (
        access.scope(c.user, SecurityPlan.objects.filter(election_plan__mission=c.mission))
        .filter(status=status)
        .select_related("election_plan")
        .order_by(*order)
    )


def _plans_to_decide(c: Context) -> QuerySet:
    return _security_plans(c, SecurityPlan.Status.SUBMITTED, "submitted_at", "pk")


def _plan_title(plan: SecurityPlan) -> str:
    return _("%(election)s, security plan revision %(revision)s") % {
        "election": plan.election_plan.name,
        "revision": plan.revision,
    }


def _plan_items(c: Context, plans: list[SecurityPlan]) -> list[WorkItem]:
    gaps = readiness_gaps(plans)
    items = []
    for plan in plans:
        g = gaps[plan.pk]
        lines = []
        if g.uncovered_high_risk:
            lines.append(
                ngettext(
                    "%(n)s high-risk site without a task",
                    "%(n)s high-risk sites without a task",
                    g.uncovered_high_risk,
                )
                % {"n": g.uncovered_high_risk}
            )
        if g.unescorted_legs:
            lines.append(
                ngettext("%(n)s transport leg without escort", "%(n)s transport legs without escort", g.unescorted_legs)
                % {"n": g.unescorted_legs}
            )
        if g.phases_without_tasks:
            lines.append(_("no task in: %(phases)s") % {"phases": ", ".join(g.phases_without_tasks)})
        items.append(
            WorkItem(
                title=_plan_title(plan),
                url=reverse("elections:security-plan-detail", args=[plan.pk]),
                detail=_("submitted %(date)s") % {"date": format_day(plan.submitted_at)} if plan.submitted_at else "",
                gaps=lines or [_("no readiness gap found")],
            )
        )
    return items


def _reports_to_sign(c: Context) -> QuerySet:
    return (
        access.scope(c.user, Report.objects.filter(mission=c.mission))
        .filter(state=Report.State.DONE, approval__in=[Report.Approval.DRAFT, Report.Approval.APPROVED])
        .order_by("finished_at", "pk")
    )


def _report_title(r: Report) -> str:
    return _("%(kind)s, %(start)s to %(end)s") % {
        "kind": r.get_kind_display(),
        "start": r.period_start.isoformat(),
        "end": r.period_end.isoformat(),
    }


def _report_items(c: Context, reports: list[Report]) -> list[WorkItem]:
    return [
        WorkItem(
            title=_report_title(r),
            url=reverse("reports:detail", args=[r.pk]),
            detail=_("ready: approve it") if r.approval == Report.Approval.DRAFT else _("approved: release it to HQ"),
        )
        for r in reports
    ]


def _plans_returned(c: Context) -> QuerySet:
    return _security_plans(c, SecurityPlan.Status.RETURNED, "-decided_at", "pk")


def _returned_items(c: Context, plans: list[SecurityPlan]) -> list[WorkItem]:
    return [
        WorkItem(
            title=_plan_title(p),
            url=reverse("elections:security-plan-detail", args=[p.pk]),
            detail=_("returned by the Head of Mission: “%(comment)s”") % {"comment": p.decision_comment},
        )
        for p in plans
    ]


def _end_of_month(today: datetime.date) -> datetime.date:
    return today.replace(day=calendar.monthrange(today.year, today.month)[1])


def _benchmarks_to_assess(c: Context) -> QuerySet:
    return (
        active_benchmarks(c.mission, c.user)
        .filter(access.led_q(c.user, Benchmark, c.mission.pk))
        .filter(overdue_q(_end_of_month(c.today)))
        .order_by("last_assessed_on", "created_at", "pk")
    )


def _benchmark_items(c: Context, benchmarks: list[Benchmark]) -> list[WorkItem]:
    items = []
    for b in benchmarks:
        last = format_day(b.last_assessed_on) if b.last_assessed_on else _("never")
        late = is_overdue(b, c.today)
        items.append(
            WorkItem(
                title=b.statement[:120],
                url=reverse("benchmarks:assess", args=[b.pk]),
                detail=(
                    _("assessment overdue, last assessed: %(last)s")
                    if late
                    else _("assessment due this month, last assessed: %(last)s")
                )
                % {"last": last},
                late=late,
            )
        )
    return items


def _risks_to_review(c: Context) -> QuerySet:
    return (
        access.scope(c.user, Risk.objects.filter(output__mission=c.mission, retired_at__isnull=True))
        .filter(access.led_q(c.user, Risk, c.mission.pk))
        .filter(risk_review_overdue_q(c.today))
        .order_by("review_date", "pk")
    )


def _risk_items(c: Context, risks: list[Risk]) -> list[WorkItem]:
    return [
        WorkItem(
            title=r.title,
            url=reverse("benchmarks:risk-edit", args=[r.pk]),
            detail=_("review was due %(date)s") % {"date": format_day(r.review_date)},
            due=r.review_date,
            late=True,
        )
        for r in risks
    ]


def _indicators_to_report(c: Context) -> QuerySet:
    return (
        access.scope(c.user, Indicator.objects.filter(output__mission=c.mission, retired_at__isnull=True))
        .filter(access.led_q(c.user, Indicator, c.mission.pk))
        .filter(indicator_to_report_q(c.today))
        .order_by("output_id", "order", "pk")
    )


def _indicator_items(c: Context, indicators: list[Indicator]) -> list[WorkItem]:
    start, end = reporting_period(c.today)
    detail = _("no value yet for %(start)s to %(end)s") % {"start": format_day(start), "end": format_day(end)}
    return [WorkItem(title=i.name, url=reverse("benchmarks:value-add", args=[i.pk]), detail=detail) for i in indicators]


def _own_follow_ups(c: Context) -> QuerySet:
    until = c.today + datetime.timedelta(days=FOLLOW_UP_NOTICE_DAYS)
    return (
        access.scope(c.user, FollowUp.objects.filter(mission=c.mission, owner=c.user))
        .filter(follow_up_due_q(until))
        .order_by("due_date", "pk")
    )


def _follow_up_items(c: Context, follow_ups: list[FollowUp], *, portal: bool = False) -> list[WorkItem]:
    items = []
    for f in follow_ups:
        late = f.due_date < c.today
        url = (
            f"{reverse('partners:portal')}#follow-up-{f.pk}"
            if portal
            else reverse("partners:engagement-detail", args=[f.engagement_id])
        )
        items.append(
            WorkItem(
                title=f.action[:120],
                url=url,
                detail=(_("overdue since %(date)s") if late else _("due %(date)s")) % {"date": format_day(f.due_date)},
                due=f.due_date,
                late=late,
            )
        )
    return items


def _screenings(c: Context) -> QuerySet:
    return (
        access.scope(c.user, Partner.objects.filter(mission=c.mission))
        .filter(screening_lapsed_q(c.today) | screening_lapsing_q(c.today))
        .order_by("screening_review_due", "pk")
    )


def _screening_items(c: Context, partners: list[Partner]) -> list[WorkItem]:
    items = []
    for p in partners:
        late = p.screening_lapsed(c.today)
        due = format_day(p.screening_review_due)
        items.append(
            WorkItem(
                title=p.name,
                url=reverse("partners:partner-detail", args=[p.pk]),
                detail=(_("screening lapsed: review was due %(date)s") if late else _("screening review due %(date)s"))
                % {"date": due},
                due=p.screening_review_due,
                late=late,
            )
        )
    return items


def _partner_follow_ups(c: Context) -> QuerySet:
    return (
        access.scope(c.user, FollowUp.objects.filter(mission=c.mission))
        .filter(status=FollowUp.Status.OPEN)
        .order_by("due_date", "pk")
    )


def _released_reports(c: Context) -> QuerySet:
    since = timezone.now() - datetime.timedelta(days=RELEASED_WINDOW_DAYS)
    return (
        access.scope(c.user, Report.objects.filter(mission=c.mission))
        .filter(approval=Report.Approval.RELEASED, released_at__gte=since)
        .order_by("-released_at", "pk")
    )


def _released_items(c: Context, reports: list[Report]) -> list[WorkItem]:
    return [
        WorkItem(
            title=_report_title(r),
            url=reverse("reports:detail", args=[r.pk]),
            detail=_("released %(date)s") % {"date": format_day(r.released_at)},
        )
        for r in reports
    ]


def _narratives(c: Context, status: str) -> QuerySet:
    return access.scope(
        c.user, Narrative.objects.filter(output__mission=c.mission, status=status).select_related("output")
    )


def _narratives_to_validate(c: Context) -> QuerySet:
    return (
        _narratives(c, Narrative.Status.SUBMITTED)
        .filter(access.validates_q(c.user, c.mission.pk))
        .order_by("submitted_at", "pk")
    )


def narrative_title(n: Narrative) -> str:
    return _("%(output)s, narrative for %(period)s") % {
        "output": n.output.title,
        "period": Period(n.period_start, n.period_end).label,
    }


def narrative_url(n: Narrative) -> str:
    return reverse("narratives:narrative", args=[n.output_id, Period(n.period_start, n.period_end).key])


def _to_validate_items(c: Context, narratives: list[Narrative]) -> list[WorkItem]:
    return [
        WorkItem(
            title=narrative_title(n),
            url=narrative_url(n),
            detail=_("submitted %(date)s") % {"date": format_day(n.submitted_at)} if n.submitted_at else "",
        )
        for n in narratives
    ]


def _narratives_returned(c: Context) -> QuerySet:
    return (
        _narratives(c, Narrative.Status.RETURNED)
        .filter(access.led_q(c.user, Narrative, c.mission.pk))
        .order_by("-reviewed_at", "pk")
    )


def _returned_narrative_items(c: Context, narratives: list[Narrative]) -> list[WorkItem]:
    return [
        WorkItem(
            title=narrative_title(n),
            url=narrative_url(n),
            detail=_("returned with comments: “%(comment)s”") % {"comment": n.review_comment[:200]},
        )
        for n in narratives
    ]


def _threads(c: Context) -> QuerySet:
    """First comments of the threads on the mission's released reports, with who wrote last and when."""
    last = ReportComment.objects.filter(Q(pk=OuterRef("pk")) | Q(parent=OuterRef("pk"))).order_by("-created_at", "-id")
    return (
        access.scope(c.user, ReportComment.objects.filter(report__mission=c.mission, parent__isnull=True))
        .filter(report__approval=Report.Approval.RELEASED)
        .annotate(
            last_author=Subquery(last.values("author_id")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
        )
        .select_related("report", "author")
    )


def _comments_to_answer(c: Context) -> QuerySet:
    # A thread awaits the mission while its last word is not the leadership's (HQ wrote last).
    return _threads(c).exclude(last_author__in=access.leadership_user_ids(c.mission.pk)).order_by("last_at", "pk")


def _answers(c: Context) -> QuerySet:
    since = timezone.now() - datetime.timedelta(days=RELEASED_WINDOW_DAYS)
    return (
        _threads(c).filter(author=c.user, last_at__gte=since).exclude(last_author=c.user.pk).order_by("-last_at", "pk")
    )


def comment_url(comment: ReportComment) -> str:
    return f"{reverse('reports:detail', args=[comment.report_id])}#comment-{comment.pk}"


def _comment_items(c: Context, threads: list[ReportComment], *, answered: bool = False) -> list[WorkItem]:
    items = []
    for t in threads:
        author = t.author.get_full_name() or t.author.username
        detail = (
            _("answered %(date)s") % {"date": format_day(t.last_at)}
            if answered
            else _("%(author)s: “%(text)s”") % {"author": author, "text": t.body[:160]}
        )
        items.append(WorkItem(title=_report_title(t.report), url=comment_url(t), detail=detail))
    return items


@dataclass(frozen=True)
class Area:
    key: str
    work: Work
    title: str
    rows: Callable[[Context], QuerySet]
    items: Callable[[Context, list], list[WorkItem]]
    more: Callable[[Context], str] = lambda c: ""


# In the order the home page shows them.
AREAS = [
    Area("plans_to_decide", Work.PLANS_TO_DECIDE, gettext_lazy("Security plans awaiting your decision"),
         _plans_to_decide, _plan_items),
    Area("reports_to_sign", Work.REPORTS_TO_SIGN, gettext_lazy("Reports awaiting approval or release"),
         _reports_to_sign, _report_items, lambda c: reverse("reports:index")),
    Area("narratives_to_validate", Work.NARRATIVES_TO_VALIDATE, gettext_lazy("Narratives awaiting your validation"),
         _narratives_to_validate, _to_validate_items, lambda c: reverse("narratives:board")),
    Area("report_comments", Work.REPORT_COMMENTS, gettext_lazy("Comments from HQ awaiting an answer"),
         _comments_to_answer, _comment_items, lambda c: reverse("reports:index")),
    Area("plans_returned", Work.PLANS_RETURNED, gettext_lazy("Security plans returned to you"),
         _plans_returned, _returned_items),
    Area("narratives_returned", Work.NARRATIVES_RETURNED, gettext_lazy("Narratives returned to your component"),
         _narratives_returned, _returned_narrative_items, lambda c: reverse("narratives:board")),
    Area("benchmarks_to_assess", Work.COMPONENT_PLAN, gettext_lazy("Benchmarks to assess"),
         _benchmarks_to_assess, _benchmark_items, lambda c: reverse("benchmarks:dashboard") + "?overdue=1"),
    Area("risks_to_review", Work.COMPONENT_PLAN, gettext_lazy("Risks past their review date"),
         _risks_to_review, _risk_items, lambda c: reverse("benchmarks:risks")),
    Area("indicators_to_report", Work.COMPONENT_PLAN, gettext_lazy("Indicators with a period to report"),
         _indicators_to_report, _indicator_items),
    Area("own_follow_ups", Work.OWN_FOLLOW_UPS, gettext_lazy("Your follow-ups due or overdue"),
         _own_follow_ups, _follow_up_items),
    Area("screenings", Work.SCREENINGS, gettext_lazy("Due diligence screenings lapsing or lapsed"),
         _screenings, _screening_items, lambda c: reverse("partners:index") + "?screening=expired"),
    Area("partner_follow_ups", Work.PARTNER_FOLLOW_UPS, gettext_lazy("Follow-ups assigned to your organisation"),
         _partner_follow_ups, lambda c, rows: _follow_up_items(c, rows, portal=True),
         lambda c: reverse("partners:portal")),
    Area("released_reports", Work.RELEASED_REPORTS, gettext_lazy("Reports newly released to HQ"),
         _released_reports, _released_items, lambda c: reverse("reports:index")),
    Area("comment_answers", Work.COMMENT_ANSWERS, gettext_lazy("Answers to your comments"),
         _answers, lambda c, rows: _comment_items(c, rows, answered=True)),
]  # fmt: skip


def _areas_for(user, mission: Mission | None) -> list[Area]:
    if mission is None:
        return []
    mine = access.work_areas(user, mission.pk)
    return [a for a in AREAS if a.work in mine]


def my_work(
    *, user, mission: Mission | None, today: datetime.date | None = None, limit: int = ITEM_LIMIT
) -> list[WorkArea]:
    """The user's inbox in `mission`, area by area (empty areas included, so the page can say "nothing").

    Queries: 2 per area of the user's role (the count and the first `limit` rows), +4 when plans await a
    decision (their readiness gaps, `elections.selectors.readiness_gaps`).
    """
    c = Context(user=user, mission=mission, today=today or timezone.localdate())
    result = []
    for area in _areas_for(user, mission):
        rows = area.rows(c)
        count = rows.count()
        items = area.items(c, list(rows[:limit])) if count else []
        result.append(WorkArea(key=area.key, title=str(area.title), count=count, items=items, more_url=area.more(c)))
    return result


def my_work_count(*, user, mission: Mission | None, today: datetime.date | None = None) -> int:
    """How many items await the user in all (one COUNT per area of their role), for the header."""
    c = Context(user=user, mission=mission, today=today or timezone.localdate())
    return sum(area.rows(c).count() for area in _areas_for(user, mission))


# --- notifications ----------------------------------------------------------------------------------


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first (one query a page), in the missions they still belong to:
    someone who left a mission is no longer told about it."""
    qs = access.scope(user, Notification.objects.all())
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(user) -> int:
    return notifications_for(user, unread_only=True).count()


# --- the header's counts ------------------------------------------------------------------------------

HEADER_COUNTS_KEY = "header_counts"


def header_counts(request, mission: Mission | None) -> dict:
    """The counts the header shows, as last computed for this session and mission ({} when never): read
    from the session every page loads anyway, so no page pays a query for them. The home page, the
    notification pages and `counts.json` (which the header's script fetches) refresh them."""
    if mission is None:
        return {}
    saved = request.session.get(HEADER_COUNTS_KEY) or {}
    return saved if saved.get("mission") == mission.pk else {}


def header_counts_remember(request, mission: Mission | None, *, work: int | None = None, unread: int | None = None):
    """Keep fresh counts for the header (writes the session only when a count changed)."""
    if mission is None:
        return
    saved = dict(header_counts(request, mission)) or {"mission": mission.pk}
    fresh = {**saved, **{k: v for k, v in (("work", work), ("unread", unread)) if v is not None}}
    if fresh != saved or request.session.get(HEADER_COUNTS_KEY) != fresh:
        request.session[HEADER_COUNTS_KEY] = fresh
