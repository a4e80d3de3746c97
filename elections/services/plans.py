"""Writes of an election plan: the plan, its phases and its milestones."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from elections.models import (
    ElectionPlan,
    ElectoralPhase,
    Milestone,
)
from elections.selectors import elections_benchmarks
from elections.services._common import _create, _raise, _require, _save, _update
from elections.services.validation import phase_dates, validate_phases, validate_polling_days
from mandate import access
from mandate.access import Action
from missions.concurrency import claim_version
from missions.models import Mission

PLAN_FIELDS = {"name", "election_type", "scope", "polling_start", "polling_end", "notes"}


def _check_polling_days(plan: ElectionPlan) -> None:
    _raise(validate_polling_days(phase_dates(plan), polling_start=plan.polling_start, polling_end=plan.polling_end))


@transaction.atomic
def election_plan_create(*, mission: Mission, user, data: dict, benchmarks=()) -> ElectionPlan:
    plan = _create(ElectionPlan(mission=mission), mission, user=user, data=data, fields=PLAN_FIELDS)
    plan.benchmarks.set(benchmarks)
    return plan


@transaction.atomic
def election_plan_update(*, plan: ElectionPlan, user, expected_version: int | None, data: dict, benchmarks=None):
    _update(
        plan, user=user, expected_version=expected_version, data=data, fields=PLAN_FIELDS, check=_check_polling_days
    )
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


def _check_benchmark(milestone: Milestone) -> None:
    benchmark = milestone.benchmark
    if benchmark is not None and not elections_benchmarks(milestone.plan.mission_id).filter(pk=benchmark.pk).exists():
        raise ValidationError({"benchmark": [_("Choose a benchmark of this mission's elections output.")]})


@transaction.atomic
def milestone_create(*, plan: ElectionPlan, user, data: dict) -> Milestone:
    return _create(Milestone(plan=plan), plan, user=user, data=data, fields=MILESTONE_FIELDS, check=_check_benchmark)


@transaction.atomic
def milestone_update(*, milestone: Milestone, user, expected_version: int | None, data: dict) -> Milestone:
    return _update(
        milestone,
        user=user,
        expected_version=expected_version,
        data=data,
        fields=MILESTONE_FIELDS,
        check=_check_benchmark,
    )
