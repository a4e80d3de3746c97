"""Writes of the notifications app: record notifications, send their email, digests, preferences.

Idempotence, because Celery may run a task twice (a retry, a redelivery after a lost worker, two beat
hosts): a notification is unique per (recipient, event key) in the database and recorded with
`bulk_create(ignore_conflicts=True)`; an email is sent under a row lock and only while its notification
is still `pending`; a digest is unique per (user, frequency, period) and sent under its row lock.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError  # noqa: F401  (raised by full_clean)
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from missions.models import Mission
from notifications import messages
from notifications.models import Delivery, Digest, Kind, Notification, Preference, Settings, default_delivery

logger = logging.getLogger(__name__)

DIGEST_HOUR = 7  # digests go out from 07:00 in the person's time zone
EMAIL_STATE = {
    Delivery.IMMEDIATE: Notification.Email.PENDING,
    Delivery.DAILY: Notification.Email.DIGEST,
    Delivery.WEEKLY: Notification.Email.DIGEST,
    Delivery.NONE: Notification.Email.SKIPPED,
}


# --- preferences --------------------------------------------------------------------------------------


def deliveries(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """How each of these users wants `kind` by email (one query); their choice, else the kind's default."""
    ids = list(user_ids)
    chosen = dict(Preference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "delivery"))
    return {pk: chosen.get(pk, default_delivery(kind)) for pk in ids}


def deliveries_of(user) -> dict[str, str]:
    """The user's email choice for every kind (one query)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind.value: chosen.get(kind.value, default_delivery(kind)) for kind in Kind}


@transaction.atomic
def preferences_update(*, user, deliveries_by_kind: dict[str, str], time_zone: str) -> Settings:
    """Saves a person's email choice per kind and their time zone. (The language of their mail is the one they
    chose in the header: `missions.services.profile_language_set`.)"""
    for kind, delivery in deliveries_by_kind.items():
        Kind(kind), Delivery(delivery)  # ValueError on an unknown value: the form and serializer check first
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": delivery})
    prefs, _created = Settings.objects.get_or_create(user=user)
    prefs.time_zone = time_zone
    prefs.full_clean(exclude=["user"])
    prefs.save(update_fields=["time_zone"])
    return prefs


# --- recording ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tell:
    """One notification to record: `user` may see the object (the caller asked `mandate.access`)."""

    user: object
    kind: str
    mission_id: int
    event_key: str
    url: str
    params: dict


@transaction.atomic
def notify_many(tells: list[Tell]) -> int:
    """Records each notification once per (recipient, event key), whatever the number of calls, and enqueues
    after commit the email of those who want it at once. Returns how many rows are new.

    Queries: one per kind (the recipients' preferences), two counts, the insert, and the pending rows.
    """
    tells = [t for t in tells if t.user is not None]
    if not tells:
        return 0
    wanted: dict[tuple[int, str], str] = {}
    for kind in {t.kind for t in tells}:
        for pk, delivery in deliveries({t.user.pk for t in tells if t.kind == kind}, kind).items():
            wanted[(pk, kind)] = delivery
    keys = {t.event_key for t in tells}
    people = {t.user.pk for t in tells}
    existing = Notification.objects.filter(event_key__in=keys, recipient_id__in=people)
    before = existing.count()
    rows = []
    for t in tells:
        delivery = wanted[(t.user.pk, t.kind)]
        rows.append(
            Notification(
                recipient_id=t.user.pk,
                mission_id=t.mission_id,
                kind=t.kind,
                event_key=t.event_key,
                url=t.url,
                params=t.params,
                delivery=delivery,
                email=EMAIL_STATE[delivery] if t.user.email else Notification.Email.SKIPPED,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    pending = list(existing.filter(email=Notification.Email.PENDING).values_list("pk", flat=True))
    if pending:
        from notifications import tasks

        # Enqueued for every pending row, new or not: a row whose first task was lost still gets its mail,
        # and the send itself happens once (see notification_email_send).
        transaction.on_commit(lambda: [tasks.send_notification_email.delay(pk) for pk in pending])
    return existing.count() - before


def notify(*, kind: str, mission: Mission | int, event_key: str, url: str, params: dict, recipients) -> int:
    """`notify_many` for one event told to several people."""
    mission_id = getattr(mission, "pk", mission)
    return notify_many([Tell(u, kind, mission_id, event_key, url, params) for u in recipients])


def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Marks the user's notifications read: those of `ids`, or all of them. Others' ids are ignored."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- email ------------------------------------------------------------------------------------------------


def _language(user, mission_id: int | None = None) -> str:
    """The language of a person's mail: the one they chose in the header (the same setting as the pages'),
    else the default language of the mission the mail is about, else the site's (`mandate.languages`)."""
    from missions.languages import language_for

    mission = Mission.objects.filter(pk=mission_id).first() if mission_id else None
    return language_for(user, mission)


def absolute(url: str) -> str:
    return django_settings.SITE_URL.rstrip("/") + url


def _send(*, to, subject: str, template: str, context: dict) -> None:
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    mail = EmailMultiAlternatives(subject=subject, body=text, to=[to.email])
    mail.attach_alternative(html, "text/html")
    mail.send()


def notification_email_send(*, notification_id: int) -> bool:
    """Sends one notification's email if it is still pending; True when this call sent it.

    The row is locked while the mail goes out, so two workers cannot both send it; an SMTP error rolls back
    and leaves it pending for the task's retry.
    """
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, email=Notification.Email.PENDING)
            .first()
        )
        if n is None:
            return False
        with translation.override(_language(n.recipient, n.mission_id)):
            line = messages.mail_text(n)
            _send(
                to=n.recipient,
                subject=_("Mandate: %(text)s") % {"text": _short(line)},
                template="notification",
                context={"user": n.recipient, "line": line, "link": absolute(n.url)},
            )
        n.email, n.emailed_at = Notification.Email.SENT, timezone.now()
        n.save(update_fields=["email", "emailed_at"])
    return True


def _short(line: str, limit: int = 70) -> str:
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


# --- digests ------------------------------------------------------------------------------------------------


def digest_period(frequency: str, local_now: datetime.datetime) -> datetime.date | None:
    """The period a digest sent at `local_now` covers (its first day), or None when it is not time yet:
    daily from DIGEST_HOUR, weekly from DIGEST_HOUR on Monday (any later hour of the week catches up)."""
    if frequency == Delivery.DAILY:
        return local_now.date() if local_now.hour >= DIGEST_HOUR else None
    monday = local_now.date() - datetime.timedelta(days=local_now.weekday())
    if local_now.date() == monday and local_now.hour < DIGEST_HOUR:
        return None
    return monday


def digests_due(*, now: datetime.datetime | None = None) -> list[tuple[int, str, datetime.date]]:
    """(user id, frequency, period) of every digest to send now: people with notifications waiting for a
    digest whose period has begun in their time zone and has no digest yet. Three queries in all.

    A person with nothing waiting gets no digest (an empty digest is never sent).
    """
    now = now or timezone.now()
    waiting = set(
        Notification.objects.filter(email=Notification.Email.DIGEST).values_list("recipient_id", "delivery").distinct()
    )
    if not waiting:
        return []
    user_ids = {uid for uid, _f in waiting}
    zones = dict(Settings.objects.filter(user_id__in=user_ids).values_list("user_id", "time_zone"))
    due = []
    for uid, frequency in sorted(waiting):
        try:
            tz = zoneinfo.ZoneInfo(zones.get(uid) or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = datetime.UTC
        period = digest_period(frequency, now.astimezone(tz))
        if period is not None:
            due.append((uid, frequency, period))
    if not due:
        return []
    done = set(
        Digest.objects.filter(user_id__in={d[0] for d in due}, period_start__in={d[2] for d in due}).values_list(
            "user_id", "frequency", "period_start"
        )
    )
    return [d for d in due if d not in done]


def digest_send(*, user_id: int, frequency: str, period_start: datetime.date) -> bool:
    """Sends one person's digest for one period, once: True when this call sent it.

    The digest row (unique per user, frequency and period) is created and locked first; a second run for
    the same period finds it sent and does nothing. With nothing waiting, no digest is recorded or sent.
    """
    with transaction.atomic():
        digest, _created = Digest.objects.get_or_create(user_id=user_id, frequency=frequency, period_start=period_start)
        digest = Digest.objects.select_for_update().select_related("user").get(pk=digest.pk)
        if digest.sent_at is not None:
            return False
        items = list(
            Notification.objects.filter(
                recipient_id=user_id, email=Notification.Email.DIGEST, delivery=frequency
            ).order_by("mission_id", "kind", "created_at", "pk")
        )
        if not items:
            digest.delete()
            return False
        user = digest.user
        with translation.override(_language(user, items[0].mission_id)):
            groups = defaultdict(list)
            for n in items:
                groups[str(Kind(n.kind).label)].append((messages.mail_text(n), absolute(n.url)))
            title = _("your daily digest") if frequency == Delivery.DAILY else _("your weekly digest")
            _send(
                to=user,
                subject=_("Mandate: %(title)s (%(n)s)") % {"title": title, "n": len(items)},
                template="digest",
                context={"user": user, "title": title, "groups": dict(groups), "link": absolute("/")},
            )
        now = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(
            email=Notification.Email.SENT, emailed_at=now, digest=digest
        )
        digest.sent_at = now
        digest.save(update_fields=["sent_at"])
    return True


def digests_send_due(*, now: datetime.datetime | None = None) -> int:
    """Beat, hourly: enqueue every digest due now (each task sends one, once)."""
    from notifications import tasks

    due = digests_due(now=now)
    for uid, frequency, period in due:
        tasks.send_digest.delay(uid, frequency, period.isoformat())
    return len(due)
