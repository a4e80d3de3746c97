"""REST resources of election support: scope, writes through services, versions, workflow, query counts."""

import datetime

import pytest
from django.utils import timezone

from elections.models import PollingSite, RiskLevel, SecurityPlan, SecurityTask
from missions.models import Component
from tests.api_support import api_client
from tests.elections_support import build_election
from tests.factories import PollingSiteFactory, SecurityTaskFactory

Status = SecurityPlan.Status
API = "/api/v1"


def test_civil_affairs_partners_and_hq_see_no_security_resources(e, civilaffairs, partner1, hq, outsider):
    for user in (civilaffairs, partner1, hq, outsider):
        client = api_client(user)
        for resource in ("security-plans", "polling-sites", "threats", "security-tasks", "incidents"):
            assert client.get(f"{API}/{resource}/").json()["count"] == 0, (user, resource)
        assert client.get(f"{API}/security-plans/{e['security'].pk}/").status_code == 404
        assert client.get(f"{API}/polling-sites/{e['site'].pk}/").status_code == 404
    assert api_client(civilaffairs).get(f"{API}/election-plans/{e['plan'].pk}/").status_code == 200
    assert api_client(partner1).get(f"{API}/election-plans/{e['plan'].pk}/").status_code == 404


def test_site_update_needs_the_version_and_refuses_a_stale_one(e, electoral):
    client = api_client(electoral)
    url = f"{API}/polling-sites/{e['site'].pk}/"
    assert client.patch(url, {"name": "New"}, format="json").status_code == 428
    stale = client.patch(url, {"name": "New"}, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 412
    ok = client.patch(url, {"name": "New", "version": e["site"].version}, format="json")
    assert ok.status_code == 200, ok.json()
    assert ok.json()["name"] == "New" and ok.json()["version"] == e["site"].version + 1


def test_site_create_validates_through_the_service(e, electoral, district):
    client = api_client(electoral)
    body = {
        "security_plan": e["security"].pk,
        "code": "API-1",
        "name": "Api school",
        "district": district.pk,
        "latitude": "9.5",
    }
    response = client.post(f"{API}/polling-sites/", body, format="json")
    assert response.status_code == 400
    assert "longitude" in response.json()["errors"]
    response = client.post(f"{API}/polling-sites/", {**body, "longitude": "2.5"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["risk_level"] == RiskLevel.HIGH  # the 4x4 district threat of build_election


def test_polling_site_filters(e, electoral, district):
    PollingSiteFactory(security_plan=e["security"], district=district, code="ZZ-1", name="Riverside")
    client = api_client(electoral)
    codes = lambda q: {r["code"] for r in client.get(f"{API}/polling-sites/?{q}").json()["results"]}  # noqa: E731
    assert codes("q=riverside") == {"ZZ-1"}
    assert e["site"].code in codes("has_tasks=true")
    assert e["site"].code not in codes("has_tasks=false")
    assert codes("risk=critical") == set() or all(
        PollingSite.objects.get(code=c).risk_level == "critical" for c in codes("risk=critical")
    )


def test_workflow_actions(e, electoral, hom, mlt):
    plan = e["security"]
    url = f"{API}/security-plans/{plan.pk}"
    assert api_client(mlt).post(f"{url}/submit/").status_code == 403
    response = api_client(electoral).post(f"{url}/submit/")
    assert response.status_code == 200 and response.json()["status"] == Status.SUBMITTED
    assert api_client(electoral).post(f"{url}/approve/").status_code == 403
    response = api_client(hom).post(f"{url}/return/", {"comment": ""}, format="json")
    assert response.status_code == 400
    response = api_client(hom).post(f"{url}/return/", {"comment": "More escorts"}, format="json")
    assert response.json()["status"] == Status.RETURNED and response.json()["decision_comment"] == "More escorts"
    api_client(electoral).post(f"{url}/submit/")
    assert api_client(hom).post(f"{url}/approve/").json()["status"] == Status.APPROVED
    # Frozen: updates refused; a new revision is the way forward.
    patch = api_client(electoral).patch(f"{url}/", {"summary": "x", "version": 99}, format="json")
    assert patch.status_code in (403, 412)
    new = api_client(electoral).post(f"{url}/new-revision/")
    assert new.status_code == 201 and new.json()["revision"] == 2


def test_military_creates_tasks_for_their_component_only(e, military, components):
    client = api_client(military)
    body = {
        "security_plan": e["security"].pk,
        "task_type": "patrol",
        "provider": "mission_military",
        "phase": "polling",
        "start": "2027-03-14T06:00:00Z",
        "end": "2027-03-14T18:00:00Z",
    }
    police = components[Component.Kind.POLICE].pk
    assert client.post(f"{API}/security-tasks/", {**body, "component": police}, format="json").status_code == 403
    mine = components[Component.Kind.MILITARY].pk
    response = client.post(f"{API}/security-tasks/", {**body, "component": mine}, format="json")
    assert response.status_code == 201, response.json()
    outside = {**body, "component": mine, "start": "2027-05-14T06:00:00Z", "end": "2027-05-14T18:00:00Z"}
    response = client.post(f"{API}/security-tasks/", outside, format="json")
    assert response.status_code == 400 and "start" in response.json()["errors"]


def test_incident_in_the_future_is_a_field_error(e, police, district):
    response = api_client(police).post(
        f"{API}/incidents/",
        {
            "election_plan": e["plan"].pk,
            "occurred_at": (timezone.now() + datetime.timedelta(days=1)).isoformat(),
            "district": district.pk,
            "incident_type": "violence",
            "severity": 3,
            "description": "x",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["occurred_at"] == ["An incident cannot be in the future."]


def test_threat_sites_are_written_through_the_service(e, electoral):
    site = e["sites"][1]
    response = api_client(electoral).patch(
        f"{API}/threats/{e['threat'].pk}/",
        {"sites": [site.pk], "likelihood": 5, "impact": 5, "version": e["threat"].version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    site.refresh_from_db()
    assert site.suggested_risk == RiskLevel.CRITICAL


def test_election_plan_create_and_update(electoral, civilaffairs, mission):
    body = {
        "mission": mission.pk,
        "name": "Local elections",
        "election_type": "local",
        "polling_start": "2027-09-01",
        "polling_end": "2027-09-01",
    }
    assert api_client(civilaffairs).post(f"{API}/election-plans/", body, format="json").status_code == 403
    response = api_client(electoral).post(f"{API}/election-plans/", body, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = api_client(electoral).patch(
        f"{API}/election-plans/{pk}/", {"notes": "n"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200 and response.json()["version"] == 2


@pytest.mark.parametrize("size", [5, 200])
def test_lists_run_in_constant_queries(mission, district, electoral, size, django_assert_num_queries):
    e = build_election(mission, district, sites=1)
    PollingSite.objects.bulk_create(
        [PollingSite(security_plan=e["security"], code=f"Q-{i}", name="n", district=district) for i in range(size)]
    )
    for site in list(e["security"].sites.all()[:size]):
        SecurityTaskFactory(security_plan=e["security"], site=site) if site.pk % 7 == 0 else None
    client = api_client(electoral)
    # The first request caches the user's memberships and security grants on the (forced) user object;
    # a real request pays those two queries every time, whatever the size.
    client.get(f"{API}/polling-sites/")
    # The security_plan filter's lookup, the count, the page (district joined, risk and task count annotated).
    with django_assert_num_queries(3):
        assert client.get(f"{API}/polling-sites/?security_plan={e['security'].pk}").status_code == 200
    # Count, page.
    with django_assert_num_queries(2):
        assert client.get(f"{API}/security-tasks/").status_code == 200
    # Count, page, the ids of the threats' sites.
    with django_assert_num_queries(3):
        assert client.get(f"{API}/threats/").status_code == 200
    with django_assert_num_queries(2):
        assert client.get(f"{API}/incidents/").status_code == 200
    # Count, page, phases, benchmark ids.
    with django_assert_num_queries(4):
        assert client.get(f"{API}/election-plans/").status_code == 200
    with django_assert_num_queries(2):
        assert client.get(f"{API}/security-plans/").status_code == 200
    assert SecurityTask.objects.count() >= 1
