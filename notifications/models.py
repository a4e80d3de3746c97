"""Notifications, delivery preferences and digests.

A `Notification` is one event told to one person: the pair (recipient, event key) is unique in the
database, so a retried task or two racing workers record it once. Its text is rendered when shown
(in the reader's language) from its kind and a few stored parameters (`notifications.messages`).
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from missions.models import Mission


class Kind(models.TextChoices):
    PLAN_SUBMITTED = "plan_submitted", _("Security plan submitted for approval")
    PLAN_APPROVED = "plan_approved", _("Security plan approved")
    PLAN_RETURNED = "plan_returned", _("Security plan returned")
    REPORT_READY = "report_ready", _("Report ready")
    REPORT_APPROVED = "report_approved", _("Report approved")
    REPORT_RELEASED = "report_released", _("Report released to HQ")
    FOLLOW_UP_ASSIGNED = "follow_up_assigned", _("Follow-up assigned")
    FOLLOW_UP_DONE = "follow_up_done", _("Follow-up done")
    FOLLOW_UP_DUE = "follow_up_due", _("Follow-up due soon")
    SCREENING_LAPSING = "screening_lapsing", _("Due diligence screening about to lapse")
    ASSESSMENT_OVERDUE = "assessment_overdue", _("Benchmark assessment overdue or due soon")
    NARRATIVE_SUBMITTED = "narrative_submitted", _("Narrative submitted for validation")
    NARRATIVE_RETURNED = "narrative_returned", _("Narrative returned with comments")
    NARRATIVE_VALIDATED = "narrative_validated", _("Narrative validated")
    REPORT_COMMENT = "report_comment", _("Comment from HQ on a report")
    COMMENT_ANSWERED = "comment_answered", _("Answer to a comment on a report")


# Kinds about restricted items: their email says only that something awaits, never what (no site names).
RESTRICTED_KINDS = frozenset({Kind.PLAN_SUBMITTED, Kind.PLAN_APPROVED, Kind.PLAN_RETURNED})


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("By email at once")
    DAILY = "daily", _("In a daily digest")
    WEEKLY = "weekly", _("In a weekly digest")
    NONE = "none", _("Not by email (on the site only)")


# Reminders come in bulk: they go to the daily digest unless the person chooses otherwise.
DEFAULT_DELIVERY = {
    Kind.FOLLOW_UP_DUE: Delivery.DAILY,
    Kind.SCREENING_LAPSING: Delivery.DAILY,
    Kind.ASSESSMENT_OVERDUE: Delivery.DAILY,
}


def default_delivery(kind: str) -> str:
    return DEFAULT_DELIVERY.get(kind, Delivery.IMMEDIATE)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a time zone name such as Africa/Bangui."), params={"value": value})


class Notification(models.Model):
    class Email(models.TextChoices):
        PENDING = "pending", _("To send at once")
        DIGEST = "digest", _("Waiting for a digest")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not sent by email")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("mission")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # Says which event this is (kind, object, and the object's version or date): one row per event and person.
    event_key = models.CharField(max_length=160)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email = models.CharField(max_length=8, choices=Email.choices, default=Email.SKIPPED)
    # Which delivery the recipient asked for when it was recorded (daily / weekly for a digest).
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey("Digest", on_delete=models.SET_NULL, null=True, blank=True, related_name="items")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="notification_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_new"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["delivery", "recipient"], condition=Q(email="digest"), name="notification_digest"),
        ]

    def __str__(self):
        return f"{self.recipient_id} · {self.kind} · {self.event_key}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Preference(models.Model):
    """How one person wants one kind of notification by email. No row: the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    delivery = models.CharField(_("email"), max_length=10, choices=Delivery.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_one_per_kind")]

    def __str__(self):
        return f"{self.user_id} · {self.kind}: {self.delivery}"


class Settings(models.Model):
    """A person's time zone: digests go out in the morning there. Their mail is in the language they chose in
    the header (`missions.Profile.language`, one setting for pages and emails; `mandate.languages`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return f"{self.user_id} · {self.time_zone}"


class Digest(models.Model):
    """One digest email for one person and period. Unique per (user, frequency, first day of the period),
    so a beat task that runs twice (or on two hosts) sends it once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests", verbose_name=_("user")
    )
    frequency = models.CharField(max_length=10, choices=[(Delivery.DAILY, Delivery.DAILY.label),
                                                         (Delivery.WEEKLY, Delivery.WEEKLY.label)])  # fmt: skip
    period_start = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [
            models.UniqueConstraint(fields=["user", "frequency", "period_start"], name="digest_once_per_period"),
        ]

    def __str__(self):
        return f"{self.user_id} · {self.frequency} · {self.period_start}"
