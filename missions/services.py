"""Writes of the missions app: a mission's particulars and the API tokens of users."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from missions import access
from missions.concurrency import claim_version
from missions.models import ApiToken, Mission

_UNSET = object()

# A person scripting against the API needs a few tokens (one per script or machine), not hundreds.
MAX_ACTIVE_TOKENS = 20
TOKEN_PREFIX = "mdt_"


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


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it with its key. Only the key's SHA-256 is stored: show it once.

    Raises ValidationError when the user already has MAX_ACTIVE_TOKENS active tokens.
    """
    # Lock the user's row so that two requests at once cannot both pass the limit.
    get_user_model()._default_manager.select_for_update().filter(pk=user.pk).exists()
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You already have %(n)s active tokens; revoke one you no longer use first.") % {"n": MAX_ACTIVE_TOKENS}
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip(), key_hash=_hash_key(key), key_prefix=key[:10])
    return token, key


def api_token_revoke(*, token: ApiToken, user) -> ApiToken:
    """Revoke one of `user`'s tokens (idempotent). Raises PermissionDenied for someone else's token."""
    if token.user_id != user.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(key: str) -> ApiToken | None:
    """The active token with this key, with its user, or None. Notes when it was last used.

    `last_used_at` is written at most once a minute per token, so scripts do not turn every read
    into a write.
    """
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
