"""The status views that static/js/progress.js polls (tests/browser/test_progress_js.py) answer the same keys:
`done`, `percent`, `message`."""

import pytest
from django.urls import reverse

from missions.models import ImportJob
from missions.pipeline import import_job_progress
from reports.models import Report, ReportKind


def test_an_import_jobs_status_says_done_and_percent_like_a_reports():
    running = import_job_progress(ImportJob(status=ImportJob.Status.CHECKING))
    finished = import_job_progress(ImportJob(status=ImportJob.Status.DONE))

    assert (running["done"], running["percent"]) == (False, 0)
    assert (finished["done"], finished["percent"]) == (True, 100)


@pytest.mark.django_db
def test_a_reports_status_says_done_and_percent(client, hom, mission):
    report = Report.objects.create(
        mission=mission, kind=ReportKind.PROGRESS, period_start="2026-01-01", period_end="2026-03-31",
        requested_by=hom, state=Report.State.RUNNING, progress=40, progress_message="Drawing the charts",
    )  # fmt: skip
    client.force_login(hom)

    status = client.get(reverse("reports:status", args=[report.pk])).json()

    assert (status["done"], status["percent"], status["message"]) == (False, 40, "Drawing the charts")
    Report.objects.filter(pk=report.pk).update(state=Report.State.DONE, progress=100)
    assert client.get(reverse("reports:status", args=[report.pk])).json()["done"] is True
