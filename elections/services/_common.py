"""What every election service shares: raising field errors, refusing, applying and saving, and the one shape
of a create (`_create`) and of an update (`_claim` then `_write`, or `_update`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Model

from elections.models import (
    SecurityPlan,
)
from mandate import access
from mandate.access import Action
from missions.concurrency import claim_version


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


def _write(item: Model, *, user, data: dict, fields: Iterable[str], check=None, exclude: Iterable[str] = ()) -> Model:
    """Set the `fields` of `item` that `data` has (other keys are ignored), run `check(item)` (it raises field
    errors, and may normalise), then validate and save with `user` in the history."""
    _apply(item, {k: v for k, v in data.items() if k in fields})
    if check is not None:
        check(item)
    _save(item, user, exclude=exclude)
    return item


def _create(item: Model, parent: Model, *, user, **write) -> Model:
    """Save the new row `item` (built on `parent`), refused unless the user may add one there; `write`: `_write`'s."""
    _require(access.can_add(user, type(item), parent))
    return _write(item, user=user, **write)


def _claim(item: Model, user, expected_version: int | None) -> None:
    """Refuse unless the user may edit `item`; lock its row and claim the version the editor started from."""
    _require(access.can(user, Action.EDIT, item))
    claim_version(item, expected_version)


def _update(item: Model, *, user, expected_version: int | None, **write) -> Model:
    """`_claim` then `_write`: an update that needs nothing read between the lock and the change."""
    _claim(item, user, expected_version)
    return _write(item, user=user, **write)


def _lock(security_plan: SecurityPlan) -> SecurityPlan:
    """Re-read the plan under a row lock, so two decisions on one revision cannot both pass."""
    locked = SecurityPlan.objects.select_for_update().select_related("election_plan").get(pk=security_plan.pk)
    security_plan.status = locked.status
    security_plan.version = locked.version
    return security_plan
