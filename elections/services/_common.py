"""What every election service shares: raising field errors, refusing, applying and saving."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Model

from elections.models import (
    SecurityPlan,
)
from mandate import access


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


_require = access.require


def _apply(instance: Model, data: dict) -> None:
    for name, value in data.items():
        setattr(instance, name, value)


def _save(instance: Model, user, *, exclude: Iterable[str] = ()) -> None:
    """Model validation (field validators, constraints) then save, attributing the history to `user`."""
    instance.full_clean(exclude=list(exclude))
    instance._history_user = user
    instance.save()


def _lock(security_plan: SecurityPlan) -> SecurityPlan:
    """Re-read the plan under a row lock, so two decisions on one revision cannot both pass."""
    locked = SecurityPlan.objects.select_for_update().select_related("election_plan").get(pk=security_plan.pk)
    security_plan.status = locked.status
    security_plan.version = locked.version
    return security_plan
