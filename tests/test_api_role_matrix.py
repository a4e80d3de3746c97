"""The API role matrix: every role against every resource of the router, for list, retrieve and update.

Generic over `config.api.router.registry`, so a resource registered later is walked too. The expected answer
always comes from `mandate.access` (never from role names written here): a list shows only rows in the user's
scope; a row outside it is 404 on retrieve and update; a visible row the role may not change is 403 on update;
without credentials everything is 401.
"""

import pytest

from mandate import access
from tests.api_support import api_client, model_of, resource, resources, rows_in_mission

pytestmark = pytest.mark.django_db

LISTABLE = [r.prefix for r in resources() if "list" in r.actions]
RETRIEVABLE = [r.prefix for r in resources() if "retrieve" in r.actions]
PATCHABLE = [r.prefix for r in resources() if "partial_update" in r.actions]

# Extra actions (`@action`) are covered by the role matrix of the app that defines them.
COVERED_URL_NAMES = {"api-root"} | {
    name
    for r in resources()
    for name, needed in ((f"{r.basename}-list", {"list", "create"}), (f"{r.basename}-detail", {"retrieve"}))
    if r.actions & needed
}

SAMPLE = 3  # rows per resource and side (in scope / out of scope) checked on retrieve and update


@pytest.fixture
def users(world):
    return world["users"]


@pytest.fixture
def mission(world):
    return world["mission"]


@pytest.fixture
def other_mission(world):
    return world["other_mission"]


def _results(response):
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def _scope_ids(user, model) -> set[int]:
    return set(access.scope(user, model._default_manager.all()).values_list("pk", flat=True))


def test_the_world_has_rows_of_every_resource_in_both_missions(world, mission, other_mission):
    # Without rows on both sides, the matrix below would pass without checking anything.
    missing = [
        (r.prefix, m.acronym)
        for r in resources()
        if model_of(r) in access.MISSION_PATH
        for m in (mission, other_mission)
        if not rows_in_mission(model_of(r), m)
    ]
    assert missing == [], "extend tests/api_support.py::build_world for these resources"


@pytest.mark.parametrize("prefix", LISTABLE)
def test_every_role_lists_only_rows_in_its_scope(prefix, users, world):
    res = resource(prefix)
    model = model_of(res)
    problems = []
    for role, user in users.items():
        response = api_client(user).get(res.list_url(), {"page_size": 500})
        if response.status_code in (403, 404):
            continue
        if response.status_code != 200:
            problems.append((role, response.status_code, response.content[:200]))
            continue
        listed = {row["id"] for row in _results(response)}
        leaked = listed - _scope_ids(user, model)
        if leaked:
            problems.append((role, "rows outside the scope", sorted(leaked)))
        if role == "hom" and not listed and rows_in_mission(model, world["mission"]):
            problems.append((role, "the Head of Mission sees an empty list"))
    assert problems == []


@pytest.mark.parametrize("prefix", RETRIEVABLE)
def test_every_role_gets_404_outside_its_scope_and_200_inside(prefix, users, world):
    res = resource(prefix)
    model = model_of(res)
    every = set(model._default_manager.values_list("pk", flat=True))
    problems = []
    for role, user in users.items():
        allowed = _scope_ids(user, model)
        client = api_client(user)
        for pk in sorted(every - allowed)[:SAMPLE]:
            response = client.get(res.detail_url(pk))
            if response.status_code != 404:
                problems.append((role, pk, "outside scope", response.status_code))
        for pk in sorted(allowed)[:SAMPLE]:
            response = client.get(res.detail_url(pk))
            if response.status_code != 200:
                problems.append((role, pk, "in scope", response.status_code))
            elif "version" in response.json() and response.headers.get("ETag") != f'"{response.json()["version"]}"':
                problems.append((role, pk, "no ETag"))
    assert problems == []


@pytest.mark.parametrize("prefix", PATCHABLE)
def test_every_role_may_update_exactly_what_access_allows(prefix, users, world, mission, other_mission):
    res = resource(prefix)
    model = model_of(res)
    action = res.viewset.action_permissions.get("partial_update", res.viewset.edit_action)
    sample = rows_in_mission(model, mission)[:SAMPLE] + rows_in_mission(model, other_mission)[:1]
    assert sample
    problems = []
    for role, user in users.items():
        client = api_client(user)
        for pk in sample:
            obj = model._default_manager.get(pk=pk)
            visible = pk in _scope_ids(user, model)
            expected = (200 if access.can(user, action, obj) else 403) if visible else 404
            headers = {"HTTP_IF_MATCH": f'"{obj.version}"'} if hasattr(obj, "version") else {}
            response = client.patch(res.detail_url(pk), {}, format="json", **headers)
            if response.status_code != expected:
                problems.append((role, pk, expected, response.status_code, response.content[:200]))
            elif expected != 200:
                obj_after = model._default_manager.get(pk=pk)
                if getattr(obj_after, "version", None) != getattr(obj, "version", None):
                    problems.append((role, pk, "refused but changed"))
    assert problems == []


@pytest.mark.parametrize("prefix", [r.prefix for r in resources()])
def test_without_credentials_every_endpoint_answers_401(prefix, world, mission):
    res = resource(prefix)
    model = model_of(res)
    pk = (rows_in_mission(model, mission) or list(model._default_manager.values_list("pk", flat=True)))[0]
    client = api_client()
    calls = [("get", res.list_url()), ("post", res.list_url()), ("get", res.detail_url(pk))]
    calls += [("patch", res.detail_url(pk)), ("put", res.detail_url(pk)), ("delete", res.detail_url(pk))]

    statuses = {(method, url): getattr(client, method)(url, {}, format="json").status_code for method, url in calls}

    assert {key: status for key, status in statuses.items() if status != 401} == {}


# --- the cases the issue names ------------------------------------------------------------------


def test_partner_reading_another_partners_engagement_by_id_gets_404(users, world):
    engagements = resource("engagements")
    client = api_client(users["partner1"])

    assert client.get(engagements.detail_url(world["here"]["shared_b"].pk)).status_code == 404
    assert client.get(engagements.detail_url(world["here"]["internal_a"].pk)).status_code == 404
    assert client.get(engagements.detail_url(world["here"]["shared_a"].pk)).status_code == 200


def test_civil_affairs_reading_a_security_plan_by_id_gets_404(users, world):
    plans = resource("security-plans")
    plan = world["here"]["security_plan"]

    assert api_client(users["civilaffairs"]).get(plans.detail_url(plan.pk)).status_code == 404
    assert api_client(users["electoral"]).get(plans.detail_url(plan.pk)).status_code == 200
