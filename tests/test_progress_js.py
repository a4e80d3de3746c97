"""static/js/progress.js, the one progress bar of long jobs (import steps, report generation), and the status
views it polls: both answer the same keys (`done`, `percent`, `message`).

The script runs in a real headless Chromium (Debian's; skipped with the reason when it is missing) on a page
served by Playwright's request routing, so no server and no network are involved.
"""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from missions.models import ImportJob
from missions.pipeline import import_job_progress
from reports.models import Report, ReportKind

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
PAGE = """<!doctype html><html lang="en"><title>Job</title>
<section data-progress-url="/status"><progress max="100" value="0">0%</progress>
<span data-role="percent">0%</span> <span data-role="message">Queued</span></section>
<script src="/progress.js"></script></html>"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (apt-get install chromium)")
def test_the_bar_follows_the_status_and_the_page_reloads_when_the_job_is_done():
    from playwright.sync_api import sync_playwright

    answers = [{"done": False, "percent": 40, "message": "Checking the rows"}, {"done": True, "percent": 100}]
    loads = []

    def route(r):
        path = r.request.url.split("progress.test", 1)[1]
        if path == "/page":
            loads.append(path)
            r.fulfill(body=PAGE, content_type="text/html")
        elif path == "/progress.js":
            r.fulfill(body=(ROOT / "static/js/progress.js").read_text(), content_type="text/javascript")
        else:
            r.fulfill(body=json.dumps(answers[0] if len(loads) == 1 else answers[1]), content_type="application/json")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        page.route("http://progress.test/**", route)
        page.goto("http://progress.test/page")
        page.wait_for_function("document.querySelector('progress').value === 40")
        assert page.inner_text("[data-role=percent]") == "40%"
        assert page.inner_text("[data-role=message]") == "Checking the rows"
        # The next answer says the job is done: the page reloads to show what came of it.
        answers[0] = answers[1]
        page.wait_for_function("performance.getEntriesByType('navigation')[0].type === 'reload'", timeout=10000)
        browser.close()
    assert len(loads) == 2


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
