"""Reads of election support, shared by the pages, the API and the PDF reports.

Each selector runs a fixed number of queries whatever the number of sites (the tests count them at
two sizes). Callers authorise first (`mandate.access`); selectors read what they are given.

For reports: `readiness(security_plan, district=None)` returns a `Readiness` with everything the
readiness page shows (see its docstring); `map_points` + `elections.maps.render_site_map` give the
offline SVG map of the sites.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elections.models import (
    ElectionPlan,
    ElectoralPhase,
    Incident,
    Milestone,
    Phase,
    PollingSite,
    RiskLevel,
    SecurityPlan,
    SecurityTask,
    Threat,
    TransportLeg,
)
from mandate import access
from missions.models import Component, Location

RISK_LEVELS = list(RiskLevel.values)
HIGH_RISK = [RiskLevel.HIGH, RiskLevel.CRITICAL]
HIGH_OR_CRITICAL = "high_plus"  # a filter value: high and critical sites together


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


# --- lists -----------------------------------------------------------------------------------------


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
    if filters.q:
        qs = qs.filter(Q(code__icontains=filters.q) | Q(name__icontains=filters.q))
    return qs.annotate(task_count=task_count()).order_by("district__name", "code")


def threats_of(security_plan: SecurityPlan) -> QuerySet[Threat]:
    return (
        Threat.objects.filter(security_plan=security_plan)
        .select_related("district")
        .annotate(site_count=Count("sites"))
        .order_by("-likelihood", "-impact", "actor")
    )


def tasks_of(security_plan: SecurityPlan, *, phase: str = "", component: int | None = None) -> QuerySet[SecurityTask]:
    qs = SecurityTask.objects.filter(security_plan=security_plan).select_related("component", "site", "district")
    if phase:
        qs = qs.filter(phase=phase)
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


# --- readiness -------------------------------------------------------------------------------------


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
    security_plan: SecurityPlan, *, district: Location | None = None, today: datetime.date | None = None
) -> Readiness:
    """Everything the readiness page (and the election security PDF) shows, in seven queries (numbered below).

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


def map_points(security_plan: SecurityPlan, *, district: Location | None = None) -> list[tuple]:
    """(code, name, latitude, longitude, risk, district name) of the sites with coordinates; one query."""
    qs = PollingSite.objects.filter(security_plan=security_plan, latitude__isnull=False, longitude__isnull=False)
    if district is not None:
        qs = qs.filter(district=district)
    return list(
        qs.annotate(risk=effective_risk())
        .order_by("code")
        .values_list("code", "name", "latitude", "longitude", "risk", "district__name")
    )


# --- revision comparison ---------------------------------------------------------------------------


@dataclass
class ItemChange:
    uid: str
    label: str
    changes: list[tuple[str, str, str]]  # (field label, before, after)


@dataclass
class KindDiff:
    name: str
    added: list[str]
    removed: list[str]
    changed: list[ItemChange]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _display(obj, name: str) -> str:
    if name == "sites":
        return ", ".join(sorted(s.code for s in obj.sites.all()))
    if name == "risk_level":
        return str(RiskLevel(obj.risk_level).label)
    field_ = obj._meta.get_field(name)
    if field_.is_relation:
        related = getattr(obj, name)
        return str(related) if related is not None else "—"
    if field_.choices:
        return str(getattr(obj, f"get_{name}_display")())
    value = getattr(obj, name)
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return "—" if value in (None, "") else str(value)


COMPARED = {
    PollingSite: (
        ["code", "name", "district", "locality", "latitude", "longitude", "registered_voters", "risk_level"]
        + ["risk_override", "risk_reason"],
        ["district"],
    ),
    Threat: (
        ["actor", "threat_type", "district", "likelihood", "impact", "sites", "description", "mitigation"],
        ["district"],
    ),
    SecurityTask: (
        ["task_type", "provider", "component", "site", "district", "phase", "start", "end", "description"],
        ["component", "site", "district"],
    ),
    TransportLeg: (["materials", "origin", "destination", "departs_at", "arrives_at", "escort"], ["escort"]),
}


def _label(model, name: str) -> str:
    if name == "risk_level":
        return str(_("risk level"))
    return str(model._meta.get_field(name).verbose_name)


def compare_revisions(old: SecurityPlan, new: SecurityPlan) -> list[KindDiff]:
    """What changed from `old` to `new`, item by item (matched by `uid`), with field-level changes.

    Two queries per kind of item (plus two for the sites of threats), whatever their number.
    """
    diffs = []
    for model, (fields, related) in COMPARED.items():

        def load(plan, model=model, related=related):
            qs = model.objects.filter(security_plan=plan).select_related(*related)
            if model is Threat:
                qs = qs.prefetch_related("sites")
            return {item.uid: item for item in qs}

        before, after = load(old), load(new)
        added = sorted(str(after[uid]) for uid in after.keys() - before.keys())
        removed = sorted(str(before[uid]) for uid in before.keys() - after.keys())
        changed = []
        for uid in before.keys() & after.keys():
            a, b = before[uid], after[uid]
            changes = [
                (_label(model, f), _display(a, f), _display(b, f)) for f in fields if _display(a, f) != _display(b, f)
            ]
            if changes:
                changed.append(ItemChange(uid=str(uid), label=str(b), changes=changes))
        changed.sort(key=lambda c: c.label)
        diffs.append(KindDiff(name=str(model._meta.verbose_name_plural), added=added, removed=removed, changed=changed))
    return diffs


# --- history ---------------------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    when: datetime.datetime
    kind: str
    label: str
    action: str
    user: str
    object_id: int
    changes: list[tuple[str, str, str]]


def _history_sources(election_plan: ElectionPlan, *, include_security: bool):
    plan_ids = list(
        SecurityPlan.history.filter(election_plan_id=election_plan.pk).values_list("id", flat=True).distinct()
    )
    sources = [
        (ElectionPlan, Q(id=election_plan.pk), Cast("name", CharField())),
        (ElectoralPhase, Q(plan_id=election_plan.pk), Cast("kind", CharField())),
        (Milestone, Q(plan_id=election_plan.pk), Cast("title", CharField())),
    ]
    if include_security:
        sources += [
            (SecurityPlan, Q(id__in=plan_ids), Concat(Value("rev. "), Cast("revision", CharField()))),
            (PollingSite, Q(security_plan_id__in=plan_ids), Concat("code", Value(" "), "name")),
            (Threat, Q(security_plan_id__in=plan_ids), Cast("actor", CharField())),
            (SecurityTask, Q(security_plan_id__in=plan_ids), Cast("task_type", CharField())),
            (TransportLeg, Q(security_plan_id__in=plan_ids), Cast("materials", CharField())),
            (Incident, Q(election_plan_id=election_plan.pk), Cast("incident_type", CharField())),
        ]
    return sources


HISTORY_IGNORED = {"version", "updated_at", "created_at", "suggested_risk"}
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def plan_history(election_plan: ElectionPlan, *, include_security: bool, offset: int = 0, limit: int = 50):
    """(total, entries) of the history of an election plan and everything in it, newest first.

    One UNION query for the page, one for the count, one for user names, and one per kind of record on
    the page to compute what each change changed.
    """
    from django.contrib.auth import get_user_model

    parts = []
    models_by_kind = {}
    for model, q, label in _history_sources(election_plan, include_security=include_security):
        kind = model._meta.model_name
        models_by_kind[kind] = model
        parts.append(
            model.history.filter(q)
            .annotate(
                h_id=F("history_id"),
                h_date=F("history_date"),
                h_type=F("history_type"),
                h_user=F("history_user_id"),
                h_obj=F("id"),
                h_kind=Value(kind, output_field=CharField()),
                h_label=label,
            )
            .values("h_id", "h_date", "h_type", "h_user", "h_obj", "h_kind", "h_label")
            .order_by()
        )
    union = parts[0].union(*parts[1:], all=True)
    total = union.count()
    rows = list(union.order_by("-h_date")[offset : offset + limit])
    users = {
        u.pk: u.get_full_name() or u.username
        for u in get_user_model().objects.filter(pk__in={r["h_user"] for r in rows if r["h_user"]})
    }
    # Field-level changes: fetch, per kind, the records of the objects on this page up to the newest one.
    changes: dict[tuple[str, int], list] = {}
    wanted = defaultdict(set)
    for r in rows:
        if r["h_type"] == "~":
            wanted[r["h_kind"]].add(r["h_obj"])
    page_ids = {(r["h_kind"], r["h_id"]) for r in rows}
    for kind, ids in wanted.items():
        model = models_by_kind[kind]
        tracked = [
            f.attname for f in model._meta.concrete_fields if f.attname not in HISTORY_IGNORED and f.name != "id"
        ]
        previous = {}
        for record in model.history.filter(id__in=ids).order_by("id", "history_date", "history_id"):
            prior = previous.get(record.id)
            if (kind, record.history_id) in page_ids and prior is not None:
                changes[(kind, record.history_id)] = [
                    (
                        _history_label(model, name),
                        _history_value(model, name, prior),
                        _history_value(model, name, record),
                    )
                    for name in tracked
                    if getattr(prior, name) != getattr(record, name)
                ]
            previous[record.id] = record
    entries = [
        HistoryEntry(
            when=r["h_date"],
            kind=str(models_by_kind[r["h_kind"]]._meta.verbose_name),
            label=_label_display(models_by_kind[r["h_kind"]], r["h_label"]),
            action=ACTIONS.get(r["h_type"], r["h_type"]),
            user=users.get(r["h_user"], ""),
            object_id=r["h_obj"],
            changes=changes.get((r["h_kind"], r["h_id"]), []),
        )
        for r in rows
    ]
    return total, entries


# Records whose label is a choice value, shown with its label.
LABEL_CHOICES = {ElectoralPhase: "kind", SecurityTask: "task_type", Incident: "incident_type"}


def _label_display(model, label: str) -> str:
    name = LABEL_CHOICES.get(model)
    return str(dict(model._meta.get_field(name).choices).get(label, label)) if name else label


def _history_label(model, attname: str) -> str:
    field = model._meta.get_field(attname.removesuffix("_id") if attname.endswith("_id") else attname)
    return str(field.verbose_name)


def _history_value(model, attname: str, record) -> str:
    """A historical value as people read it: choice labels, local times, related rows by number."""
    value = getattr(record, attname)
    if value in (None, ""):
        return "—"
    field = model._meta.get_field(attname.removesuffix("_id") if attname.endswith("_id") else attname)
    if field.choices:
        return str(dict(field.choices).get(value, value))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if field.is_relation:
        return f"#{value}"
    return str(value)
