"""Writes of an election's incident log."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from elections.models import (
    ElectionPlan,
    Incident,
    PollingSite,
)
from elections.services._common import _claim, _create, _raise, _write
from elections.services.risk import refresh_for_incident
from elections.services.validation import validate_incident_time
from missions.formats import format_day

# Ordered: the edit form shows them in this order.
INCIDENT_FIELDS = (
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
)


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


# reported_by is set by the service, may be empty on imported history, and is not the editor's to fill.
KEPT = ["reported_by"]


def _with_risk_changes(incident: Incident, *, before, user, cause: str) -> Incident:
    """The saved incident, with `risk_changes`: the suggested risks it changed at the sites it concerns now
    and, for an edit, at those it concerned `before` (site code, district)."""
    incident.risk_changes = refresh_for_incident(incident=incident, before=before, user=user, cause=cause)
    return incident


@transaction.atomic
def incident_create(*, election_plan: ElectionPlan, user, data: dict) -> Incident:
    incident = Incident(election_plan=election_plan, reported_by=user)
    _create(incident, election_plan, user=user, data=data, fields=INCIDENT_FIELDS, check=_check_incident, exclude=KEPT)
    cause = _("incident on %(date)s") % {"date": format_day(incident.occurred_at)}
    return _with_risk_changes(incident, before=None, user=user, cause=cause)


@transaction.atomic
def incident_update(*, incident: Incident, user, expected_version: int | None, data: dict) -> Incident:
    _claim(incident, user, expected_version)
    before = (incident.site_code, incident.district_id)
    _write(incident, user=user, data=data, fields=INCIDENT_FIELDS, check=_check_incident, exclude=KEPT)
    cause = _("incident on %(date)s changed") % {"date": format_day(incident.occurred_at)}
    return _with_risk_changes(incident, before=before, user=user, cause=cause)
