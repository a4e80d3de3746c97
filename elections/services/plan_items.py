"""Writes of a security plan's items: polling sites, threats, security tasks, transport legs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from elections.models import (
    PollingSite,
    SecurityPlan,
    SecurityTask,
    Threat,
    TransportLeg,
)
from elections.services._common import _apply, _claim, _create, _raise, _require, _save, _update, _write
from elections.services.coordinates import polling_sites_check_coordinates
from elections.services.risk import site_risk_refresh, sites_concerned_by_threat
from elections.services.validation import validate_coordinates, validate_task_window
from mandate import access
from mandate.access import Action
from missions.concurrency import claim_version
from missions.deletion import require_confirmation

# Ordered: the edit form shows them in this order.
SITE_FIELDS = (
    "code",
    "name",
    "district",
    "locality",
    "latitude",
    "longitude",
    "registered_voters",
    "risk_override",
    "risk_reason",
)


def _check_site(site: PollingSite) -> None:
    errors = validate_coordinates(site.latitude, site.longitude)
    if site.risk_override and not (site.risk_reason or "").strip():
        errors["risk_reason"] = [_("Say why you override the suggested risk level.")]
    if site.district_id and site.district.mission_id != site.security_plan.election_plan.mission_id:
        errors["district"] = [_("Choose a district of this mission.")]
    _raise(errors)


def _check_edited_site(site: PollingSite) -> None:
    if not site.risk_override:
        site.risk_reason = site.risk_reason or ""
    _check_site(site)


@transaction.atomic
def polling_site_create(*, security_plan: SecurityPlan, user, data: dict) -> PollingSite:
    site = PollingSite(security_plan=security_plan)
    _create(site, security_plan, user=user, data=data, fields=SITE_FIELDS, check=_check_site)
    site.risk_changes = site_risk_refresh(
        security_plan=security_plan, site_ids=[site.pk], cause=_("site added"), user=user
    )
    polling_sites_check_coordinates(security_plan=security_plan, district_ids=[site.district_id], user=user)
    site.refresh_from_db(fields=["suggested_risk", "coordinates_issue", "coordinates_note"])
    return site


@transaction.atomic
def polling_site_update(*, site: PollingSite, user, expected_version: int | None, data: dict) -> PollingSite:
    _claim(site, user, expected_version)
    district_before = site.district_id
    _write(site, user=user, data=data, fields=SITE_FIELDS, check=_check_edited_site)
    site.risk_changes = site_risk_refresh(
        security_plan=site.security_plan, site_ids=[site.pk], cause=_("site changed"), user=user
    )
    # The district it left is checked again too: its other sites' centre may have moved.
    polling_sites_check_coordinates(
        security_plan=site.security_plan, district_ids=[district_before, site.district_id], user=user
    )
    site.refresh_from_db(fields=["suggested_risk", "coordinates_issue", "coordinates_note"])
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
    threat = _create(Threat(security_plan=security_plan), security_plan, user=user, data=data, fields=THREAT_FIELDS)
    _set_threat_sites(threat, sites)
    threat.risk_changes = site_risk_refresh(
        security_plan=security_plan,
        site_ids=sites_concerned_by_threat(threat),
        cause=_("threat %(ref)s added") % {"ref": threat.reference},
        user=user,
    )
    return threat


@transaction.atomic
def threat_update(*, threat: Threat, user, expected_version: int | None, data: dict, sites=None) -> Threat:
    _claim(threat, user, expected_version)
    concerned = sites_concerned_by_threat(threat)  # before the change: sites it may no longer weigh on
    _write(threat, user=user, data=data, fields=THREAT_FIELDS)
    _set_threat_sites(threat, sites)
    threat.risk_changes = site_risk_refresh(
        security_plan=threat.security_plan,
        site_ids=concerned | sites_concerned_by_threat(threat),
        cause=_("threat %(ref)s changed") % {"ref": threat.reference},
        user=user,
    )
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
    def check(task):
        # Military and police staff may not hand their task over to another component.
        _require(access.can(user, Action.EDIT, task))
        _check_task(task)

    return _update(task, user=user, expected_version=expected_version, data=data, fields=TASK_FIELDS, check=check)


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
    leg = TransportLeg(security_plan=security_plan)
    return _create(leg, security_plan, user=user, data=data, fields=LEG_FIELDS, check=_check_leg)


@transaction.atomic
def transport_leg_update(*, leg: TransportLeg, user, expected_version: int | None, data: dict) -> TransportLeg:
    return _update(leg, user=user, expected_version=expected_version, data=data, fields=LEG_FIELDS, check=_check_leg)


@transaction.atomic
def plan_item_delete(
    *,
    item: PollingSite | Threat | SecurityTask | TransportLeg,
    user,
    expected_version: int | None,
    confirmed: bool = False,
):
    """Remove an item from a draft revision (the previous revisions keep theirs; history keeps it too).

    An item that other rows depend on (a polling site's security tasks and transport legs) is removed with
    them only when `confirmed`; otherwise raises DeletionNeedsConfirmation, listing them, and removes nothing.
    """
    _require(access.can(user, Action.EDIT, item))
    claim_version(item, expected_version)
    require_confirmation(item, confirmed=confirmed)
    security_plan = item.security_plan
    concerned = sites_concerned_by_threat(item) if isinstance(item, Threat) else set()
    reference = getattr(item, "reference", "")
    item._history_user = user
    item.delete()
    if not concerned:
        return []
    return site_risk_refresh(
        security_plan=security_plan,
        site_ids=concerned,
        cause=_("threat %(ref)s removed") % {"ref": reference},
        user=user,
    )
