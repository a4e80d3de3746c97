"""Writes of election support: election plans, security plan revisions and their items, incidents, imports.

Every function is keyword-only, runs in one transaction, asks `mandate.access` whether the user may do
it (PermissionDenied otherwise), and guards edits with `missions.concurrency.claim_version` (a stale
`expected_version` raises ConcurrentEditError, nothing saved). Validation problems raise Django's
ValidationError keyed by field name, which forms show next to the field and the API returns as
`errors`. The `validate_*` helpers are shared with the forms so both give the same messages.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

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
from elections.selectors import elections_benchmarks
from mandate import access
from mandate.access import Action
from missions.concurrency import claim_version
from missions.imports import ROW, ImportReport, missing_columns, parse_decimal, parse_int
from missions.models import Location, Mission

PHASE_ORDER = list(Phase.values)

# --- validation shared with the forms ------------------------------------------------------------


def validate_phases(
    phases: dict[str, tuple[datetime.date, datetime.date]],
    *,
    polling_start: datetime.date | None = None,
    polling_end: datetime.date | None = None,
) -> dict[str, list[str]]:
    """Errors keyed by phase kind (or "polling_start") for phases out of the electoral-cycle order.

    Phases may overlap, as real cycles do, but a phase may not start before the phase before it
    starts, nor end before it ends. The polling days must fall inside the polling phase.
    """
    errors: dict[str, list[str]] = defaultdict(list)
    previous = None
    for kind in PHASE_ORDER:
        if kind not in phases:
            continue
        start, end = phases[kind]
        label = Phase(kind).label
        if end < start:
            errors[kind].append(_("%(phase)s ends before it starts.") % {"phase": label})
        if previous is not None:
            prev_kind, (prev_start, prev_end) = previous
            if start < prev_start:
                errors[kind].append(
                    _("%(phase)s cannot start before %(prev)s starts (%(date)s).")
                    % {"phase": label, "prev": Phase(prev_kind).label, "date": prev_start}
                )
            elif end < prev_end:
                errors[kind].append(
                    _("%(phase)s cannot end before %(prev)s ends (%(date)s).")
                    % {"phase": label, "prev": Phase(prev_kind).label, "date": prev_end}
                )
        previous = (kind, (start, end))
    errors.update(validate_polling_days(phases, polling_start=polling_start, polling_end=polling_end))
    return dict(errors)


def validate_polling_days(phases, *, polling_start, polling_end) -> dict[str, list[str]]:
    polling = phases.get(Phase.POLLING)
    if polling is None or polling_start is None or polling_end is None:
        return {}
    start, end = polling
    if polling_start < start or polling_end > end:
        return {
            "polling_start": [
                _("The polling days (%(a)s – %(b)s) must fall inside the polling phase (%(s)s – %(e)s).")
                % {"a": polling_start, "b": polling_end, "s": start, "e": end}
            ]
        }
    return {}


def phase_dates(plan: ElectionPlan) -> dict[str, tuple[datetime.date, datetime.date]]:
    """The plan's phases as {kind: (start, end)} (one query, or none when prefetched)."""
    return {p.kind: (p.start, p.end) for p in plan.phases.all()}


def validate_task_window(
    *, plan: ElectionPlan, phase: str, start: datetime.datetime, end: datetime.datetime, prefix: str = ""
) -> dict[str, list[str]]:
    """A task (or leg) must end after it starts and fall inside its phase, when the plan dates that phase."""
    errors: dict[str, list[str]] = {}
    if start and end and end < start:
        errors[f"{prefix}end"] = [_("The end must be after the start.")]
    window = phase_dates(plan).get(phase)
    if window and start and end:
        first, last = window
        local_start, local_end = timezone.localdate(start), timezone.localdate(end)
        if local_start < first or local_end > last:
            errors.setdefault(f"{prefix}start", []).append(
                _("The task must fall inside the %(phase)s phase (%(s)s – %(e)s).")
                % {"phase": Phase(phase).label, "s": first, "e": last}
            )
    return errors


def validate_incident_time(occurred_at: datetime.datetime | None) -> dict[str, list[str]]:
    # A minute of slack absorbs clock skew between the reporter's device and the server.
    if occurred_at and occurred_at > timezone.now() + datetime.timedelta(minutes=1):
        return {"occurred_at": [_("An incident cannot be in the future.")]}
    return {}


def validate_coordinates(latitude, longitude) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if (latitude is None) != (longitude is None):
        errors["latitude" if latitude is None else "longitude"] = [_("Give both latitude and longitude, or neither.")]
    if latitude is not None and not -90 <= latitude <= 90:
        errors["latitude"] = [_("Latitude must be between -90 and 90.")]
    if longitude is not None and not -180 <= longitude <= 180:
        errors["longitude"] = [_("Longitude must be between -180 and 180.")]
    return errors


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _apply(instance: Model, data: dict) -> None:
    for name, value in data.items():
        setattr(instance, name, value)


def _save(instance: Model, user, *, exclude: Iterable[str] = ()) -> None:
    """Model validation (field validators, constraints) then save, attributing the history to `user`."""
    instance.full_clean(exclude=list(exclude))
    instance._history_user = user
    instance.save()


# --- election plans --------------------------------------------------------------------------------

PLAN_FIELDS = {"name", "election_type", "scope", "polling_start", "polling_end", "notes"}


@transaction.atomic
def election_plan_create(*, mission: Mission, user, data: dict, benchmarks=()) -> ElectionPlan:
    _require(access.can_add(user, ElectionPlan, mission))
    plan = ElectionPlan(mission=mission)
    _apply(plan, {k: v for k, v in data.items() if k in PLAN_FIELDS})
    _save(plan, user)
    plan.benchmarks.set(benchmarks)
    return plan


@transaction.atomic
def election_plan_update(*, plan: ElectionPlan, user, expected_version: int | None, data: dict, benchmarks=None):
    _require(access.can(user, Action.EDIT, plan))
    claim_version(plan, expected_version)
    _apply(plan, {k: v for k, v in data.items() if k in PLAN_FIELDS})
    _raise(validate_polling_days(phase_dates(plan), polling_start=plan.polling_start, polling_end=plan.polling_end))
    _save(plan, user)
    if benchmarks is not None:
        plan.benchmarks.set(benchmarks)
    return plan


@transaction.atomic
def election_plan_set_phases(
    *,
    plan: ElectionPlan,
    user,
    expected_version: int | None,
    phases: dict[str, tuple[datetime.date, datetime.date] | None],
) -> ElectionPlan:
    """Replace the plan's phase dates. `phases` maps a kind to (start, end), or None to remove it.

    Phases carry no version of their own: they are edited together, under the plan's version.
    """
    _require(access.can(user, Action.EDIT, plan))
    claim_version(plan, expected_version)
    wanted = {kind: dates for kind, dates in phases.items() if dates is not None}
    _raise(validate_phases(wanted, polling_start=plan.polling_start, polling_end=plan.polling_end))
    existing = {p.kind: p for p in plan.phases.all()}
    for kind, phase in existing.items():
        if kind not in wanted:
            phase._history_user = user
            phase.delete()
    for kind, (start, end) in wanted.items():
        phase = existing.get(kind) or ElectoralPhase(plan=plan, kind=kind)
        if phase.pk and (phase.start, phase.end) == (start, end):
            continue
        phase.start, phase.end = start, end
        _save(phase, user, exclude=["plan"])
    plan._history_user = user
    plan.save(update_fields=["version", "updated_at"])
    return plan


MILESTONE_FIELDS = {"phase", "title", "due_date", "status", "benchmark"}


def _check_benchmark(plan: ElectionPlan, benchmark) -> None:
    if benchmark is not None and not elections_benchmarks(plan.mission_id).filter(pk=benchmark.pk).exists():
        raise ValidationError({"benchmark": [_("Choose a benchmark of this mission's elections output.")]})


@transaction.atomic
def milestone_create(*, plan: ElectionPlan, user, data: dict) -> Milestone:
    _require(access.can_add(user, Milestone, plan))
    milestone = Milestone(plan=plan)
    _apply(milestone, {k: v for k, v in data.items() if k in MILESTONE_FIELDS})
    _check_benchmark(plan, milestone.benchmark)
    _save(milestone, user)
    return milestone


@transaction.atomic
def milestone_update(*, milestone: Milestone, user, expected_version: int | None, data: dict) -> Milestone:
    _require(access.can(user, Action.EDIT, milestone))
    claim_version(milestone, expected_version)
    _apply(milestone, {k: v for k, v in data.items() if k in MILESTONE_FIELDS})
    _check_benchmark(milestone.plan, milestone.benchmark)
    _save(milestone, user)
    return milestone


# --- security plans and their workflow -------------------------------------------------------------


@transaction.atomic
def security_plan_create(*, election_plan: ElectionPlan, user, summary: str = "") -> SecurityPlan:
    """The first revision of an election's security plan (later ones come from `security_plan_new_revision`)."""
    _require(access.can_add(user, SecurityPlan, election_plan))
    if election_plan.security_plans.exists():
        raise ValidationError(
            {"summary": [_("This election already has a security plan; open a new revision of it instead.")]}
        )
    plan = SecurityPlan(election_plan=election_plan, revision=1, summary=summary)
    _save(plan, user)
    return plan


@transaction.atomic
def security_plan_update(*, security_plan: SecurityPlan, user, expected_version: int | None, summary: str):
    _require(access.can(user, Action.EDIT, security_plan))
    claim_version(security_plan, expected_version)
    security_plan.summary = summary
    security_plan._history_user = user
    security_plan.save(update_fields=["summary", "version", "updated_at"])
    return security_plan


def _lock(security_plan: SecurityPlan) -> SecurityPlan:
    """Re-read the plan under a row lock, so two decisions on one revision cannot both pass."""
    locked = SecurityPlan.objects.select_for_update().select_related("election_plan").get(pk=security_plan.pk)
    security_plan.status = locked.status
    security_plan.version = locked.version
    return security_plan


@transaction.atomic
def security_plan_submit(*, security_plan: SecurityPlan, user, expected_version: int | None = None) -> SecurityPlan:
    """Draft or returned -> submitted (electoral staff or the HoM). The revision is frozen while submitted."""
    _lock(security_plan)
    _require(access.can(user, Action.SUBMIT, security_plan))
    if security_plan.sites.count() == 0:
        raise ValidationError({"status": [_("Add polling sites before submitting the plan.")]})
    claim_version(security_plan, expected_version)
    security_plan.status = SecurityPlan.Status.SUBMITTED
    security_plan.submitted_at = timezone.now()
    security_plan.submitted_by = user
    security_plan._history_user = user
    security_plan.save(update_fields=["status", "submitted_at", "submitted_by", "version", "updated_at"])
    return security_plan


def _decide(security_plan, user, status, comment, expected_version):
    _lock(security_plan)
    _require(access.can(user, Action.APPROVE, security_plan))
    claim_version(security_plan, expected_version)
    security_plan.status = status
    security_plan.decided_at = timezone.now()
    security_plan.decided_by = user
    security_plan.decision_comment = comment
    security_plan._history_user = user
    security_plan.save(
        update_fields=["status", "decided_at", "decided_by", "decision_comment", "version", "updated_at"]
    )
    return security_plan


@transaction.atomic
def security_plan_approve(
    *, security_plan: SecurityPlan, user, comment: str = "", expected_version: int | None = None
) -> SecurityPlan:
    """Submitted -> approved, by the HoM. The revision is frozen from then on."""
    return _decide(security_plan, user, SecurityPlan.Status.APPROVED, comment, expected_version)


@transaction.atomic
def security_plan_return(
    *, security_plan: SecurityPlan, user, comment: str, expected_version: int | None = None
) -> SecurityPlan:
    """Submitted -> returned with the HoM's comments; the electoral component edits and submits again."""
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say what needs to change before the plan can be approved.")]})
    return _decide(security_plan, user, SecurityPlan.Status.RETURNED, comment.strip(), expected_version)


@transaction.atomic
def security_plan_new_revision(*, security_plan: SecurityPlan, user) -> SecurityPlan:
    """A new draft copied from an approved revision: sites, threats (with their sites), tasks and legs.

    Copies keep their `uid`, so the comparison page follows each item across revisions. Only the
    latest revision can be copied, and only once it is approved (one open revision per election).
    """
    _lock(security_plan)
    _require(access.can_add(user, SecurityPlan, security_plan.election_plan))
    if security_plan.status != SecurityPlan.Status.APPROVED:
        raise ValidationError({"status": [_("Only an approved revision can be revised.")]})
    if SecurityPlan.objects.filter(previous=security_plan).exists():
        raise ValidationError({"status": [_("This revision has already been revised.")]})
    new = SecurityPlan(
        election_plan=security_plan.election_plan,
        revision=security_plan.revision + 1,
        previous=security_plan,
        summary=security_plan.summary,
    )
    _save(new, user)
    _copy_items(security_plan, new, user)
    return new


def _clone(obj: Model, **changes) -> Model:
    fields = {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.name not in {"id", "version", "created_at", "updated_at"}
    }
    fields.update(changes)
    return type(obj)(**fields)


def _copy_items(old: SecurityPlan, new: SecurityPlan, user) -> None:
    site_map: dict[int, int] = {}
    old_sites = list(old.sites.all())
    new_sites = bulk_create_with_history(
        [_clone(s, security_plan_id=new.pk) for s in old_sites], PollingSite, batch_size=1000, default_user=user
    )
    site_map = {o.pk: n.pk for o, n in zip(old_sites, new_sites, strict=True)}

    old_threats = list(old.threats.all())
    new_threats = bulk_create_with_history(
        [_clone(t, security_plan_id=new.pk) for t in old_threats], Threat, batch_size=1000, default_user=user
    )
    threat_map = {o.pk: n.pk for o, n in zip(old_threats, new_threats, strict=True)}
    through = Threat.sites.through
    through.objects.bulk_create(
        [
            through(threat_id=threat_map[t_id], pollingsite_id=site_map[s_id])
            for t_id, s_id in through.objects.filter(threat__security_plan=old).values_list(
                "threat_id", "pollingsite_id"
            )
        ],
        batch_size=2000,
    )

    old_tasks = list(old.tasks.all())
    new_tasks = bulk_create_with_history(
        [_clone(t, security_plan_id=new.pk, site_id=site_map.get(t.site_id) if t.site_id else None) for t in old_tasks],
        SecurityTask,
        batch_size=1000,
        default_user=user,
    )
    task_map = {o.pk: n.pk for o, n in zip(old_tasks, new_tasks, strict=True)}
    bulk_create_with_history(
        [
            _clone(leg, security_plan_id=new.pk, escort_id=task_map.get(leg.escort_id) if leg.escort_id else None)
            for leg in old.transport_legs.all()
        ],
        TransportLeg,
        batch_size=1000,
        default_user=user,
    )


# --- suggested risk of polling sites ---------------------------------------------------------------

RISK_ORDER = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL]
# Likelihood x impact (1..25) thresholds for medium, high and critical.
RISK_SCORE_THRESHOLDS = (6, 12, 20)
# A district with this many incidents in the window raises the risk of all its sites by one level.
DISTRICT_INCIDENTS_FOR_RAISE = 3


def incident_window_days() -> int:
    return getattr(settings, "ELECTIONS_INCIDENT_WINDOW_DAYS", 30)


def suggest_risk(*, threat_scores: Iterable[int], site_severities: Iterable[int], district_incidents: int) -> RiskLevel:
    """The suggested risk of one site.

    Start from its worst threat (likelihood x impact of the threats linked to the site or to its
    district): below 6 low, 6-11 medium, 12-19 high, 20-25 critical. Then one level up if the site had
    an incident in the window, one more if one of them was serious or critical; else one level up if
    its district had `DISTRICT_INCIDENTS_FOR_RAISE` incidents or more. Never above critical.
    """
    score = max(threat_scores, default=0)
    level = sum(score >= t for t in RISK_SCORE_THRESHOLDS)
    severities = list(site_severities)
    if severities:
        level += 1 + (max(severities) >= Incident.Severity.SERIOUS)
    elif district_incidents >= DISTRICT_INCIDENTS_FOR_RAISE:
        level += 1
    return RISK_ORDER[min(level, len(RISK_ORDER) - 1)]


def site_risk_refresh(*, security_plan: SecurityPlan, site_ids: Iterable[int] | None = None) -> int:
    """Recompute `suggested_risk` for the plan's sites (or some of them); returns how many changed.

    Four queries whatever the number of sites, plus batched updates of the changed rows. The
    suggestion is derived data, so it is updated without history records (overrides have history).
    """
    window_start = timezone.now() - datetime.timedelta(days=incident_window_days())
    sites = PollingSite.objects.filter(security_plan=security_plan)
    if site_ids is not None:
        sites = sites.filter(pk__in=list(site_ids))
    sites = list(sites.only("pk", "code", "district_id", "suggested_risk"))
    if not sites:
        return 0
    by_district: dict[int, list[int]] = defaultdict(list)
    scores_by_threat: dict[int, int] = {}
    for threat_id, district_id, likelihood, impact in Threat.objects.filter(security_plan=security_plan).values_list(
        "pk", "district_id", "likelihood", "impact"
    ):
        scores_by_threat[threat_id] = likelihood * impact
        if district_id:
            by_district[district_id].append(likelihood * impact)
    by_site: dict[int, list[int]] = defaultdict(list)
    for threat_id, site_id in Threat.sites.through.objects.filter(threat__security_plan=security_plan).values_list(
        "threat_id", "pollingsite_id"
    ):
        by_site[site_id].append(scores_by_threat[threat_id])
    severities_by_code: dict[str, list[int]] = defaultdict(list)
    incidents_by_district: dict[int, int] = defaultdict(int)
    for code, district_id, severity in Incident.objects.filter(
        election_plan_id=security_plan.election_plan_id, occurred_at__gte=window_start
    ).values_list("site_code", "district_id", "severity"):
        if code:
            severities_by_code[code.casefold()].append(severity)
        incidents_by_district[district_id] += 1
    changed = []
    for site in sites:
        level = suggest_risk(
            threat_scores=by_site[site.pk] + by_district[site.district_id],
            site_severities=severities_by_code.get(site.code.casefold(), []),
            district_incidents=incidents_by_district[site.district_id],
        )
        if level != site.suggested_risk:
            site.suggested_risk = level
            changed.append(site)
    PollingSite.objects.bulk_update(changed, ["suggested_risk"], batch_size=1000)
    return len(changed)


def _refresh_open_plans(election_plan_id: int) -> None:
    # Incidents belong to the election: they move the suggestion of every revision still being edited.
    for plan in SecurityPlan.objects.filter(
        election_plan_id=election_plan_id,
        status__in=[SecurityPlan.Status.DRAFT, SecurityPlan.Status.RETURNED],
    ):
        site_risk_refresh(security_plan=plan)


# --- polling sites, threats, tasks, transport legs -------------------------------------------------

SITE_FIELDS = {
    "code",
    "name",
    "district",
    "locality",
    "latitude",
    "longitude",
    "registered_voters",
    "risk_override",
    "risk_reason",
}


def _check_site(site: PollingSite) -> None:
    errors = validate_coordinates(site.latitude, site.longitude)
    if site.risk_override and not (site.risk_reason or "").strip():
        errors["risk_reason"] = [_("Say why you override the suggested risk level.")]
    if site.district_id and site.district.mission_id != site.security_plan.election_plan.mission_id:
        errors["district"] = [_("Choose a district of this mission.")]
    _raise(errors)


@transaction.atomic
def polling_site_create(*, security_plan: SecurityPlan, user, data: dict) -> PollingSite:
    _require(access.can_add(user, PollingSite, security_plan))
    site = PollingSite(security_plan=security_plan)
    _apply(site, {k: v for k, v in data.items() if k in SITE_FIELDS})
    _check_site(site)
    _save(site, user)
    site_risk_refresh(security_plan=security_plan, site_ids=[site.pk])
    site.refresh_from_db(fields=["suggested_risk"])
    return site


@transaction.atomic
def polling_site_update(*, site: PollingSite, user, expected_version: int | None, data: dict) -> PollingSite:
    _require(access.can(user, Action.EDIT, site))
    claim_version(site, expected_version)
    _apply(site, {k: v for k, v in data.items() if k in SITE_FIELDS})
    if not site.risk_override:
        site.risk_reason = site.risk_reason or ""
    _check_site(site)
    _save(site, user)
    site_risk_refresh(security_plan=site.security_plan, site_ids=[site.pk])
    site.refresh_from_db(fields=["suggested_risk"])
    return site


THREAT_FIELDS = {"actor", "threat_type", "district", "likelihood", "impact", "description", "mitigation"}


def _set_threat_sites(threat: Threat, sites) -> None:
    if sites is None:
        return
    sites = list(sites)
    if any(s.security_plan_id != threat.security_plan_id for s in sites):
        raise ValidationError({"sites": [_("Choose sites of this security plan.")]})
    threat.sites.set(sites)


@transaction.atomic
def threat_create(*, security_plan: SecurityPlan, user, data: dict, sites=None) -> Threat:
    _require(access.can_add(user, Threat, security_plan))
    threat = Threat(security_plan=security_plan)
    _apply(threat, {k: v for k, v in data.items() if k in THREAT_FIELDS})
    _save(threat, user)
    _set_threat_sites(threat, sites)
    site_risk_refresh(security_plan=security_plan)
    return threat


@transaction.atomic
def threat_update(*, threat: Threat, user, expected_version: int | None, data: dict, sites=None) -> Threat:
    _require(access.can(user, Action.EDIT, threat))
    claim_version(threat, expected_version)
    _apply(threat, {k: v for k, v in data.items() if k in THREAT_FIELDS})
    _save(threat, user)
    _set_threat_sites(threat, sites)
    site_risk_refresh(security_plan=threat.security_plan)
    return threat


TASK_FIELDS = {"task_type", "provider", "component", "site", "district", "phase", "start", "end", "description"}


def _check_task(task: SecurityTask) -> None:
    plan = task.security_plan
    errors = validate_task_window(plan=plan.election_plan, phase=task.phase, start=task.start, end=task.end)
    if task.site_id and task.site.security_plan_id != plan.pk:
        errors["site"] = [_("Choose a site of this security plan.")]
    if task.component_id and task.component.mission_id != plan.election_plan.mission_id:
        errors["component"] = [_("Choose a component of this mission.")]
    _raise(errors)


@transaction.atomic
def security_task_create(*, security_plan: SecurityPlan, user, data: dict) -> SecurityTask:
    task = SecurityTask(security_plan=security_plan)
    _apply(task, {k: v for k, v in data.items() if k in TASK_FIELDS})
    _require(access.can_add(user, SecurityTask, security_plan, component=task.component))
    _check_task(task)
    _save(task, user)
    return task


@transaction.atomic
def security_task_update(*, task: SecurityTask, user, expected_version: int | None, data: dict) -> SecurityTask:
    _require(access.can(user, Action.EDIT, task))
    claim_version(task, expected_version)
    _apply(task, {k: v for k, v in data.items() if k in TASK_FIELDS})
    # Military and police staff may not hand their task over to another component.
    _require(access.can(user, Action.EDIT, task))
    _check_task(task)
    _save(task, user)
    return task


LEG_FIELDS = {"materials", "origin", "destination", "departs_at", "arrives_at", "escort"}


def _check_leg(leg: TransportLeg) -> None:
    errors = {}
    if leg.departs_at and leg.arrives_at and leg.arrives_at < leg.departs_at:
        errors["arrives_at"] = [_("The arrival must be after the departure.")]
    if leg.escort_id and leg.escort.security_plan_id != leg.security_plan_id:
        errors["escort"] = [_("Choose a task of this security plan.")]
    _raise(errors)


@transaction.atomic
def transport_leg_create(*, security_plan: SecurityPlan, user, data: dict) -> TransportLeg:
    _require(access.can_add(user, TransportLeg, security_plan))
    leg = TransportLeg(security_plan=security_plan)
    _apply(leg, {k: v for k, v in data.items() if k in LEG_FIELDS})
    _check_leg(leg)
    _save(leg, user)
    return leg


@transaction.atomic
def transport_leg_update(*, leg: TransportLeg, user, expected_version: int | None, data: dict) -> TransportLeg:
    _require(access.can(user, Action.EDIT, leg))
    claim_version(leg, expected_version)
    _apply(leg, {k: v for k, v in data.items() if k in LEG_FIELDS})
    _check_leg(leg)
    _save(leg, user)
    return leg


@transaction.atomic
def plan_item_delete(*, item: PollingSite | Threat | SecurityTask | TransportLeg, user, expected_version: int | None):
    """Remove an item from a draft revision (the previous revisions keep theirs; history keeps it too)."""
    _require(access.can(user, Action.EDIT, item))
    claim_version(item, expected_version)
    security_plan = item.security_plan
    item._history_user = user
    item.delete()
    if isinstance(item, Threat):
        site_risk_refresh(security_plan=security_plan)


# --- incidents ---------------------------------------------------------------------------------------

INCIDENT_FIELDS = {
    "occurred_at",
    "district",
    "site_code",
    "place",
    "incident_type",
    "severity",
    "casualties",
    "description",
    "follow_up",
    "status",
}


def _check_incident(incident: Incident) -> None:
    errors = validate_incident_time(incident.occurred_at)
    plan = incident.election_plan
    if incident.district_id and incident.district.mission_id != plan.mission_id:
        errors["district"] = [_("Choose a district of this mission.")]
    if incident.site_code:
        incident.site_code = incident.site_code.strip()
        if not PollingSite.objects.filter(security_plan__election_plan=plan, code__iexact=incident.site_code).exists():
            errors["site_code"] = [_("No polling site of this election has the code “%s”.") % incident.site_code]
    _raise(errors)


@transaction.atomic
def incident_create(*, election_plan: ElectionPlan, user, data: dict) -> Incident:
    _require(access.can_add(user, Incident, election_plan))
    incident = Incident(election_plan=election_plan, reported_by=user)
    _apply(incident, {k: v for k, v in data.items() if k in INCIDENT_FIELDS})
    _check_incident(incident)
    # reported_by is set by the service, may be empty on imported history, and is not the editor's to fill.
    _save(incident, user, exclude=["reported_by"])
    _refresh_open_plans(election_plan.pk)
    return incident


@transaction.atomic
def incident_update(*, incident: Incident, user, expected_version: int | None, data: dict) -> Incident:
    _require(access.can(user, Action.EDIT, incident))
    claim_version(incident, expected_version)
    _apply(incident, {k: v for k, v in data.items() if k in INCIDENT_FIELDS})
    _check_incident(incident)
    # reported_by is set by the service, may be empty on imported history, and is not the editor's to fill.
    _save(incident, user, exclude=["reported_by"])
    _refresh_open_plans(incident.election_plan_id)
    return incident


# --- bulk import of polling sites --------------------------------------------------------------------

SITE_IMPORT_REQUIRED = ["code", "name", "district"]
SITE_IMPORT_OPTIONAL = ["locality", "latitude", "longitude", "registered_voters"]
SITE_IMPORT_ALIASES = {
    "site_code": "code",
    "polling_site_code": "code",
    "station_code": "code",
    "site_name": "name",
    "polling_site": "name",
    "polling_site_name": "name",
    "district_name": "district",
    "lat": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "long": "longitude",
    "voters": "registered_voters",
    "registered": "registered_voters",
    "town": "locality",
    "village": "locality",
}


def polling_sites_parse(*, security_plan: SecurityPlan, rows: list[dict]) -> tuple[ImportReport, list[PollingSite]]:
    """Check every row of an import and build (unsaved) sites; nothing is written.

    Two queries: the mission's districts and the codes already in the revision.
    """
    report = ImportReport(total_rows=len(rows))
    if not rows:
        report.add(None, "", _("The file has no data rows."))
        return report, []
    missing = missing_columns(rows, SITE_IMPORT_REQUIRED)
    if missing:
        report.add(None, "", _("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
        return report, []
    mission_id = security_plan.election_plan.mission_id
    districts = {
        loc.name.casefold(): loc
        for loc in Location.objects.filter(mission_id=mission_id, level=Location.Level.DISTRICT)
    }
    existing = {c.casefold() for c in security_plan.sites.values_list("code", flat=True)}
    first_seen: dict[str, int] = {}
    sites: list[PollingSite] = []
    code_max = PollingSite._meta.get_field("code").max_length
    name_max = PollingSite._meta.get_field("name").max_length
    for row in rows:
        line = row[ROW]
        before = len(report.errors)
        code, name, district_name = row.get("code", ""), row.get("name", ""), row.get("district", "")
        if not code:
            report.add(line, "code", _("The site code is missing."))
        elif len(code) > code_max:
            report.add(line, "code", _("The site code is longer than %(n)s characters.") % {"n": code_max})
        elif code.casefold() in first_seen:
            report.add(
                line,
                "code",
                _("Site code %(code)s also appears on row %(row)s.")
                % {"code": code, "row": first_seen[code.casefold()]},
            )
        elif code.casefold() in existing:
            report.add(line, "code", _("Site code %(code)s already exists in this plan.") % {"code": code})
        if code:
            first_seen.setdefault(code.casefold(), line)
        if not name:
            report.add(line, "name", _("The site name is missing."))
        elif len(name) > name_max:
            report.add(line, "name", _("The name is longer than %(n)s characters.") % {"n": name_max})
        district = None
        if not district_name:
            report.add(line, "district", _("The district is missing."))
        else:
            district = districts.get(district_name.casefold())
            if district is None:
                report.add(line, "district", _("Unknown district “%(d)s”.") % {"d": district_name})
        coords = {}
        for column, limit in (("latitude", 90), ("longitude", 180)):
            try:
                coords[column] = parse_decimal(row.get(column, ""), minimum=-limit, maximum=limit)
            except ValueError as exc:
                report.add(line, column, str(exc))
                coords[column] = False
        if coords["latitude"] is not False and coords["longitude"] is not False:
            for column, messages in validate_coordinates(coords["latitude"], coords["longitude"]).items():
                report.add(line, column, messages[0])
        try:
            voters = parse_int(row.get("registered_voters", ""), minimum=0) or 0
        except ValueError as exc:
            report.add(line, "registered_voters", str(exc))
            voters = 0
        if len(report.errors) == before:
            sites.append(
                PollingSite(
                    security_plan=security_plan,
                    code=code,
                    name=name,
                    district=district,
                    locality=row.get("locality", "")[:200],
                    latitude=coords["latitude"],
                    longitude=coords["longitude"],
                    registered_voters=voters,
                )
            )
    return report, sites


def polling_sites_import(*, security_plan: SecurityPlan, user, rows: list[dict]) -> ImportReport:
    """Import all the rows or none: any error in any row and nothing is written (the report says why).

    The plan row is locked for the duration, so a submission or a second import cannot interleave.
    Sites and their history records go in with bulk inserts; suggested risks are computed at the end.
    """
    with transaction.atomic():
        _lock(security_plan)
        _require(access.can_add(user, PollingSite, security_plan))
        report, sites = polling_sites_parse(security_plan=security_plan, rows=rows)
        if not report.ok:
            return report
        created = bulk_create_with_history(sites, PollingSite, batch_size=1000, default_user=user)
        report.created = len(created)
        site_risk_refresh(security_plan=security_plan)
    return report
