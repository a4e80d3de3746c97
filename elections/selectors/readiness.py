"""Readiness of a security plan: coverage by district and phase, uncovered sites, recent incidents."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Max,
    Q,
    Sum,
)
from django.utils import timezone

from elections.models import (
    ElectionPlan,
    ElectoralPhase,
    Incident,
    Phase,
    PollingSite,
    RiskLevel,
    SecurityPlan,
    SecurityTask,
    TransportLeg,
)
from elections.selectors.plans import HIGH_RISK, RISK_LEVELS, effective_risk, risk_rank
from missions.area_filter import within_q
from missions.models import Location


@dataclass
class DistrictReadiness:
    district_id: int
    name: str
    sites: int = 0
    voters: int = 0
    by_risk: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RISK_LEVELS, 0))
    high_risk_without_tasks: int = 0
    open_incidents: int = 0

    @property
    def high_risk(self) -> int:
        return sum(self.by_risk[level] for level in HIGH_RISK)

    @property
    def risk_counts(self) -> list[int]:
        """Site counts low to critical (a list: the page renders one row per district, cheaply)."""
        return [self.by_risk[level] for level in RISK_LEVELS]


@dataclass
class PhaseCoverage:
    phase: str
    label: str
    start: datetime.date | None
    end: datetime.date | None
    tasks: int
    sites_covered: int
    by_type: dict[str, int]


@dataclass
class Readiness:
    """Readiness of one security plan revision, for the whole plan or one district.

    - `days_to_polling`: days from `as_of` to the first polling day (negative once it has passed).
    - `total_sites`, `registered_voters`, `sites_by_risk` ({level: count}, low to critical).
    - `districts`: one `DistrictReadiness` per district with sites (or the one asked for).
    - `uncovered_high_risk_count` and `uncovered_high_risk` (up to `UNCOVERED_LIMIT` sites, worst first):
      high and critical sites with no security task at the site.
    - `sites_with_tasks`, `phase_coverage`: tasks per electoral phase, with the distinct sites they cover.
    - `open_incidents_count`, `open_incidents_by_severity`, `recent_open_incidents` (latest few).
    """

    security_plan: SecurityPlan
    election_plan: ElectionPlan
    district: Location | None
    as_of: datetime.date
    days_to_polling: int
    total_sites: int
    registered_voters: int
    sites_by_risk: dict[str, int]
    districts: list[DistrictReadiness]
    sites_with_tasks: int
    uncovered_high_risk_count: int
    uncovered_high_risk: list[PollingSite]
    phase_coverage: list[PhaseCoverage]
    open_incidents_count: int
    open_incidents_by_severity: dict[int, int]
    recent_open_incidents: list[Incident]

    @property
    def high_risk_sites(self) -> int:
        return sum(self.sites_by_risk[level] for level in HIGH_RISK)

    @property
    def risk_rows(self) -> list[tuple[str, str, int]]:
        """(level, label, number of sites), low to critical."""
        return [(level, str(RiskLevel(level).label), self.sites_by_risk[level]) for level in RISK_LEVELS]


UNCOVERED_LIMIT = 50


RECENT_INCIDENTS_LIMIT = 10


def readiness(
    security_plan: SecurityPlan,
    *,
    district: Location | None = None,
    region: Location | None = None,
    today: datetime.date | None = None,
) -> Readiness:
    """Everything the readiness page (and the election security PDF) shows, in seven queries (numbered below).

    For the whole plan, one `district`, or one `region` (its districts; `district` wins when both are given):
    sites, tasks (at a site there, or for the district) and open incidents of that area.
    `security_plan` should come with its `election_plan` (select_related) to avoid one more query.
    """
    today = today or timezone.localdate()
    election = security_plan.election_plan
    sites = PollingSite.objects.filter(security_plan=security_plan)
    tasks = SecurityTask.objects.filter(security_plan=security_plan)
    incidents = Incident.objects.filter(election_plan=election, status=Incident.Status.OPEN)
    if district is not None:
        sites = sites.filter(district=district)
        tasks = tasks.filter(Q(site__district=district) | Q(district=district))
        incidents = incidents.filter(district=district)
    elif region is not None:
        sites = sites.filter(within_q("district", region.pk))
        tasks = tasks.filter(within_q("site__district", region.pk) | within_q("district", region.pk))
        incidents = incidents.filter(within_q("district", region.pk))
    # "Covered" = some task of this revision is at the site. An IN (subquery) keeps the plan cheap:
    # an EXISTS in the GROUP BY made PostgreSQL overestimate the cost and spend 130 ms compiling it (JIT).
    covered = Q(pk__in=SecurityTask.objects.filter(security_plan=security_plan, site__isnull=False).values("site_id"))
    sites = sites.annotate(risk=effective_risk())

    # Query 1: site counts, covered sites and voters by district and risk level.
    districts: dict[int, DistrictReadiness] = {}
    sites_by_risk = dict.fromkeys(RISK_LEVELS, 0)
    total = voters = with_tasks = uncovered = 0
    for row in (
        sites.values("district_id", "risk")
        .annotate(
            n=Count("pk"),
            covered=Count("pk", filter=covered),
            voters=Sum("registered_voters"),
            name=Max("district__name"),
        )
        .order_by()
    ):
        d = districts.setdefault(row["district_id"], DistrictReadiness(row["district_id"], row["name"]))
        d.sites += row["n"]
        d.voters += row["voters"] or 0
        d.by_risk[row["risk"]] += row["n"]
        sites_by_risk[row["risk"]] += row["n"]
        total += row["n"]
        voters += row["voters"] or 0
        with_tasks += row["covered"]
        if row["risk"] in HIGH_RISK:
            d.high_risk_without_tasks += row["n"] - row["covered"]
            uncovered += row["n"] - row["covered"]

    # Query 2: the worst uncovered high-risk sites, with their district.
    uncovered_sites = list(
        sites.filter(risk__in=HIGH_RISK)
        .exclude(covered)
        .select_related("district")
        .annotate(rank=risk_rank())
        .order_by("-rank", "district__name", "code")[:UNCOVERED_LIMIT]
    )

    # Query 3: tasks per phase and type, with the distinct sites they cover per phase.
    per_phase: dict[str, dict] = defaultdict(lambda: {"tasks": 0, "by_type": {}})
    for row in tasks.values("phase", "task_type").annotate(n=Count("pk")).order_by():
        entry = per_phase[row["phase"]]
        entry["tasks"] += row["n"]
        entry["by_type"][row["task_type"]] = row["n"]
    # Query 4: distinct covered sites per phase (a separate count: it does not add up over task types).
    covered_by_phase = {
        row["phase"]: row["n"]
        for row in tasks.filter(site__isnull=False).values("phase").annotate(n=Count("site", distinct=True)).order_by()
    }
    # Query 5: the election's phase dates.
    dates = {p.kind: (p.start, p.end) for p in ElectoralPhase.objects.filter(plan=election)}
    type_labels = dict(SecurityTask.TaskType.choices)
    coverage = [
        PhaseCoverage(
            phase=kind,
            label=label,
            start=dates.get(kind, (None, None))[0],
            end=dates.get(kind, (None, None))[1],
            tasks=per_phase[kind]["tasks"] if kind in per_phase else 0,
            sites_covered=covered_by_phase.get(kind, 0),
            by_type={type_labels[t]: n for t, n in per_phase[kind]["by_type"].items()} if kind in per_phase else {},
        )
        for kind, label in Phase.choices
    ]

    # Query 6: open incidents by district and severity.
    by_severity: dict[int, int] = defaultdict(int)
    open_count = 0
    for row in incidents.values("district_id", "severity").annotate(n=Count("pk")).order_by():
        by_severity[row["severity"]] += row["n"]
        open_count += row["n"]
        if row["district_id"] in districts:
            districts[row["district_id"]].open_incidents += row["n"]
    # Query 7: the latest open incidents, with their district.
    recent = list(incidents.select_related("district").order_by("-occurred_at")[:RECENT_INCIDENTS_LIMIT])

    return Readiness(
        security_plan=security_plan,
        election_plan=election,
        district=district,
        as_of=today,
        days_to_polling=(election.polling_start - today).days,
        total_sites=total,
        registered_voters=voters,
        sites_by_risk=sites_by_risk,
        districts=sorted(districts.values(), key=lambda d: d.name),
        sites_with_tasks=with_tasks,
        uncovered_high_risk_count=uncovered,
        uncovered_high_risk=uncovered_sites,
        phase_coverage=coverage,
        open_incidents_count=open_count,
        open_incidents_by_severity=dict(sorted(by_severity.items(), reverse=True)),
        recent_open_incidents=recent,
    )


@dataclass
class ReadinessGaps:
    """What a submitted plan still lacks, as the approval box and the HoM's inbox show it."""

    uncovered_high_risk: int = 0  # high and critical sites with no task at the site (as `readiness` counts)
    unescorted_legs: int = 0  # transport legs of election materials with no escort task
    phases_without_tasks: list[str] = field(default_factory=list)  # labels of the election's phases

    def __bool__(self) -> bool:
        return bool(self.uncovered_high_risk or self.unescorted_legs or self.phases_without_tasks)


def readiness_gaps(security_plans: list[SecurityPlan]) -> dict[int, ReadinessGaps]:
    """The gaps of several plan revisions at once, in four queries whatever their number:
    1. uncovered high-risk sites per plan; 2. unescorted legs per plan; 3. the elections' phases;
    4. the phases each plan has tasks in."""
    gaps = {p.pk: ReadinessGaps() for p in security_plans}
    if not gaps:
        return gaps
    covered = SecurityTask.objects.filter(security_plan__in=gaps, site__isnull=False).values("site_id")
    for row in (
        PollingSite.objects.filter(security_plan__in=gaps)
        .annotate(risk=effective_risk())
        .filter(risk__in=HIGH_RISK)
        .exclude(pk__in=covered)
        .values("security_plan_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        gaps[row["security_plan_id"]].uncovered_high_risk = row["n"]
    for row in (
        TransportLeg.objects.filter(security_plan__in=gaps, escort__isnull=True)
        .values("security_plan_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        gaps[row["security_plan_id"]].unescorted_legs = row["n"]
    phases: dict[int, list[str]] = defaultdict(list)
    for plan_id, kind in ElectoralPhase.objects.filter(
        plan__in={p.election_plan_id for p in security_plans}
    ).values_list("plan_id", "kind"):
        phases[plan_id].append(kind)
    with_tasks = set(
        SecurityTask.objects.filter(security_plan__in=gaps).values_list("security_plan_id", "phase").distinct()
    )
    labels = dict(Phase.choices)
    for plan in security_plans:
        gaps[plan.pk].phases_without_tasks = [
            str(labels[kind]) for kind in phases[plan.election_plan_id] if (plan.pk, kind) not in with_tasks
        ]
    return gaps
