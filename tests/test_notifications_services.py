"""Notifications: recorded once per event and person, mailed at once or in digests as each person chose,
in their language, with nothing confidential about restricted items; digests once per period."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from missions.services import profile_language_set
from notifications import services
from notifications.models import Delivery, Digest, Kind, Notification, Preference, Settings
from tests.reports_support import eager_tasks  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("eager_tasks")


def tell(users, mission, *, kind=Kind.REPORT_READY, key="report_ready:1:v2", params=None, url="/reports/1/"):
    return services.notify(kind=kind, mission=mission, event_key=key, url=url,
                           params=params or {"report": "Progress report"}, recipients=users)  # fmt: skip


def test_an_event_is_recorded_once_per_person_however_often_it_is_told(
    hom, electoral, mission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert tell([hom, electoral], mission) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert tell([hom, electoral], mission) == 0  # a retried task

    assert Notification.objects.filter(event_key="report_ready:1:v2").count() == 2
    assert len(mail.outbox) == 2  # one email each, not two


def test_the_database_refuses_a_second_row_for_the_same_event_and_person(hom, mission):
    tell([hom], mission)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=hom, mission=mission, kind=Kind.REPORT_READY,
                                    event_key="report_ready:1:v2", url="/")  # fmt: skip


def test_the_email_is_short_plain_and_html_with_an_absolute_link(hom, mission, settings,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    settings.SITE_URL = "https://mandate.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        tell([hom], mission)

    (message,) = mail.outbox
    assert message.to == [hom.email]
    assert "Progress report is ready." in message.body
    assert "https://mandate.example.org/reports/1/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and 'href="https://mandate.example.org/reports/1/"' in html
    assert len(message.body) < 600


def test_a_security_plan_email_names_nothing(hom, mission, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tell([hom], mission, kind=Kind.PLAN_SUBMITTED, key="plan_submitted:5:v3",
             params={"election": "Secret Valley by-election", "revision": 2}, url="/elections/security/5/")  # fmt: skip

    (message,) = mail.outbox
    assert "A security plan awaits your decision." in message.body
    assert "Secret Valley" not in message.body + message.subject + message.alternatives[0][0]
    # On the site, where access was checked, the notification says which plan.
    assert "Secret Valley by-election" in services.messages.text(Notification.objects.get())


def test_the_email_is_in_the_language_the_recipient_chose_in_the_header(
    hom, mission, django_capture_on_commit_callbacks
):
    profile_language_set(user=hom, language="fr")  # what the header's language switch saves
    with django_capture_on_commit_callbacks(execute=True):
        tell([hom], mission, kind=Kind.PLAN_SUBMITTED, key="plan_submitted:5:v3",
             params={"election": "E", "revision": 1})  # fmt: skip

    (message,) = mail.outbox
    assert services._language(hom, mission.pk) == "fr"
    assert message.body.startswith("Bonjour") and "Un plan de sécurité attend votre décision." in message.body


def test_someone_who_wants_no_email_gets_none_but_sees_the_notification(
    hom, mission, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=hom, kind=Kind.REPORT_READY, delivery=Delivery.NONE)
    with django_capture_on_commit_callbacks(execute=True):
        tell([hom], mission)

    assert mail.outbox == []
    assert Notification.objects.get(recipient=hom).email == Notification.Email.SKIPPED


def test_a_failing_mail_server_leaves_the_email_pending_for_the_retry(hom, mission, monkeypatch):
    tell([hom], mission)
    n = Notification.objects.get(recipient=hom)

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(services.EmailMultiAlternatives, "send", refuse)
    with pytest.raises(OSError):
        services.notification_email_send(notification_id=n.pk)
    n.refresh_from_db()
    assert n.email == Notification.Email.PENDING
    monkeypatch.undo()
    assert services.notification_email_send(notification_id=n.pk) is True
    assert services.notification_email_send(notification_id=n.pk) is False  # sent once


def test_mark_read_one_and_all_touches_only_the_users_own(hom, mlt, mission):
    tell([hom, mlt], mission, key="a")
    tell([hom], mission, key="b")
    first = Notification.objects.get(recipient=hom, event_key="a")

    assert services.notifications_mark_read(user=mlt, ids=[first.pk]) == 0
    assert services.notifications_mark_read(user=hom, ids=[first.pk]) == 1
    assert services.notifications_mark_read(user=hom) == 1
    assert Notification.objects.filter(recipient=mlt, read_at__isnull=True).count() == 1


# --- digests ---------------------------------------------------------------------------------------


def at(day: datetime.date, hour: int, tz=datetime.UTC) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)


def test_a_daily_digest_goes_out_once_per_day_in_the_users_time_zone(hom, mission):
    Preference.objects.create(user=hom, kind=Kind.REPORT_READY, delivery=Delivery.DAILY)
    Settings.objects.create(user=hom, time_zone="Asia/Tokyo")  # 07:00 in Tokyo is 22:00 UTC the day before
    tell([hom], mission, key="a")
    tell([hom], mission, key="b")
    day = datetime.date(2026, 12, 2)

    assert services.digests_due(now=at(day, 21)) == []  # 06:00 in Tokyo
    due = services.digests_due(now=at(day, 22))
    assert due == [(hom.pk, "daily", datetime.date(2026, 12, 3))]
    assert services.digest_send(user_id=hom.pk, frequency="daily", period_start=due[0][2]) is True
    assert services.digest_send(user_id=hom.pk, frequency="daily", period_start=due[0][2]) is False
    assert services.digests_due(now=at(day, 23)) == []

    (message,) = mail.outbox
    assert "(2)" in message.subject and message.body.count("Progress report is ready.") == 2
    assert set(Notification.objects.values_list("email", flat=True)) == {Notification.Email.SENT}


def test_an_empty_digest_is_neither_sent_nor_recorded(hom, mission):
    assert services.digest_send(user_id=hom.pk, frequency="daily", period_start=timezone.localdate()) is False
    assert mail.outbox == [] and not Digest.objects.exists()


def test_a_weekly_digest_waits_for_monday_morning(hom, mission):
    Preference.objects.create(user=hom, kind=Kind.REPORT_READY, delivery=Delivery.WEEKLY)
    tell([hom], mission)
    monday = datetime.date(2026, 12, 7)

    assert services.digests_due(now=at(monday, 6)) == []
    assert services.digests_due(now=at(monday, 7)) == [(hom.pk, "weekly", monday)]
    assert services.digests_due(now=at(monday + datetime.timedelta(days=3), 7)) == [(hom.pk, "weekly", monday)]


def test_running_the_beat_task_twice_sends_each_digest_once(hom, mlt, mission):
    for user in (hom, mlt):
        Preference.objects.create(user=user, kind=Kind.REPORT_READY, delivery=Delivery.DAILY)
    tell([hom, mlt], mission)
    now = at(timezone.localdate(), 9)

    assert services.digests_send_due(now=now) == 2
    assert services.digests_send_due(now=now) == 0
    assert len(mail.outbox) == 2 and Digest.objects.count() == 2


def test_preferences_are_saved_and_a_bad_time_zone_is_refused(hom):
    services.preferences_update(user=hom, deliveries_by_kind={Kind.REPORT_READY: Delivery.WEEKLY},
                                time_zone="Africa/Bangui")  # fmt: skip
    assert services.deliveries_of(hom)[Kind.REPORT_READY] == Delivery.WEEKLY
    assert services.deliveries_of(hom)[Kind.ASSESSMENT_OVERDUE] == Delivery.DAILY  # the default for reminders
    with pytest.raises(services.ValidationError):
        services.preferences_update(user=hom, deliveries_by_kind={}, time_zone="Mars/Olympus")


def test_without_a_choice_of_their_own_a_person_gets_mail_in_their_missions_language(
    hom, mission, django_capture_on_commit_callbacks
):
    mission.default_language = "fr"
    mission.save(update_fields=["default_language"])
    with django_capture_on_commit_callbacks(execute=True):
        tell([hom], mission)

    (message,) = mail.outbox
    assert message.body.startswith("Bonjour")
