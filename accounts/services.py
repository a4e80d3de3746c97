"""Writes about signing in: two-factor devices, recovery codes, sessions.

Two-factor authentication uses django-otp: a TOTP device (an authenticator app) and a static device holding
single-use recovery codes. Whether a user must use it is `mandate.access.must_use_two_factor`.
"""

from __future__ import annotations

import datetime
import secrets
from base64 import b32decode, b32encode
from binascii import hexlify, unhexlify
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import UserSession
from mandate import access
from missions.models import ApiToken, AuditEvent
from missions.services import audit_event_record

RECOVERY_CODE_COUNT = 10
# Where the session says what the signed-in user still owes: "verify" (enter a code) or "enrol" (set one up).
TWO_FACTOR_STEP_KEY = "two_factor_step"
LAST_SEEN_KEY = "last_seen"


def two_factor_step(user) -> str:
    """ "enrol" when the user must use two-factor authentication and has no device yet, "verify" when they
    have one (required or chosen), "" when they sign in with a password only."""
    if user_has_device(user, confirmed=True):
        return "verify"
    return "enrol" if access.must_use_two_factor(user) else ""


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret as people type it into an authenticator app (base32, in groups of four)."""
    text = b32encode(unhexlify(device.key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def totp_setup_start(*, user) -> TOTPDevice:
    """The user's unconfirmed TOTP device (a new secret the first time): confirmed once they enter a code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_setup_confirm(*, request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm `device` with a code from the app: the user is then verified in this session, any older
    authenticator is removed, and new recovery codes are returned (show them once). None if the code is wrong.
    """
    user = request.user
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    otp_login(request, device)
    request.session[TWO_FACTOR_STEP_KEY] = ""
    audit_event_record(action=AuditEvent.Action.TWO_FACTOR_ENROLLED, user=user, request=request)
    return codes


def _new_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    # django-otp keeps a static token in 16 characters: two groups of 6 hex digits (48 bits, single use).
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user) -> list[str]:
    """New recovery codes for a user with an authenticator; the old ones stop working."""
    return _new_recovery_codes(user)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def two_factor_disable(*, user) -> None:
    """Remove the user's devices (only for users who need not use two-factor authentication)."""
    if access.must_use_two_factor(user):
        raise PermissionError
    for device in devices_for_user(user, confirmed=None):
        device.delete()


def two_factor_verify(*, request, token: str) -> bool:
    """Check a code from the authenticator, or a recovery code (used up), for the signed-in user; on success
    the session is verified. django-otp slows down repeated wrong codes per device (throttling)."""
    user = request.user
    token = "".join(token.split()).lower()
    for device in devices_for_user(user, confirmed=True):
        with transaction.atomic():
            locked = type(device).objects.select_for_update().get(pk=device.pk)
            if locked.verify_token(token):
                otp_login(request, locked)
                request.session[TWO_FACTOR_STEP_KEY] = ""
                audit_event_record(action=AuditEvent.Action.TWO_FACTOR_VERIFIED, user=user, request=request)
                return True
    audit_event_record(action=AuditEvent.Action.TWO_FACTOR_FAILED, user=user, request=request)
    return False


# --- sessions --------------------------------------------------------------------------------------


def session_started(*, request, user) -> None:
    """At sign-in: remember the session (for "sign out everywhere"), start the idle clock, and note what the
    second step is. Sessions remembered longer ago than the session cookie lives are forgotten."""
    request.session[LAST_SEEN_KEY] = int(timezone.now().timestamp())
    request.session[TWO_FACTOR_STEP_KEY] = two_factor_step(user) if settings.TWO_FACTOR_ENFORCED else ""
    if not request.session.session_key:
        request.session.save()
    UserSession.objects.get_or_create(session_key=request.session.session_key, defaults={"user": user})
    too_old = timezone.now() - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    UserSession.objects.filter(user=user, created_at__lt=too_old).delete()


def session_ended(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def sign_out_everywhere(*, request, revoke_tokens: bool = False) -> int:
    """End every session of the signed-in user, this one included, on every device; with `revoke_tokens`,
    revoke their API tokens too. Returns the number of sessions ended."""
    user = request.user
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    revoked = 0
    if revoke_tokens:
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_event_record(
        action=AuditEvent.Action.SIGNED_OUT_EVERYWHERE,
        user=user,
        request=request,
        summary=f"{len(keys)} sessions, {revoked} API tokens revoked",
    )
    return len(keys)


# --- demo ------------------------------------------------------------------------------------------


DEMO_DEVICE_NAME = "demo authenticator"


def demo_totp_key(secret_base32: str) -> str:
    text = secret_base32.replace(" ", "").upper()
    return hexlify(b32decode(text + "=" * (-len(text) % 8))).decode()


@transaction.atomic
def demo_two_factor_ensure(*, usernames: list[str], secret_base32: str) -> list[str]:
    """For `seed_demo` only: each of these users whose role requires a second factor gets a confirmed TOTP
    device with the published demo secret (so the demo stays usable). Returns their usernames."""
    users = get_user_model()._default_manager.filter(username__in=usernames).order_by("username")
    done = []
    for user in users:
        if access.must_use_two_factor(user):
            TOTPDevice.objects.update_or_create(
                user=user, name=DEMO_DEVICE_NAME, defaults={"key": demo_totp_key(secret_base32), "confirmed": True}
            )
            done.append(user.username)
    return done
