"""Reads of election plans and their security plans' items: lists, filters and annotations."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from elections.models import (
    CoordinatesIssue,
    ElectionPlan,
    Incident,
    Milestone,
    PollingSite,
    RiskLevel,
    SecurityPlan,
    SecurityTask,
    Threat,
    TransportLeg,
)
from mandate import access
from missions.models import Component, Location
from missions.search import search_filter

RISK_LEVELS = list(RiskLevel.values)


HIGH_RISK = [RiskLevel.HIGH, RiskLevel.CRITICAL]


HIGH_OR_CRITICAL = "high_plus"  # a filter value: high and critical sites together
# The site list's "code or name" box, the API's ?q= and ?search=: accents and case aside (missions.search).
SITE_SEARCH_FIELDS = ["code", "name"]


def effective_risk():
    """SQL for a site's risk level: the override when there is one, else the suggestion."""
    return Case(When(~Q(risk_override=""), then=F("risk_override")), default=F("suggested_risk"))


def risk_rank():
    return Case(*(When(risk=level, then=Value(i)) for i, level in enumerate(RISK_LEVELS)), output_field=IntegerField())


def has_task():
    return Exists(SecurityTask.objects.filter(site=OuterRef("pk")))


def task_count():
    """Tasks at each site, as a correlated subquery (no GROUP BY over the whole site list)."""
    per_site = SecurityTask.objects.filter(site=OuterRef("pk")).order_by().values("site").annotate(n=Count("pk"))
    return Coalesce(Subquery(per_site.values("n")), 0)


def election_plans_for(user, mission_id: int) -> QuerySet[ElectionPlan]:
    return access.scope(user, ElectionPlan.objects.filter(mission_id=mission_id)).annotate(
        milestone_count=Count("milestones", distinct=True)
    )


def security_plans_for(user, mission_id: int) -> QuerySet[SecurityPlan]:
    return (
        access.scope(user, SecurityPlan.objects.filter(election_plan__mission_id=mission_id))
        .select_related("election_plan")
        .annotate(site_count=Count("sites"))
        .order_by("election_plan__name", "-revision")
    )


def elections_benchmarks(mission_id: int):
    """Benchmarks a milestone may link to: those of the mission's elections output (from the library or led
    by the electoral component)."""
    from benchmarks.models import Benchmark

    return (
        Benchmark.objects.filter(output__mission_id=mission_id, retired_at__isnull=True)
        .filter(
            Q(output__library_output__key="elections-held") | Q(output__lead_component__kind=Component.Kind.ELECTORAL)
        )
        .select_related("output")
    )


def districts_of(mission_id: int) -> QuerySet[Location]:
    return Location.objects.filter(mission_id=mission_id, level=Location.Level.DISTRICT).order_by("name")


@dataclass
class SiteFilters:
    district: int | None = None
    risk: str = ""
    has_tasks: bool | None = None
    q: str = ""
    coordinates: str = ""  # SUSPECT, one CoordinatesIssue value, or "" for any


SUSPECT = "suspect"  # a filter value: any coordinates issue


def filter_coordinates(qs: QuerySet[PollingSite], value: str) -> QuerySet[PollingSite]:
    """The sites whose coordinates look wrong (`SUSPECT`), or with one kind of issue; `qs` unchanged otherwise."""
    if value == SUSPECT:
        return qs.exclude(coordinates_issue="")
    if value in CoordinatesIssue.values:
        return qs.filter(coordinates_issue=value)
    return qs


def polling_sites(security_plan: SecurityPlan, filters: SiteFilters | None = None) -> QuerySet[PollingSite]:
    """The revision's sites with `risk` (effective level) and `task_count`, filtered.

    Paginating it costs two queries: the count and the page (district joined, task count annotated).
    """
    filters = filters or SiteFilters()
    qs = (
        PollingSite.objects.filter(security_plan=security_plan)
        .select_related("district")
        .annotate(risk=effective_risk())
    )
    if filters.district:
        qs = qs.filter(district_id=filters.district)
    if filters.risk in RISK_LEVELS:
        qs = qs.filter(risk=filters.risk)
    elif filters.risk == HIGH_OR_CRITICAL:
        qs = qs.filter(risk__in=HIGH_RISK)
    if filters.has_tasks is not None:
        qs = qs.filter(has_task()) if filters.has_tasks else qs.filter(~has_task())
    qs = search_filter(qs, filters.q, SITE_SEARCH_FIELDS)
    qs = filter_coordinates(qs, filters.coordinates)
    return qs.annotate(task_count=task_count()).order_by("district__name", "code")


def threats_of(security_plan: SecurityPlan) -> QuerySet[Threat]:
    return (
        Threat.objects.filter(security_plan=security_plan)
        .select_related("district")
        .annotate(site_count=Count("sites"))
        .order_by("-likelihood", "-impact", "actor")
    )


def tasks_of(
    security_plan: SecurityPlan, *, phase: str = "", provider: str = "", component: int | None = None
) -> QuerySet[SecurityTask]:
    qs = SecurityTask.objects.filter(security_plan=security_plan).select_related("component", "site", "district")
    if phase:
        qs = qs.filter(phase=phase)
    if provider:
        qs = qs.filter(provider=provider)
    if component:
        qs = qs.filter(component_id=component)
    return qs.order_by("start", "pk")


def legs_of(security_plan: SecurityPlan) -> QuerySet[TransportLeg]:
    return TransportLeg.objects.filter(security_plan=security_plan).select_related("escort").order_by("departs_at")


def incidents_of(election_plan: ElectionPlan, *, status: str = "", district: int | None = None) -> QuerySet[Incident]:
    qs = Incident.objects.filter(election_plan=election_plan).select_related("district", "reported_by")
    if status:
        qs = qs.filter(status=status)
    if district:
        qs = qs.filter(district_id=district)
    return qs.order_by("-occurred_at")


def election_plan_detail(plan_id: int):
    """The plan with its phases and milestones (three queries)."""
    return (
        ElectionPlan.objects.select_related("mission")
        .prefetch_related(
            "phases",
            "benchmarks",
            Prefetch("milestones", queryset=Milestone.objects.select_related("benchmark").order_by("due_date")),
        )
        .get(pk=plan_id)
    )
