"""Every role against every page, form and API endpoint of election support.

Security plans and everything in them are confidential: the electoral, military and police components,
the MLT and the HoM see them; civil affairs, partners, HQ and other missions get 404 (existence does not
leak). Visible-but-not-allowed is 403. State-changing posts come last in the walk, so each case sees the
data as built.
"""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from elections import urls
from elections.models import SecurityPlan
from missions.models import Component
from tests.conftest import ROLE_FIXTURES
from tests.elections_support import build_election
from tests.factories import PollingSiteFactory, SecurityTaskFactory
from tests.matrix_support import api_route_names

Status = SecurityPlan.Status

LEAD = {"hom", "mlt"}
EDITORS = LEAD | {"electoral"}
SECURITY = EDITORS | {"military", "police"}
MEMBERS = SECURITY | {"civilaffairs"}
SUBMITTERS = {"hom", "electoral"}
HOM = {"hom"}
TASK_EDITORS = EDITORS | {"military"}  # the task belongs to the military component

# (url name, object key, method, data, status when allowed, allowed roles, roles that see the object)
PAGES = [
    ("elections:index", None, "get", None, 200, MEMBERS | {"outsider"}, MEMBERS | {"outsider"}),
    ("elections:plan-create", None, "get", None, 200, EDITORS | {"outsider"}, MEMBERS | {"outsider"}),
    ("elections:plan-create", None, "post", {}, 200, EDITORS | {"outsider"}, MEMBERS | {"outsider"}),
    ("elections:plan-detail", "plan", "get", None, 200, MEMBERS, MEMBERS),
    ("elections:plan-edit", "plan", "get", None, 200, EDITORS, MEMBERS),
    ("elections:plan-edit", "plan", "post", {}, 200, EDITORS, MEMBERS),
    ("elections:plan-phases", "plan", "get", None, 200, EDITORS, MEMBERS),
    ("elections:plan-phases", "plan", "post", {"campaign_start": "x"}, 200, EDITORS, MEMBERS),
    ("elections:plan-history", "plan", "get", None, 200, MEMBERS, MEMBERS),
    ("elections:milestone-create", "plan", "get", None, 200, EDITORS, MEMBERS),
    ("elections:milestone-create", "plan", "post", {}, 200, EDITORS, MEMBERS),
    ("elections:milestone-edit", "milestone", "get", None, 200, EDITORS, MEMBERS),
    ("elections:milestone-edit", "milestone", "post", {}, 200, EDITORS, MEMBERS),
    ("elections:incident-list", "plan", "get", None, 200, SECURITY, SECURITY),
    ("elections:incident-create", "plan", "get", None, 200, SECURITY, SECURITY),
    ("elections:incident-create", "plan", "post", {}, 200, SECURITY, SECURITY),
    ("elections:incident-edit", "incident", "get", None, 200, SECURITY, SECURITY),
    ("elections:incident-edit", "incident", "post", {}, 200, SECURITY, SECURITY),
    ("elections:security-plan-create", "plan", "get", None, 200, EDITORS, SECURITY),
    ("elections:security-plan-create", "plan", "post", {}, 200, EDITORS, SECURITY),
    ("elections:security-plan-detail", "security", "get", None, 200, SECURITY, SECURITY),
    ("elections:security-plan-edit", "security", "get", None, 200, EDITORS, SECURITY),
    ("elections:security-plan-edit", "security", "post", {"version": 999}, 409, EDITORS, SECURITY),
    ("elections:security-plan-compare", "security", "get", None, 200, SECURITY, SECURITY),
    ("elections:readiness", "security", "get", None, 200, SECURITY, SECURITY),
    ("elections:site-map", "security", "get", None, 200, SECURITY, SECURITY),
    ("elections:site-list", "security", "get", None, 200, SECURITY, SECURITY),
    ("elections:site-create", "security", "get", None, 200, EDITORS, SECURITY),
    ("elections:site-create", "security", "post", {}, 200, EDITORS, SECURITY),
    ("elections:site-import", "security", "get", None, 200, EDITORS, SECURITY),
    ("elections:site-import", "security", "post", {}, 200, EDITORS, SECURITY),
    ("elections:site-export", "security", "get", "csv", 200, SECURITY, SECURITY),
    ("elections:site-export", "security", "get", "xlsx", 200, SECURITY, SECURITY),
    ("elections:site-edit", "site", "get", None, 200, EDITORS, SECURITY),
    ("elections:site-edit", "site", "post", {}, 200, EDITORS, SECURITY),
    ("elections:threat-list", "security", "get", None, 200, SECURITY, SECURITY),
    ("elections:threat-create", "security", "get", None, 200, EDITORS, SECURITY),
    ("elections:threat-create", "security", "post", {}, 200, EDITORS, SECURITY),
    ("elections:threat-edit", "threat", "get", None, 200, EDITORS, SECURITY),
    ("elections:threat-edit", "threat", "post", {}, 200, EDITORS, SECURITY),
    ("elections:task-list", "security", "get", None, 200, SECURITY, SECURITY),
    ("elections:task-create", "security", "get", None, 200, SECURITY, SECURITY),
    ("elections:task-create", "security", "post", {}, 200, SECURITY, SECURITY),
    ("elections:task-edit", "task", "get", None, 200, TASK_EDITORS, SECURITY),
    ("elections:task-edit", "task", "post", {}, 200, TASK_EDITORS, SECURITY),
    ("elections:leg-list", "security", "get", None, 200, SECURITY, SECURITY),
    ("elections:leg-create", "security", "get", None, 200, EDITORS, SECURITY),
    ("elections:leg-create", "security", "post", {}, 200, EDITORS, SECURITY),
    ("elections:leg-edit", "leg", "get", None, 200, EDITORS, SECURITY),
    ("elections:leg-edit", "leg", "post", {}, 200, EDITORS, SECURITY),
    # A stale version: allowed roles get the conflict message and nothing is removed.
    ("elections:item-delete", "site-item", "post", {"version": 999}, 302, EDITORS, SECURITY),
    # Revision 1 is approved but already revised: allowed roles get a message.
    ("elections:security-plan-revise", "approved", "post", {}, 302, EDITORS, SECURITY),
    # Decisions on another election's submitted plan: return without comment (refused), then approve.
    ("elections:security-plan-return", "submitted", "post", {}, 302, HOM, SECURITY),
    ("elections:security-plan-approve", "submitted", "post", {}, 302, HOM, SECURITY),
    # Last: it freezes the draft the cases above edit.
    ("elections:security-plan-submit", "security", "post", {}, 302, SUBMITTERS, SECURITY),
]

# (route name, object key, method, data, status when allowed, allowed roles, roles that see the object)
API = [
    ("election-plan-list", None, "get", None, 200, set(ROLE_FIXTURES), set(ROLE_FIXTURES)),
    ("election-plan-detail", "plan", "get", None, 200, MEMBERS, MEMBERS),
    ("election-plan-detail", "plan", "patch", {}, 428, EDITORS, MEMBERS),
    ("security-plan-list", None, "get", None, 200, set(ROLE_FIXTURES), set(ROLE_FIXTURES)),
    ("security-plan-detail", "security", "get", None, 200, SECURITY, SECURITY),
    ("security-plan-detail", "security", "patch", {}, 428, EDITORS, SECURITY),
    ("polling-site-list", None, "get", None, 200, set(ROLE_FIXTURES), set(ROLE_FIXTURES)),
    ("polling-site-detail", "site", "get", None, 200, SECURITY, SECURITY),
    ("polling-site-detail", "site", "patch", {}, 428, EDITORS, SECURITY),
    ("threat-list", None, "get", None, 200, set(ROLE_FIXTURES), set(ROLE_FIXTURES)),
    ("threat-detail", "threat", "get", None, 200, SECURITY, SECURITY),
    ("threat-detail", "threat", "patch", {}, 428, EDITORS, SECURITY),
    ("security-task-list", None, "get", None, 200, set(ROLE_FIXTURES), set(ROLE_FIXTURES)),
    ("security-task-detail", "task", "get", None, 200, SECURITY, SECURITY),
    ("security-task-detail", "task", "patch", {}, 428, TASK_EDITORS, SECURITY),
    ("incident-list", None, "get", None, 200, set(ROLE_FIXTURES), set(ROLE_FIXTURES)),
    ("incident-detail", "incident", "get", None, 200, SECURITY, SECURITY),
    ("incident-detail", "incident", "patch", {}, 428, SECURITY, SECURITY),
    ("security-plan-new-revision", "approved", "post", {}, 400, EDITORS, SECURITY),
    ("security-plan-return", "submitted", "post", {"comment": ""}, 400, HOM, SECURITY),
    ("security-plan-approve", "submitted", "post", {}, 200, HOM, SECURITY),
    ("security-plan-submit", "security", "post", {}, 200, SUBMITTERS, SECURITY),
]

# The site import's API (multipart, a job per upload) has its own matrix below.
IMPORT_API = {"api:polling-site-import", "api:polling-site-import-status"}
COVERED_URL_NAMES = {name for name, *_ in PAGES} | {f"api:{name}" for name, *_ in API} | IMPORT_API


def _expected(role, ok, allowed, visible):
    if role in allowed:
        return ok
    return 403 if role in visible else 404


@pytest.fixture
def world(mission, district, components, django_user_model):
    """A draft revision 2 (revised from an approved revision 1) and another election's submitted plan."""
    e = build_election(mission, district, status=Status.APPROVED)
    approved = e["security"]
    draft = SecurityPlan.objects.create(election_plan=e["plan"], revision=2, previous=approved, summary="Rev 2")
    site = PollingSiteFactory(security_plan=draft, district=district, uid=e["site"].uid)
    other_site = PollingSiteFactory(security_plan=draft, district=district)
    task = SecurityTaskFactory(security_plan=draft, site=site, component=components[Component.Kind.MILITARY])
    threat = e["threat"].__class__.objects.create(
        security_plan=draft, actor="Militia", threat_type="armed_group", likelihood=2, impact=2, district=district
    )
    leg = e["leg"].__class__.objects.create(
        security_plan=draft,
        materials="Ballots",
        origin="A",
        destination="B",
        departs_at=e["leg"].departs_at,
        arrives_at=e["leg"].arrives_at,
    )
    other = build_election(mission, district, status=Status.SUBMITTED)
    return {
        "plan": e["plan"],
        "milestone": e["milestone"],
        "incident": e["incident"],
        "security": draft,
        "approved": approved,
        "submitted": other["security"],
        "site": site,
        "site-item": other_site,
        "threat": threat,
        "task": task,
        "leg": leg,
    }


def _page_url(name, key, world, data=None):
    if name == "elections:item-delete":
        return reverse(name, args=["site", world[key].pk])
    if name == "elections:site-export":
        return reverse(name, args=[world[key].pk, data])
    return reverse(name, args=[world[key].pk]) if key else reverse(name)


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_every_page_and_form_answers_each_role_as_expected(client, users, world, role):
    client.force_login(users[role])
    failures = []
    for name, key, method, data, ok, allowed, visible in PAGES:
        url = _page_url(name, key, world, data)
        response = client.get(url) if method == "get" else client.post(url, data)
        expected = _expected(role, ok, allowed, visible)
        if response.status_code != expected:
            failures.append(f"{method.upper()} {name}: {response.status_code} != {expected}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_every_api_endpoint_answers_each_role_as_expected(users, world, role):
    client = APIClient()
    client.force_authenticate(users[role])
    failures = []
    for name, key, method, data, ok, allowed, visible in API:
        url = reverse(name, args=[world[key].pk] if key else [])
        response = getattr(client, method)(url, data, format="json") if data is not None else client.get(url)
        expected = _expected(role, ok, allowed, visible)
        if response.status_code != expected:
            failures.append(f"{method.upper()} {name}: {response.status_code} != {expected}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_the_site_import_api_answers_each_role_as_expected(users, world, role):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from missions.models import ImportJob

    # The job only starts here (its first step waits for the test's transaction to commit, which it never
    # does); the steps are tested in tests/test_import_pipeline.py.
    client = APIClient()
    client.force_authenticate(users[role])
    upload = SimpleUploadedFile("sites.csv", b"code,name,district\nM1,One,Somewhere\n")
    response = client.post(
        reverse("polling-site-import"), {"security_plan": world["security"].pk, "file": upload}, format="multipart"
    )
    # A plan the role cannot see is an unknown id in the body (400), as for every id in a body.
    expected = 202 if role in EDITORS else 403 if role in SECURITY else 400
    assert response.status_code == expected, response.content
    job = ImportJob.objects.filter(user=users[role]).first()
    assert (job is not None) == (role in EDITORS)
    if job is not None:
        # The status is its uploader's only.
        status_url = reverse("polling-site-import-status", args=[job.pk])
        assert client.get(status_url).status_code == 200
        other = APIClient()
        other.force_authenticate(users["hom" if role != "hom" else "mlt"])
        assert other.get(status_url).status_code == 404


def test_confidential_lists_are_empty_for_roles_outside_the_security_circle(users, world):
    for role in ("civilaffairs", "partner1", "partner2", "hq", "outsider"):
        client = APIClient()
        client.force_authenticate(users[role])
        for name in ("security-plan-list", "polling-site-list", "threat-list", "security-task-list", "incident-list"):
            assert client.get(reverse(name)).json()["count"] == 0, (role, name)


def test_a_grant_on_one_plan_opens_that_plan_read_only_and_nothing_else(client, users, world):
    partner = users["partner1"]
    assign_perm("elections.view_securityplan", partner, world["security"])
    client.force_login(partner)
    for name in ("security-plan-detail", "readiness", "site-list", "threat-list", "task-list", "site-map"):
        assert client.get(reverse(f"elections:{name}", args=[world["security"].pk])).status_code == 200, name
    assert client.get(reverse("elections:incident-list", args=[world["plan"].pk])).status_code == 200
    # Read-only: editing answers 403; other revisions and the election plan itself stay hidden.
    assert client.get(reverse("elections:site-edit", args=[world["site"].pk])).status_code == 403
    assert client.post(reverse("elections:security-plan-submit", args=[world["security"].pk])).status_code == 403
    assert client.get(reverse("elections:security-plan-detail", args=[world["approved"].pk])).status_code == 404
    assert client.get(reverse("elections:security-plan-detail", args=[world["submitted"].pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(partner)
    assert api.get(reverse("polling-site-detail", args=[world["site"].pk])).status_code == 200
    assert {r["id"] for r in api.get(reverse("security-plan-list")).json()["results"]} == {world["security"].pk}


def test_a_change_grant_lets_the_grantee_edit_that_plan(client, users, world):
    hq = users["hq"]
    assign_perm("elections.view_securityplan", hq, world["security"])
    assign_perm("elections.change_securityplan", hq, world["security"])
    client.force_login(hq)
    assert client.get(reverse("elections:site-edit", args=[world["site"].pk])).status_code == 200


def test_every_url_of_the_app_is_covered():
    names = {f"elections:{p.name}" for p in urls.urlpatterns}
    resources = {"election-plan", "security-plan", "polling-site", "threat", "security-task", "incident"}
    api_names = api_route_names(resources, prefix="api:")
    assert names | api_names <= COVERED_URL_NAMES, sorted((names | api_names) - COVERED_URL_NAMES)
