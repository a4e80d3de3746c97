"""Issue 12's inbox for the narrative workflow and HQ's feedback, in Chromium on the demo mission: `hom` finds a
submitted narrative in "my work" and validates it; `hq` comments on a released report, `hom` finds the comment
and answers it, and `hq` finds the answer. The header's counts are checked with JavaScript turned off."""

import re

import pytest
from playwright.sync_api import expect

from benchmarks.models import OperationalOutput
from narratives import services as narrative_services
from narratives.models import Narrative, Rating
from narratives.selectors import default_period
from notifications.models import Kind, Notification
from reports.models import Report, ReportComment
from tests.browser.support import assert_accessible, demo_user, log_in
from tests.reports_support import eager_tasks  # noqa: F401 (a fixture)
from tests.test_reports_role_matrix import _report as finished_report


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def _submitted_narrative():
    from django.utils import timezone

    civilaffairs = demo_user("civilaffairs")
    period = default_period(timezone.localdate())
    output = (
        OperationalOutput.objects.filter(
            mission__acronym="UNMSV", lead_component__kind="civil_affairs", retired_at__isnull=True
        )
        .order_by("order")
        .first()
    )
    narrative = narrative_services.narrative_save(
        user=civilaffairs, output=output, period_start=period.start, period_end=period.end,
        progress="Peace committees met in every district of Nortea.", challenges="Roads to Kalvi were cut.",
        next_steps="Extend the committees to Port Alvar.", rating=Rating.SOME_PROGRESS,
    )  # fmt: skip
    return narrative_services.narrative_submit(
        user=civilaffairs, narrative=narrative, expected_version=narrative.version
    )


def test_hom_sees_a_submitted_narrative_in_the_inbox_and_validates_it(demo, page, eager_tasks):  # noqa: F811
    narrative = _submitted_narrative()
    log_in(page, demo.url, "hom")

    area = page.locator("section.work-area", has=page.get_by_role("heading", name=re.compile("Narratives awaiting")))
    expect(area).to_contain_text(narrative.output.title)
    expect(page.locator('[data-count="work"]')).to_be_visible()
    assert_accessible(page)
    area.get_by_role("link", name=re.compile(re.escape(narrative.output.title))).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(narrative.output.title)
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("main")).to_contain_text("Narrative validated.")
    narrative.refresh_from_db()
    assert narrative.status == Narrative.Status.VALIDATED

    page.goto(f"{demo.url}/")
    expect(area).to_contain_text("Nothing waiting.")
    # The writer was told, once.
    assert Notification.objects.filter(kind=Kind.NARRATIVE_VALIDATED, recipient=demo_user("civilaffairs")).count() == 1


def test_hq_comments_on_a_released_report_and_the_hom_answers_it(demo, page, eager_tasks):  # noqa: F811
    hom = demo_user("hom")
    report = finished_report(hom.memberships.first().mission, hom, approval=Report.Approval.RELEASED)
    log_in(page, demo.url, "hq")
    page.goto(f"{demo.url}/reports/{report.pk}/")
    page.get_by_role("textbox", name="Comment").fill("Why did the Kalvi benchmarks decline?")
    page.get_by_role("button", name="Post the comment").click()
    expect(page.locator("#comments")).to_contain_text("Why did the Kalvi benchmarks decline?")
    comment = ReportComment.objects.get(report=report)
    page.get_by_role("button", name="Log out").click()

    log_in(page, demo.url, "hom")
    area = page.locator("section.work-area", has=page.get_by_role("heading", name=re.compile("Comments from HQ")))
    expect(area).to_contain_text("Why did the Kalvi benchmarks decline?")
    assert_accessible(page)
    area.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/reports/{report.pk}/#comment-{comment.pk}$"))
    page.get_by_role("textbox", name="Answer").fill(
        "Roads were cut for three weeks; the assessments resume in January."
    )
    page.get_by_role("button", name="Post the answer").click()
    expect(page.locator("#comments")).to_contain_text("Roads were cut for three weeks")
    page.goto(f"{demo.url}/")
    expect(area).to_contain_text("Nothing waiting.")
    page.get_by_role("button", name="Log out").click()

    log_in(page, demo.url, "hq")
    answers = page.locator("section.work-area", has=page.get_by_role("heading", name=re.compile("Answers to your")))
    expect(answers).to_contain_text("answered")
    assert Notification.objects.filter(kind=Kind.COMMENT_ANSWERED, recipient=demo_user("hq")).count() == 1
    assert Notification.objects.filter(kind=Kind.REPORT_COMMENT, recipient=hom).count() == 1


def test_the_header_counts_show_without_javascript(demo, page_without_js):
    _submitted_narrative()
    page = page_without_js
    log_in(page, demo.url, "hom")
    work = page.locator('[data-count="work"]')
    expect(work).to_be_visible()
    count = int(work.inner_text())
    assert count >= 1
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.locator('[data-count="work"]')).to_have_text(str(count))
