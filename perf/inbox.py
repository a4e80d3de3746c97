"""Measure the home page with its "my work" inbox, the reminders and a digest run, on the SCALE data set.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_inbox .venv/bin/python perf/inbox.py

Prints, through the Django test client (all middleware, DEBUG off as in production):
- for each SCALE role user, the home page's median server time and query count (target < 150 ms), and
  the header counts endpoint (`notifications:counts`); the SCALE security plan is put in "submitted" so the
  HoM's inbox computes its readiness gaps over its 5,000 sites;
- the hourly beat's reminders over the whole mission (what they record, how long);
- a digest run for DIGEST_USERS people with DIGEST_ITEMS notifications each waiting (target < 60 s), then
  the same run again (must send nothing). Everything this part writes is rolled back at the end.
"""

from __future__ import annotations

import statistics
import time

import _setup  # noqa: E402

_setup.django_setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core import mail  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from elections.models import SecurityPlan  # noqa: E402
from missions.models import Component, Membership, Mission  # noqa: E402
from notifications import reminders, services  # noqa: E402
from notifications.models import Delivery, Digest, Kind, Notification  # noqa: E402

WARMUP = 3
REPEAT = 15
ROLES = ["hom", "mlt", "electoral", "civilaffairs", "partner1", "hq"]
DIGEST_USERS = 500
DIGEST_ITEMS = 6
# The digest people are component staff: data this script creates (as the seeding commands do), not a rule.
STAFF = Membership.Role.STAFF


def ensure_data() -> Mission:
    mission = _setup.ensure_scale()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return mission


def timed(client: Client, url: str) -> tuple[float, int]:
    for _i in range(WARMUP):
        assert client.get(url).status_code == 200, url
    samples = []
    for _i in range(REPEAT):
        start = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(samples), len(queries)


def home_pages(mission: Mission) -> None:
    plan = SecurityPlan.objects.filter(election_plan__mission=mission).order_by("-revision").first()
    if plan is not None and plan.status != SecurityPlan.Status.SUBMITTED:
        SecurityPlan.objects.filter(pk=plan.pk).update(
            status=SecurityPlan.Status.SUBMITTED, submitted_at=timezone.now()
        )
    print(f"SCALE security plan {plan.pk if plan else '-'}: {plan.sites.count() if plan else 0} sites, submitted")
    for role in ROLES:
        user = get_user_model().objects.get(username=f"scale_{role}")
        client = Client()
        client.force_login(user)
        home_ms, home_q = timed(client, reverse("home"))
        counts_ms, counts_q = timed(client, reverse("notifications:counts"))
        body = client.get(reverse("home")).content.decode()
        print(f"  {role:12} home {home_ms:6.1f} ms ({home_q:2} queries, {len(body) / 1024:5.1f} KB) · "
              f"header counts {counts_ms:5.1f} ms ({counts_q} queries)")  # fmt: skip


def reminders_run() -> None:
    with transaction.atomic():
        start = time.perf_counter()
        first = reminders.reminders_record()
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        second = reminders.reminders_record()
        second_s = time.perf_counter() - start
        transaction.set_rollback(True)
    print(f"  reminders: {first} recorded in {first_s:.1f} s; again: {second} in {second_s:.1f} s (rolled back)")


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", CELERY_TASK_ALWAYS_EAGER=True)
def digest_run(mission: Mission) -> None:
    from config.celery import app

    app.conf.task_always_eager = True
    mail.outbox = []
    User = get_user_model()
    components = list(mission.components.all()) or [Component.objects.create(mission=mission, kind="political")]
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"perf_digest_{i}", email=f"perf_digest_{i}@example.org") for i in range(DIGEST_USERS)
        )
        Membership.objects.bulk_create(
            Membership(user=u, mission=mission, role=STAFF, component=components[i % len(components)])
            for i, u in enumerate(users)
        )
        Notification.objects.bulk_create(
            Notification(
                recipient=u,
                mission=mission,
                kind=Kind.ASSESSMENT_OVERDUE,
                event_key=f"perf:{u.pk}:{k}",
                url="/benchmarks/",
                params={"benchmark": f"Benchmark {k}"},
                delivery=Delivery.DAILY,
                email=Notification.Email.DIGEST,
            )  # fmt: skip
            for u in users
            for k in range(DIGEST_ITEMS)
        )
        morning = timezone.now().replace(hour=9, minute=0)
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            sent = services.digests_send_due(now=morning)
        elapsed = time.perf_counter() - start
        start = time.perf_counter()
        again = services.digests_send_due(now=morning)
        again_s = time.perf_counter() - start
        digests = Digest.objects.filter(user__in=users, sent_at__isnull=False).count()
        transaction.set_rollback(True)
    print(f"  digests: {sent} sent for {DIGEST_USERS} people x {DIGEST_ITEMS} items in {elapsed:.1f} s "
          f"({len(queries)} queries, {len(mail.outbox)} emails, {digests} digest rows) — target < 60 s")  # fmt: skip
    print(f"  digests again (beat runs twice): {again} sent in {again_s:.2f} s (rolled back)")


def main() -> None:
    mission = ensure_data()
    print(f"database: {connection.vendor}")
    print("Home page with the inbox (target < 150 ms):")
    home_pages(mission)
    print("Beat:")
    reminders_run()
    digest_run(mission)


if __name__ == "__main__":
    main()
