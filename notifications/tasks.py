"""Celery tasks of the notifications app: they take ids, call a service, and can run twice safely."""

from __future__ import annotations

import datetime
import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError

from notifications import events, reminders, services

# Mail servers go away for a while; a socket error or a temporary SMTP refusal is worth trying again.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=5, max_retries=5)  # fmt: skip
def record_event(event: str, object_id: int, actor_id: int | None, key: str) -> int:
    """Record the notifications of one event (unique per person and event: a retry records nothing twice)."""
    return events.event_record(event=event, object_id=object_id, actor_id=actor_id, key=key)


@shared_task(acks_late=True, soft_time_limit=30, time_limit=60, autoretry_for=MAIL_ERRORS, retry_backoff=10,
             retry_backoff_max=600, retry_jitter=True, max_retries=8)  # fmt: skip
def send_notification_email(notification_id: int) -> bool:
    return services.notification_email_send(notification_id=notification_id)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=MAIL_ERRORS, retry_backoff=10,
             retry_backoff_max=600, retry_jitter=True, max_retries=8)  # fmt: skip
def send_digest(user_id: int, frequency: str, period_start: str) -> bool:
    return services.digest_send(
        user_id=user_id, frequency=frequency, period_start=datetime.date.fromisoformat(period_start)
    )


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def hourly() -> dict:
    """Celery beat, every hour: record the reminders due, then enqueue the digests due in each time zone."""
    return {"reminders": reminders.reminders_record(), "digests": services.digests_send_due()}
