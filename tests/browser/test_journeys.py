"""Each role's main journey, end to end in Chromium, on the demo mission (`seed_demo`).

A journey clicks and types as its user would, from the page it starts on; axe-core checks the states
that the walk of tests/browser/test_axe.py cannot reach by links (form errors, import previews, the
conflict page, the 404 page).
"""

import csv
import io
import re

from django.utils import timezone
from playwright.sync_api import expect

from benchmarks.models import Assessment, Benchmark
from elections.models import PollingSite, SecurityPlan
from elections.services import security_plan_submit
from partners.models import Engagement, Partner
from reports.models import Report, ReportKind
from reports.services import report_request
from tests.browser.support import assert_accessible, demo_user, log_in
from tests.reports_support import eager_tasks  # noqa: F401 (a fixture)
from tests.test_reports_role_matrix import _report as finished_report


def _security_plan():
    # The general elections' plan (the demo also has a by-election plan awaiting the HoM).
    return SecurityPlan.objects.get(election_plan__mission__acronym="UNMSV", election_plan__name__startswith="General")


def _report(user, **extra):
    today = timezone.localdate()
    report = report_request(
        mission=_security_plan().election_plan.mission, kind=ReportKind.PROGRESS, user=user,
        period_start=today.replace(day=1), period_end=today, **extra,
    )  # fmt: skip
    report.refresh_from_db()
    assert report.state == Report.State.DONE, report.error
    return report


def test_hom_filters_the_dashboard_exports_it_approves_the_plan_and_signs_off_a_report(
    demo,
    page,
    eager_tasks,  # noqa: F811
):
    security_plan_submit(security_plan=_security_plan(), user=demo_user("electoral"))
    report = _report(demo_user("hom"))
    log_in(page, demo.url, "hom")

    # Dashboard, filtered to the benchmarks at risk.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Benchmark dashboard")
    page.get_by_label("Status", exact=True).select_option("at_risk")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"status=at_risk"))
    at_risk = Benchmark.objects.filter(output__mission__acronym="UNMSV", latest_assessment__status="at_risk")
    table = page.locator("table.benchmarks tbody tr:not(.group)")
    expect(table).to_have_count(at_risk.count())

    # The export is the filtered view.
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) - 1 == at_risk.count()

    # The submitted security plan: approved from its page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Elections").click()
    page.get_by_role("link", name=re.compile("General elections")).first.click()
    page.get_by_role("link", name="Revision 1").first.click()
    page.get_by_label("Comment").fill("Approved; brief the district commanders.")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("main")).to_contain_text("Approved")
    assert _security_plan().status == SecurityPlan.Status.APPROVED

    # The report: approved, then released to HQ.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.locator(f"a[href$='/reports/{report.pk}/']").first.click()
    # On the embedded default the approval stamps the PDF inside the request (tasks run in-process): as long
    # as generating it, 14 s on the CI machine with the suite on both cores.
    page.get_by_role("button", name="Approve").click(timeout=90_000)
    expect(page.get_by_role("button", name="Release to HQ")).to_be_visible()
    page.get_by_role("button", name="Release to HQ").click(timeout=90_000)
    expect(page.locator("main")).to_contain_text("Released to HQ")
    report.refresh_from_db()
    assert report.approval == Report.Approval.RELEASED


def test_mlt_assesses_a_benchmark_with_a_bad_then_a_good_input(demo, page):
    benchmark = Benchmark.objects.filter(output__mission__acronym="UNMSV").order_by("pk").first()
    before = Assessment.objects.filter(benchmark=benchmark).count()
    log_in(page, demo.url, "mlt")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name=benchmark.statement[:40]).first.click()
    page.get_by_role("link", name="Record an assessment").click()

    page.get_by_label("Date").fill(timezone.localdate().isoformat())
    page.get_by_label("Status").select_option("on_track")
    page.get_by_label("Progress").fill("150")
    page.get_by_role("button", name="Record").click()
    expect(page.locator(".errorlist").first).to_contain_text("100")
    assert_accessible(page)
    assert Assessment.objects.filter(benchmark=benchmark).count() == before

    page.get_by_label("Progress").fill("45")
    page.get_by_label("Evidence").fill("Joint field visit with the district council.")
    page.get_by_role("button", name="Record").click()
    expect(page).to_have_url(re.compile(rf"/benchmarks/benchmark/{benchmark.pk}/$"))
    assert Assessment.objects.filter(benchmark=benchmark).count() == before + 1
    assert Assessment.objects.filter(benchmark=benchmark).latest("pk").progress == 45


SITES_WITH_ERRORS = b"""code,name,district,registered_voters
NOR-901,Nortea primary school annex,Nortea,850
NOR-901,Nortea market hall,Nortea,600
KAL-902,Kalvi health centre,Atlantis,400
"""
SITES_FIXED = b"""code,name,district,registered_voters
NOR-901,Nortea primary school annex,Nortea,850
NOR-903,Nortea market hall,Nortea,600
KAL-902,Kalvi health centre,Kalvi,400
"""


def test_electoral_imports_sites_with_errors_then_fixed_and_sees_a_concurrent_edit(
    demo,
    browser,
    page,
    tmp_path,
    eager_tasks,  # noqa: F811
):
    plan = _security_plan()
    before = plan.sites.count()
    log_in(page, demo.url, "electoral")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Elections").click()
    page.get_by_role("link", name=re.compile("General elections")).first.click()
    page.get_by_role("link", name="Revision 1").first.click()
    page.get_by_role("navigation", name="Security plan").get_by_role("link", name="Polling sites").click()
    page.get_by_role("link", name="Import from CSV or XLSX").click()

    bad = tmp_path / "sites.csv"
    bad.write_bytes(SITES_WITH_ERRORS)
    page.get_by_label("CSV or XLSX file").set_input_files(bad)
    page.get_by_role("button", name="Upload and match the columns").click()
    # The columns are guessed from their names; the user checks them and the mode, then the rows.
    expect(page.get_by_role("heading", name="Match the columns")).to_be_visible()
    expect(page.get_by_role("combobox", name=re.compile("^Site code"))).to_have_value("0")
    assert_accessible(page)
    page.get_by_role("button", name="Check the rows").click()
    errors = page.get_by_role("alert").first
    expect(errors).to_contain_text("nothing will be imported")
    expect(page.locator(".error-group").first).to_be_visible()
    expect(page.get_by_text("Atlantis").first).to_be_visible()
    expect(page.get_by_text("NOR-901").first).to_be_visible()
    assert_accessible(page)
    assert plan.sites.count() == before

    page.get_by_role("link", name=re.compile("Import of polling sites")).click()
    good = tmp_path / "sites-fixed.csv"
    good.write_bytes(SITES_FIXED)
    page.get_by_label("CSV or XLSX file").set_input_files(good)
    page.get_by_role("button", name="Upload and match the columns").click()
    page.get_by_role("button", name="Check the rows").click()
    expect(page.get_by_text("3 rows checked: 3 new, 0 to update, 0 unchanged.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Import 3 rows").click()
    expect(page.get_by_role("status")).to_contain_text("3 new, 0 updated, 0 unchanged.")
    assert_accessible(page)
    assert plan.sites.count() == before + 3

    # The same site open in two browsers (two contexts: two sessions); the second save is refused.
    site = PollingSite.objects.get(security_plan=plan, code="NOR-903")
    other_context = browser.new_context()
    other = other_context.new_page()
    log_in(other, demo.url, "electoral")
    edit_url = f"{demo.url}/elections/sites/{site.pk}/edit/"
    page.goto(edit_url)
    other.goto(edit_url)
    page.get_by_label("Name").fill("Nortea market hall (north gate)")
    page.get_by_role("button", name="Save").click()
    expect(page).not_to_have_url(edit_url)
    other.get_by_label("Name").fill("Nortea covered market")
    with other.expect_response(edit_url) as answer:
        other.get_by_role("button", name="Save").click()
    assert answer.value.status == 409
    conflict = other.get_by_role("alert")
    expect(conflict).to_contain_text(re.compile("someone else changed", re.I))
    expect(conflict).to_contain_text("Nortea market hall (north gate)")
    expect(conflict).to_contain_text("Nortea covered market")
    assert_accessible(other)
    other_context.close()
    site.refresh_from_db()
    assert site.name == "Nortea market hall (north gate)"


def _tab_to(page, selector, *, back=False, limit=40):
    """Press Tab (Shift+Tab with `back`) until the focus is on `selector`, as a keyboard user does."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"the keyboard never reaches {selector}")


def _start_engagement_by_keyboard(page, base_url):
    """Log in as civilaffairs, open the engagement form, choose the type and one partner by keyboard."""
    log_in(page, base_url, "civilaffairs")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    page.get_by_role("link", name="Log an engagement").first.click()
    # The form opens with the focus on the type (the date is today's); waiting for it also waits out the page load
    expect(page.locator("#id_engagement_type")).to_be_focused()
    page.keyboard.type("Meeting")  # a closed select picks the option whose label starts with what is typed
    _tab_to(page, ".select-filter")  # the partners filter box, above the partners list
    page.keyboard.type("women's peace")
    page.keyboard.press("Enter")  # picks the first match, does not submit
    expect(page.locator("[name=partners] option:checked")).to_have_count(1)


def test_civilaffairs_logs_an_engagement_by_keyboard_only_and_finds_it(demo, page):
    keyboard = page.keyboard
    _start_engagement_by_keyboard(page, demo.url)
    _tab_to(page, "#id_participants_women")
    keyboard.type("12")
    keyboard.press("Tab")
    keyboard.type("9")
    _tab_to(page, "#id_summary")
    keyboard.type("Keyboard-only meeting on the reopening of the Kalvi market road.")
    with page.expect_navigation():
        keyboard.press("Control+Enter")
    expect(page).to_have_url(re.compile(r"/partners/engagements/\d+/$"))

    engagement = Engagement.objects.get(summary__startswith="Keyboard-only meeting")
    assert [p.name for p in engagement.partners.all()] == ["Veloria Women's Peace Network"]
    assert engagement.benchmarks.count() == 0
    assert (engagement.participants_women, engagement.participants_men) == (12, 9)

    page.goto(f"{demo.url}/partners/engagements/")
    _tab_to(page, "form[role=search] input[type=search]")
    keyboard.type("Kalvi market road")
    keyboard.press("Enter")
    expect(page.locator("table.log tbody tr")).to_have_count(1)
    expect(page.locator("table.log")).to_contain_text("Keyboard-only meeting")


def test_ctrl_enter_in_a_filter_box_saves_the_form_without_picking_the_first_match(demo, page):
    _start_engagement_by_keyboard(page, demo.url)
    _tab_to(page, "#id_summary")
    page.keyboard.type("Filter box check: nothing else chosen.")
    _tab_to(page, ".select-filter", back=True)  # back in the partners filter box
    page.keyboard.type("youth")  # a match shows: Kalvi Youth Association for Peace
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    expect(page).to_have_url(re.compile(r"/partners/engagements/\d+/$"))

    engagement = Engagement.objects.get(summary__startswith="Filter box check")
    assert [p.name for p in engagement.partners.all()] == ["Veloria Women's Peace Network"]
    assert engagement.benchmarks.count() == 0


def test_partner1_sees_its_portal_and_a_404_for_partner2s_engagement(demo, page):
    own = Partner.objects.get(memberships__user__username="partner1")
    theirs = Engagement.objects.filter(shareable=True, partners__memberships__user__username="partner2").exclude(
        partners=own
    )[0]
    log_in(page, demo.url, "partner1")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My organisation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(own.name)
    page.locator("ol.timeline a").first.click()
    expect(page).to_have_url(re.compile(r"/partners/portal/engagements/\d+/$"))

    response = page.goto(f"{demo.url}/partners/portal/engagements/{theirs.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "URLconf" not in page.content()
    assert_accessible(page)


def test_hq_sees_the_released_report_only(demo, page):
    hom = demo_user("hom")
    mission = _security_plan().election_plan.mission
    draft = finished_report(mission, hom)
    released = finished_report(mission, hom, approval=Report.Approval.RELEASED)
    log_in(page, demo.url, "hq")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.locator(f"a[href$='/reports/{released.pk}/']")).not_to_have_count(0)
    expect(page.locator(f"a[href$='/reports/{draft.pk}/']")).to_have_count(0)
    page.locator(f"a[href$='/reports/{released.pk}/']").first.click()
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    assert page.goto(f"{demo.url}/reports/{draft.pk}/").status == 404
