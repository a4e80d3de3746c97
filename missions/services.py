"""Writes of the missions app that need no access rule: a user's own API tokens and language, and the
audit trail (`audit_event_record`, called by every service that does a sensitive action).

A mission's particulars are changed by `mandate.services.mission_update`, which asks `mandate.access`."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from missions.audit import client_ip, current_request
from missions.models import ApiToken, AuditEvent, Mission, Profile

# A person scripting against the API needs a few tokens (one per script or machine), not hundreds.
MAX_ACTIVE_TOKENS = 20
TOKEN_PREFIX = "mdt_"


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
    audit_event_record(action=AuditEvent.Action.TOKEN_CREATED, user=user, obj=token, summary=str(token))
    return token, key


def api_token_revoke(*, token: ApiToken, user) -> ApiToken:
    """Revoke one of `user`'s tokens (idempotent). Raises PermissionDenied for someone else's token."""
    if token.user_id != user.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_event_record(action=AuditEvent.Action.TOKEN_REVOKED, user=user, obj=token, summary=str(token))
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


@transaction.atomic
def profile_language_set(*, user, language: str) -> Profile:
    """Save the language `user` chose in the header (an empty string: follow the mission's default).

    Raises ValidationError for a language the site does not offer."""
    profile, _created = Profile.objects.get_or_create(user=user)
    profile.language = language
    profile.full_clean()
    profile.save(update_fields=["language"])
    return profile


def audit_event_record(
    *,
    action: AuditEvent.Action,
    user=None,
    username: str = "",
    mission: Mission | int | None = None,
    obj=None,
    summary: str = "",
    request=None,
) -> AuditEvent:
    """Append one event to the audit trail. The address and browser come from `request`, else from the
    request being served (missions.audit); `mission` defaults to `obj.mission_id` when the object has one.

    Runs in the caller's transaction: an approval that rolls back leaves no "approved" event behind.
    """
    request = request if request is not None else current_request()
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    mission_id = mission.pk if isinstance(mission, Mission) else mission
    if mission_id is None and obj is not None:
        mission_id = obj.pk if isinstance(obj, Mission) else getattr(obj, "mission_id", None)
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return AuditEvent.objects.create(
        action=action,
        user=user,
        username=(user.get_username() if user is not None else username)[:150],
        mission_id=mission_id,
        ip_address=client_ip(request),
        user_agent=agent[:200],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        summary=summary[:500],
    )


def audit_admin_log_entry(entry) -> AuditEvent:
    """Record an admin LogEntry (an addition, change or deletion) in the audit trail."""
    from django.contrib.admin.models import ADDITION, DELETION

    verb = {ADDITION: "added", DELETION: "deleted"}.get(entry.action_flag, "changed")
    model = entry.content_type.model_class() if entry.content_type_id else None
    label = model._meta.label_lower if model is not None else ""
    edited = None
    if entry.action_flag != DELETION and model is not None:
        edited = model._default_manager.filter(pk=entry.object_id).first()
    change = entry.get_change_message()
    return audit_event_record(
        action=AuditEvent.Action.ADMIN_CHANGE,
        user=entry.user,
        obj=edited,
        summary=f"{verb} {label} #{entry.object_id} “{entry.object_repr}”" + (f": {change}" if change else ""),
    )
