"""Optimistic concurrency: an edit carries the version it started from; a stale one is refused.

The one version check and the one version parser of the project:
- `claim_version(instance, expected_version)`: every edit service calls it inside its transaction
  before it saves; a stale version raises `ConcurrentEditError` (the API answers 412, the pages 409).
- `parse_version(value)`: what a client sent as a version (`3`, `"3"`, an ETag `W/"3"`) as an int, None
  when nothing was sent; anything else raises a ValidationError on `version` (the API answers 400).
- `version_from_request(request)`: the `If-Match` header, else a `version` field of the request data.
Forms carry the version in a hidden field (`missions.edit.EditForm`), the API in `If-Match` or `version`.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

# Versions are PositiveIntegerField rows: a larger number cannot be one, and must not reach the database.
MAX_VERSION = 2_147_483_647


class ConcurrentEditError(Exception):
    """Someone else saved the object after the editor loaded it. `current` is the object as saved now."""

    def __init__(self, current: Model):
        self.current = current
        super().__init__(
            _(
                "Someone else changed this record while you were editing it. "
                "Your changes were not saved; review theirs below and apply yours again."
            )
        )


def parse_version(value) -> int | None:
    """A version as sent by a client: a whole number, a numeric string or an ETag (`"3"`, `W/"3"`).

    Returns None when nothing was sent (None, "", an empty tag). Raises ValidationError keyed `version`
    for anything else (text, decimals, negatives, booleans, lists, numbers no row can hold).
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.split(",")[0].strip().removeprefix("W/").strip().strip('"').strip()
        if not text:
            return None
        if not (text.isascii() and text.isdigit() and len(text) <= 10):
            raise _invalid()
        number = int(text)
    else:
        raise _invalid()
    if not 0 <= number <= MAX_VERSION:
        raise _invalid()
    return number


def _invalid() -> ValidationError:
    return ValidationError({"version": [_("The version must be a whole number, as read from the record.")]})


def version_from_request(request, data: Mapping | None = None) -> int | None:
    """The version a request starts from: its `If-Match` header, else the `version` of `data` (default: the
    request's body, `request.data` in the API or `request.POST` on a page). None when it sends neither.

    `If-Match: *` ("any version") counts as no version: it is exactly the blind overwrite versions refuse.
    """
    header = request.headers.get("If-Match", "").strip()
    if header and header != "*":
        return parse_version(header)
    if data is None:
        data = getattr(request, "data", None)
        if data is None:
            data = request.POST
    if isinstance(data, Mapping):
        return parse_version(data.get("version"))
    return None


def claim_version(instance: Model, expected_version: int | str | None) -> None:
    """Lock the row, compare its version with the editor's, and bump it on the instance.

    Precondition: called inside `transaction.atomic`. Side effect: `instance.version` is incremented,
    so the caller's `save()` writes the new version. `expected_version=None` skips the check
    (used by trusted batch code such as imports and seeds). A value that is not a version raises
    ValidationError on `version` before anything is read.
    """
    expected = parse_version(expected_version)
    current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if expected is not None and current.version != expected:
        raise ConcurrentEditError(current)
    instance.version = current.version + 1
