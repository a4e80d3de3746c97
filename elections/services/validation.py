"""Validation shared with the forms, so forms and the API give the same messages."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _

from elections.models import (
    ElectionPlan,
    Phase,
)
from missions.formats import format_day

PHASE_ORDER = list(Phase.values)


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
                    % {"phase": label, "prev": Phase(prev_kind).label, "date": format_day(prev_start)}
                )
            elif end < prev_end:
                errors[kind].append(
                    _("%(phase)s cannot end before %(prev)s ends (%(date)s).")
                    % {"phase": label, "prev": Phase(prev_kind).label, "date": format_day(prev_end)}
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
                % {
                    "a": format_day(polling_start),
                    "b": format_day(polling_end),
                    "s": format_day(start),
                    "e": format_day(end),
                }
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
                % {"phase": Phase(phase).label, "s": format_day(first), "e": format_day(last)}
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
