"""Sign-in events and admin changes into the audit trail, and the sessions a user signed in with
(connected in AccountsConfig.ready)."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.services import session_ended, session_started
from missions.models import AuditEvent
from missions.services import audit_admin_log_entry, audit_event_record

Action = AuditEvent.Action


def _known_user(username: str):
    if not username:
        return None
    return get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}).first()


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    audit_event_record(action=Action.LOGIN, user=user, request=request)
    if request is not None and hasattr(request, "session"):
        session_started(request=request, user=user)


@receiver(user_logged_out, dispatch_uid="session_ended")
def _logged_out(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_ended(session_key=request.session.session_key)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    user = _known_user(username)
    audit_event_record(action=Action.LOGIN_FAILED, user=user, username=username, request=request)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    username = str(username or "")[:150]
    audit_event_record(action=Action.LOCKED_OUT, user=_known_user(username), username=username, request=request)


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_change")
def _admin_change(sender, instance: LogEntry, created, **kwargs):
    # One admin action on one object saves its LogEntry; several at once (a bulk delete) are bulk-created,
    # with no signal: missions.admin.MandateAdmin.log_deletions records those.
    if created:
        audit_admin_log_entry(instance)
