"""Writes of a security plan: the plan and its workflow (submit, approve, return, new revision)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from elections.models import (
    ElectionPlan,
    PollingSite,
    SecurityPlan,
    SecurityTask,
    Threat,
    TransportLeg,
)
from elections.services._common import _lock, _require, _save
from mandate import access
from mandate.access import Action
from missions.concurrency import claim_version
from missions.events import announce
from missions.models import AuditEvent
from missions.services import audit_event_record


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
    announce("plan_submitted", obj=security_plan, actor=user)
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
    audit_event_record(
        action=AuditEvent.Action.APPROVED if status == SecurityPlan.Status.APPROVED else AuditEvent.Action.RETURNED,
        user=user,
        mission=access.mission_id_of(security_plan),
        obj=security_plan,
        summary=str(security_plan),
    )
    event = "plan_approved" if status == SecurityPlan.Status.APPROVED else "plan_returned"
    announce(event, obj=security_plan, actor=user)
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
