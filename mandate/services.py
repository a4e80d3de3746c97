"""Writes of the missions resources that ask `mandate.access` (the ground floor, `missions`, cannot)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction

from mandate import access
from missions.concurrency import claim_version
from missions.models import Mission

_UNSET = object()


@transaction.atomic
def mission_update(
    *,
    mission: Mission,
    user,
    expected_version: int | None,
    name: str = _UNSET,
    host_country: str = _UNSET,
    mandate_references: str = _UNSET,
    start_date: datetime.date = _UNSET,
    end_date: datetime.date | None = _UNSET,
    default_language: str = _UNSET,
) -> Mission:
    """Change a mission's particulars (Head of Mission only); fields left out keep their value.

    Raises PermissionDenied when the user may not edit the mission, ConcurrentEditError when
    `expected_version` is stale, ValidationError when the dates contradict each other. Records history
    with `user` as the author.
    """
    if not access.can(user, access.Action.EDIT, mission):
        raise PermissionDenied
    changes = {
        field: value
        for field, value in {
            "name": name,
            "host_country": host_country,
            "mandate_references": mandate_references,
            "start_date": start_date,
            "end_date": end_date,
            "default_language": default_language,
        }.items()
        if value is not _UNSET
    }
    claim_version(mission, expected_version)
    for field, value in changes.items():
        setattr(mission, field, value)
    mission.full_clean(exclude=["acronym"], validate_unique=False)
    mission._history_user = user
    mission.save(update_fields=[*changes, "version", "updated_at"])
    return mission
