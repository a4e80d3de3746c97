"""A report whose worker died is generated again, or can be retried, within minutes (issue 15, point 8).

The hard time limit ends any live run, so a report still "running" REPORT_STALL_SECONDS after its attempt
started has lost its worker: the page offers a retry at once, and beat's `requeue_stalled_reports` (every
minute) queues it again for a live worker. Before, it stayed "running" until the broker redelivered the
task after its visibility timeout (11 minutes).
The live test at the end kills a real worker (CELERY_BROKER_URL set, PostgreSQL; the worker helpers are
those of test_reports_live_worker.py).
"""

import datetime
import os
import time

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reports import services, tasks
from reports.models import Report, ReportKind
from tests.reports_support import PERIOD_END, PERIOD_START, build_plan, eager_tasks  # noqa: F401
from tests.test_reports_live_worker import _kill, _start_worker, _wait_for, live_queue  # noqa: F401

pytestmark = pytest.mark.django_db


def _report(mission, hom, *, state, started_minutes_ago: float) -> Report:
    report = Report.objects.create(
        mission=mission, kind=ReportKind.PROGRESS, period_start=PERIOD_START, period_end=PERIOD_END, requested_by=hom
    )
    started = timezone.now() - datetime.timedelta(minutes=started_minutes_ago)
    Report.objects.filter(pk=report.pk).update(state=state, started_at=started, updated_at=started, attempts=1)
    report.refresh_from_db()
    return report


def test_a_report_running_past_the_hard_time_limit_is_stalled_within_minutes(mission, hom):
    assert settings.REPORT_STALL_SECONDS == settings.CELERY_TASK_TIME_LIMIT + 60  # 6 minutes by default
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.REPORT_STALL_SECONDS
    dead = _report(mission, hom, state=Report.State.RUNNING, started_minutes_ago=7)
    alive = _report(mission, hom, state=Report.State.RUNNING, started_minutes_ago=2)
    assert dead.is_stalled and dead.can_be_retried
    assert not alive.is_stalled and not alive.can_be_retried


@pytest.mark.usefixtures("eager_tasks")
def test_beat_generates_again_the_reports_whose_worker_died_and_leaves_the_others(
    mission, hom, components, django_capture_on_commit_callbacks
):
    build_plan(mission, hom, components, outputs=1)
    dead = _report(mission, hom, state=Report.State.RUNNING, started_minutes_ago=7)
    alive = _report(mission, hom, state=Report.State.RUNNING, started_minutes_ago=2)
    done = _report(mission, hom, state=Report.State.DONE, started_minutes_ago=60)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stalled_reports.apply().get() == 1

    dead.refresh_from_db(), alive.refresh_from_db(), done.refresh_from_db()
    assert dead.state == Report.State.DONE and dead.sha256 and dead.attempts == 2
    assert (alive.state, done.state) == (Report.State.RUNNING, Report.State.DONE)
    assert settings.CELERY_BEAT_SCHEDULE["stalled-reports"] == {
        "task": "reports.tasks.requeue_stalled_reports",
        "schedule": 60.0,
    }


@pytest.mark.usefixtures("eager_tasks")
def test_a_report_whose_worker_kept_dying_ends_failed_with_a_retry_offered(
    mission, hom, django_capture_on_commit_callbacks
):
    report = _report(mission, hom, state=Report.State.RUNNING, started_minutes_ago=7)
    Report.objects.filter(pk=report.pk).update(attempts=services.MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_requeue_stalled()
    report.refresh_from_db()
    assert report.state == Report.State.FAILED and report.can_be_retried


def test_the_report_page_offers_a_retry_once_the_worker_is_known_dead(client, mission, hom, components):
    build_plan(mission, hom, components, outputs=1)
    report = _report(mission, hom, state=Report.State.RUNNING, started_minutes_ago=7)
    client.force_login(hom)
    assert client.get(reverse("reports:detail", args=[report.pk])).context["can_retry"]


def test_a_second_delivery_of_a_report_running_elsewhere_does_nothing(mission, hom):
    running = _report(mission, hom, state=Report.State.RUNNING, started_minutes_ago=1)
    assert services.report_generate(report_id=running.pk) is None
    running.refresh_from_db()
    assert (running.state, running.attempts) == (Report.State.RUNNING, 1)


@pytest.mark.usefixtures("eager_tasks")
def test_a_stalled_report_retried_by_hand_is_generated_again(
    mission, hom, components, django_capture_on_commit_callbacks
):
    build_plan(mission, hom, components, outputs=1)
    report = _report(mission, hom, state=Report.State.RUNNING, started_minutes_ago=7)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_retry(report=report, user=hom, expected_version=report.version)
    report.refresh_from_db()
    assert report.state == Report.State.DONE and report.sha256


# --- with a real worker -------------------------------------------------------------------------------


@pytest.mark.live_broker
@pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (a real Redis)")
@pytest.mark.django_db(transaction=True)
def test_a_report_whose_worker_was_killed_is_generated_again_without_waiting_for_the_broker(
    live_queue,  # noqa: F811 - the fixture imported above
    mission,
    hom,
    components,
    tmp_path,
    settings,
):
    if connection.vendor != "postgresql":
        pytest.skip("the worker subprocess needs a database it can share: PostgreSQL")
    settings.MEDIA_ROOT = tmp_path / "media"
    # The workers' hard time limit is 10 s (see _start_worker); the stall rule is applied by this process.
    settings.REPORT_STALL_SECONDS = 3
    log = tmp_path / "worker.log"
    build_plan(mission, hom, components, outputs=2)

    first = _start_worker(live_queue, tmp_path, log)
    try:
        report = services.report_request(
            mission=mission, kind=ReportKind.PROGRESS, period_start=PERIOD_START, period_end=PERIOD_END, user=hom
        )
        report = _wait_for(report, lambda r: r.state == Report.State.RUNNING, 60, log)
    finally:
        _kill(first)
    time.sleep(settings.REPORT_STALL_SECONDS + 1)
    assert services.reports_requeue_stalled() == [report.pk]  # autocommit: the task is sent at once
    report.refresh_from_db()
    assert report.state == Report.State.QUEUED
    second = _start_worker(live_queue, tmp_path, log)
    try:
        report = _wait_for(report, lambda r: r.state in {Report.State.DONE, Report.State.FAILED}, 90, log)
    finally:
        _kill(second)
    assert report.state == Report.State.DONE, report.error
    assert report.attempts == 2  # the killed run, and the one beat queued
