"""Notifications through a real Redis broker and two real Celery workers racing: each event is recorded once
per person and mailed once, even when its task is delivered twice.

Runs when CELERY_BROKER_URL is set and the tests use PostgreSQL (as tests/test_reports_live_worker.py). The two
workers listen on a queue of their own (also their default queue, so the email tasks they enqueue come back
to them) and write mail as files under their own VAR_DIR, which the test reads.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from elections.models import SecurityPlan
from missions.models import Component, Membership
from notifications.models import Notification
from tests.factories import ComponentFactory, MembershipFactory, MissionFactory, SecurityPlanFactory, UserFactory
from tests.test_reports_live_worker import _database_url

TIMEOUT = 90
BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.live_broker,
    pytest.mark.skipif(not BROKER_URL, reason="CELERY_BROKER_URL is not set: no broker to test against"),
]


def _start_worker(queue: str, log: Path, var_dir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "DB_CONN_MAX_AGE": "0",
        # The email tasks a worker enqueues come back to this test's queue; mail is written under var_dir.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "VAR_DIR": str(var_dir),
        "EMAIL_HOST": "",
    }
    celery = Path(sys.executable).with_name("celery")
    command = [
        str(celery),
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "-Q",
        queue,
        "--loglevel=INFO",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        f"--hostname={log.stem}-{queue}@%h",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def two_workers(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker processes need a database they can open: run the tests on PostgreSQL")
    from config.celery import app

    queue = f"mandate-inbox-{uuid.uuid4().hex[:12]}"
    processes, logs = [], []
    for n in range(2):
        logs.append(tmp_path / f"inbox{n}.log")
        processes.append(_start_worker(queue, logs[-1], tmp_path))
    try:
        yield queue, tmp_path / "mail", logs
    finally:
        for p in processes:
            _stop_worker(p)
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)


def _mails_to(folder: Path, address: str) -> int:
    if not folder.exists():
        return 0
    return sum(f.read_text(errors="replace").count(f"To: {address}") for f in folder.iterdir())


@pytest.mark.django_db(transaction=True)
def test_an_event_delivered_twice_to_two_workers_is_recorded_and_mailed_once(two_workers):
    from config.celery import app
    from notifications.tasks import record_event

    queue, mail_dir, logs = two_workers
    mission = MissionFactory()
    electoral_component = ComponentFactory(mission=mission, kind=Component.Kind.ELECTORAL)
    hom = UserFactory(email="hom-live@example.org")
    MembershipFactory(user=hom, mission=mission, role=Membership.Role.HOM)
    electoral = UserFactory()
    MembershipFactory(user=electoral, mission=mission, role=Membership.Role.STAFF, component=electoral_component)
    plan = SecurityPlanFactory(election_plan__mission=mission, status=SecurityPlan.Status.SUBMITTED,
                               submitted_at=timezone.now(), submitted_by=electoral)  # fmt: skip

    with app.connection_for_write() as conn:
        for _ in range(4):  # a retry, a redelivery, and both workers taking one each
            record_event.apply_async(args=["plan_submitted", plan.pk, electoral.pk, "v7"], queue=queue,
                                     connection=conn)  # fmt: skip

    deadline = time.monotonic() + TIMEOUT
    while not Notification.objects.filter(recipient=hom, email=Notification.Email.SENT).exists():
        if time.monotonic() > deadline:
            pytest.fail("the workers did not record and mail the notification; logs:\n"
                        + "\n".join(log.read_text() for log in logs))  # fmt: skip
        time.sleep(0.5)
    time.sleep(3)  # let any duplicate task finish: it must change nothing

    assert Notification.objects.filter(recipient=hom).count() == 1
    assert Notification.objects.filter(recipient=electoral).count() == 0  # the actor is not told
    assert _mails_to(mail_dir, "hom-live@example.org") == 1
    # Every delivery ran (four times the event, at least once the email), on whichever worker took it.
    assert sum(log.read_text().count("succeeded") for log in logs) >= 5
