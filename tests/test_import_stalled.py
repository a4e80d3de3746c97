"""An import job whose worker died (stuck "running" past the reports' stall time, no progress) goes back a
step with a clear message, its rows kept, so the user can start the step again; a live one is left alone."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from missions import pipeline
from missions.models import ImportJob
from missions.tasks import release_stalled_import_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _job(mission, user, status, *, minutes_ago: float) -> ImportJob:
    job = ImportJob.objects.create(
        mission=mission, kind="partners", user=user, token=uuid.uuid4().hex, file_name="x.csv", status=status
    )
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    ("running", "back", "says"),
    [
        (ImportJob.Status.PARSING, ImportJob.Status.FAILED, "upload the file again"),
        (ImportJob.Status.CHECKING, ImportJob.Status.MAPPING, "Start this step again"),
        (ImportJob.Status.IMPORTING, ImportJob.Status.PREVIEWED, "nothing was written"),
    ],
)
def test_a_job_whose_worker_died_goes_back_a_step_when_its_status_is_asked(
    client, civilaffairs, mission, settings, running, back, says
):
    settings.REPORT_STALL_SECONDS = 300
    job = _job(mission, civilaffairs, running, minutes_ago=10)
    client.force_login(civilaffairs)
    status = client.get(reverse("import-job-status", args=[job.pk])).json()
    assert (status["status"], status["running"]) == (back, False)
    assert says in status["message"]


def test_a_job_still_beating_or_recently_queued_is_left_alone(civilaffairs, mission, settings):
    settings.REPORT_STALL_SECONDS = 300
    queued = _job(mission, civilaffairs, ImportJob.Status.CHECKING, minutes_ago=1)
    working = _job(mission, civilaffairs, ImportJob.Status.IMPORTING, minutes_ago=10)
    pipeline._beat(working.pk)  # its progress said it is alive a moment ago
    dead = _job(mission, civilaffairs, ImportJob.Status.IMPORTING, minutes_ago=10)
    done = _job(mission, civilaffairs, ImportJob.Status.DONE, minutes_ago=60)

    assert release_stalled_import_jobs() == 1  # what beat runs every minute
    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses == {
        queued.pk: ImportJob.Status.CHECKING,
        working.pk: ImportJob.Status.IMPORTING,
        dead.pk: ImportJob.Status.PREVIEWED,
        done.pk: ImportJob.Status.DONE,
    }


def test_beat_schedules_the_release(settings):
    assert settings.CELERY_BEAT_SCHEDULE["stalled-imports"]["task"] == "missions.tasks.release_stalled_import_jobs"
