"""axe-core on every page each role reaches: zero violations.

The pages are found as each role finds them: by following the links from the home page of the demo
mission (`seed_demo`), one page per URL name and role. A page added to the project and linked from
anywhere is checked without editing this file; `test_every_page_of_the_url_list_is_reached_by_a_role`
fails when a named page is linked from nowhere a role can reach (or only after a POST): check it in a
journey (tests/browser/test_journeys.py) and list it in REACHED_ELSEWHERE, with where.
"""

from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import Error as PlaywrightError

from elections.models import SecurityPlan
from elections.services import security_plan_approve, security_plan_new_revision, security_plan_submit
from reports.models import Report
from tests.browser.support import ROLES, axe_violations, describe, log_in
from tests.factories import ElectionPlanFactory
from tests.test_reports_role_matrix import _report as finished_report
from tests.test_url_coverage import _project_urls

# The login page (test_the_login_page_has_no_axe_violation) is outside the walk, like the admin and the API.
NOT_WALKED = ("/api/", "/admin/", "/static/", "/media/", "/i18n/", "/accounts/")

# Named URLs that are not pages (downloads, JSON, posted actions), or are pages reached only through a
# POST: the journeys check the latter with axe at the point they reach them.
REACHED_ELSEWHERE = {
    "healthz": "JSON",
    "favicon": "a redirect to the static icon, asked for by the browser itself",
    "switch-mission": "a POST",
    "language-set": "a POST (the language switch in the header)",
    "recovery-codes": "a POST",
    "two-factor-disable": "a POST",
    "sign-out-everywhere": "a POST",
    # Under /accounts/ (the login flow), outside the walk: test_the_two_factor_pages_have_no_axe_violation.
    "two-factor-setup": "under /accounts/: test_the_two_factor_pages_have_no_axe_violation",
    "two-factor-verify": "the login's second step: test_the_two_factor_pages_have_no_axe_violation",
    "token-revoke": "a POST",
    "benchmarks:export-csv": "a download",
    "benchmarks:export-xlsx": "a download",
    "benchmarks:retire": "a POST",
    "elections:site-map": "an SVG image",
    "elections:site-export": "a download",
    "elections:security-plan-submit": "a POST",
    "elections:security-plan-approve": "a POST; the hom journey",
    "elections:security-plan-return": "a POST",
    "elections:security-plan-revise": "a POST",
    "elections:item-delete": "a POST",
    "partners:export": "a download",
    "import-job": "reached after an upload (a POST); the electoral journey checks it at each step",
    "import-job-confirm": "a POST; the electoral journey",
    "import-job-status": "JSON polled by the import job's page",
    "import-job-errors": "a download (the error report as CSV)",
    "partners:engagement-export": "a download",
    "partners:follow-up-complete": "a POST",
    "reports:status": "JSON polled by the report page",
    "reports:download": "a download",
    "reports:approve": "a POST; the hom journey",
    "reports:release": "a POST; the hom journey",
    "reports:retry": "a POST",
    "reports:comment": "a POST (the comment form is on the released report's page, which the walk checks)",
    "narratives:attachment": "a download (the evidence file itself)",
    "narratives:attachment-add": "a POST (the evidence form is on the narrative, benchmark and engagement pages)",
    "narratives:narrative-review": "a POST (the review form is on the narrative page)",
    "notifications:counts": "JSON for the header counts",
    "notifications:open": "a redirect to the notified item",
    "notifications:read": "a POST",
    "notifications:read-all": "a POST",
}


@pytest.fixture
def walked_world(demo, django_user_model):
    """The demo mission, plus what it lacks for some pages: a second revision of the security plan
    (the comparison page), an election without a security plan yet (the new security plan page) and a
    released report (the report page, for hq too; its files are stand-ins, the journeys generate real ones)."""
    hom, electoral = (django_user_model.objects.get(username=name) for name in ("hom", "electoral"))
    # The general elections' plan (the demo also has a by-election plan awaiting the HoM).
    plan = SecurityPlan.objects.get(election_plan__mission__acronym="UNMSV", election_plan__name__startswith="General")
    security_plan_submit(security_plan=plan, user=electoral)
    security_plan_approve(security_plan=plan, user=hom)
    security_plan_new_revision(security_plan=plan, user=electoral)
    by_elections = ElectionPlanFactory(mission=plan.election_plan.mission, name="Local by-elections")
    finished_report(plan.election_plan.mission, hom, approval=Report.Approval.RELEASED)
    # The walk opens one page per URL name: the first election's page, which has a security plan; the
    # by-elections' page (the one with the "Start the security plan" link) is opened as well.
    return SimpleNamespace(url=demo.url, also=[reverse("elections:plan-detail", args=[by_elections.pk])])


def _url_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def walk(fetch, also=()) -> dict[str, str]:
    """{URL name: path}: a breadth-first walk over the site's links from "/", one page per URL name, and
    the pages `also` lists whatever their name.

    `fetch(path)` returns the page's links (absolute or relative), or None when the answer is not a page.
    """
    queue, queued, reached, pending = ["/"], {"/"}, {}, list(also)
    while queue or pending:
        if not queue:  # the `also` pages come last: the pages of the same name linked first stay first
            queue.append(pending.pop(0))
            queued.add(queue[0])
        path = queue.pop(0)
        name = _url_name(urlsplit(path).path)
        if name is None or (name in reached and path not in also):
            continue
        links = fetch(path)
        if links is None:
            continue
        reached.setdefault(name, path)
        for href in links:
            target = urlsplit(urljoin(path, href))
            if target.netloc or target.path.startswith(NOT_WALKED):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link not in queued:
                queued.add(link)
                queue.append(link)
    return reached


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _client_fetch(client):
    def fetch(path):
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            return None
        parser = _Links()
        parser.feed(response.content.decode())
        return parser.hrefs

    return fetch


def _browser_fetch(page, base_url, failures):
    def fetch(path):
        try:
            response = page.goto(base_url + path)
        except PlaywrightError as error:  # a CSV, XLSX or PDF download: not a page
            if "Download is starting" in str(error):
                return None
            raise
        if response is None or not response.headers.get("content-type", "").startswith("text/html"):
            return None
        violations = axe_violations(page)  # error pages (a 404 for a partner) are pages too
        if violations:
            failures.append(f"{path} ({response.status}):\n{describe(violations)}")
        if response.status != 200:
            return None
        return page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")

    return fetch


# The roles in four groups of about the same number of pages, one test each: each test seeds the demo
# mission (the live server's tests are transactional), and the groups spread over the suite's two workers.
ROLE_GROUPS = [("hom", "partner1", "partner2"), ("mlt", "hq"), ("electoral", "military"), ("civilaffairs", "police")]
assert sorted(sum(ROLE_GROUPS, ())) == sorted(ROLES)


@pytest.mark.parametrize("roles", ROLE_GROUPS, ids="+".join)
def test_every_page_a_role_reaches_has_no_axe_violation(walked_world, browser, roles):
    failures = []
    for role in roles:
        context = browser.new_context()
        page = context.new_page()
        log_in(page, walked_world.url, role)
        found = []

        reached = walk(_browser_fetch(page, walked_world.url, found), also=walked_world.also)

        context.close()
        assert len(reached) > 3, (role, reached)  # home, tokens and at least the role's own section
        failures += [f"{role} {failure}" for failure in found]
    assert not failures, "\n".join(failures)


def test_the_login_page_has_no_axe_violation(demo, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{demo.url}/accounts/login/")
    assert axe_violations(page) == []
    page.get_by_label("Username").fill("hom")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("alert").wait_for()
    failures = axe_violations(page)
    context.close()
    assert not failures, describe(failures)


def test_every_page_of_the_url_list_is_reached_by_a_role(walked_world, django_user_model):
    # The same walk with Django's test client (no browser, no axe): which URL names the roles reach.
    reached = set()
    for role in ROLES:
        client = Client()
        client.force_login(django_user_model.objects.get(username=role))
        reached |= set(walk(_client_fetch(client), also=walked_world.also))
    urls = _project_urls()
    # Two names of one route (benchmarks:index and :dashboard) are one page: resolve() names the first.
    reached_routes = {urls[name] for name in reached}
    pages = {name for name, route in urls.items() if not route.startswith("api/") and route not in reached_routes}

    missing = sorted(pages - set(REACHED_ELSEWHERE))
    assert not missing, f"reached by no role: {missing}"
    assert sorted(set(REACHED_ELSEWHERE) & reached) == [], "reached by the walk: remove from REACHED_ELSEWHERE"
    assert sorted(set(REACHED_ELSEWHERE) - set(urls)) == [], "no such URL name"


def _totp(secret_base32: str) -> str:
    import base64

    from django_otp.oath import TOTP

    return f"{TOTP(base64.b32decode(secret_base32.replace(' ', '').upper())).token():06d}"


def _unthrottle(username: str) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user__username=username).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )


def test_the_two_factor_pages_have_no_axe_violation(demo, browser, settings):
    """The login's second step (hom, who must use a second factor) and the set-up an optional user walks
    (mlt): each page as it first shows, with a wrong code's error, and the recovery codes shown once."""
    settings.TWO_FACTOR_ENFORCED = True
    failures = []

    def check(page, step):
        found = axe_violations(page)
        if found:
            failures.append(f"{step}:\n{describe(found)}")

    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{demo.url}/accounts/login/")
    page.get_by_label("Username").fill("hom")
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == reverse("two-factor-verify"), page.url
    check(page, "verify")
    code = page.get_by_role("textbox").first
    code.fill("000000")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("alert").wait_for()
    check(page, "verify, wrong code")
    _unthrottle("hom")  # django-otp delays the next try after a wrong code (tests/test_two_factor.py)
    code = page.get_by_role("textbox").first
    code.fill(_totp(settings.DEMO_TOTP_SECRET))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{demo.url}/")
    context.close()

    context = browser.new_context()
    page = context.new_page()
    log_in(page, demo.url, "mlt")
    page.goto(f"{demo.url}{reverse('two-factor-setup')}")
    check(page, "setup")
    page.get_by_role("textbox").first.fill("000000")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.get_by_role("alert").wait_for()
    check(page, "setup, wrong code")
    secret = page.locator("figcaption code").inner_text()
    _unthrottle("mlt")
    page.get_by_role("textbox").first.fill(_totp(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    check(page, "recovery codes")
    context.close()
    assert not failures, "\n".join(failures)
