"""Optimistic concurrency: an edit carries the version it started from; a stale one is refused.

Every edit service calls `claim_version` inside its transaction before it saves. Forms carry the
version in a hidden field, the API in the `If-Match` header or a `version` field.
"""

from __future__ import annotations

from django.db.models import Model
from django.utils.translation import gettext as _


class ConcurrentEditError(Exception):
    """Someone else saved the object after the editor loaded it. `current` is the object as saved now."""

    def __init__(self, current: Model):
        self.current = current
        super().__init__(
            _(
                "Someone else changed this record while you were editing it (now version %(v)s). "
                "Your changes were not saved; review theirs below and apply yours again."
            )
            % {"v": current.version}
        )


def claim_version(instance: Model, expected_version: int | None) -> None:
    """Lock the row, compare its version with the editor's, and bump it on the instance.

    Precondition: called inside `transaction.atomic`. Side effect: `instance.version` is incremented,
    so the caller's `save()` writes the new version. `expected_version=None` skips the check
    (used by trusted batch code such as imports and seeds).
    """
    current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if expected_version is not None and current.version != int(expected_version):
        raise ConcurrentEditError(current)
    instance.version = current.version + 1
