"""Finding rows in long lists: security tasks by provider and component (page and API), and engagements
by the partner acronyms the log shows.

Failing-first: before the fix the tasks page had only a phase filter (police's 13 tasks sat on page 2
of 87), and searching the engagement log for an acronym it displays found nothing.
"""

from django.urls import reverse
from rest_framework.test import APIClient

from missions.models import Component
from tests.elections_support import build_election
from tests.factories import EngagementFactory, PartnerFactory, SecurityTaskFactory

Kind = Component.Kind


def _task_ids(response) -> set[int]:
    return {t.pk for t in response.context["page"]}


def test_tasks_page_filters_by_provider_and_component(client, electoral, mission, district, components):
    e = build_election(mission, district)
    police = SecurityTaskFactory(
        security_plan=e["security"], provider="mission_police", component=components[Kind.POLICE]
    )
    army = SecurityTaskFactory(
        security_plan=e["security"], provider="national_army", component=components[Kind.MILITARY]
    )
    client.force_login(electoral)
    url = reverse("elections:task-list", args=[e["security"].pk])
    assert _task_ids(client.get(url, {"provider": "national_army"})) == {army.pk}
    by_component = client.get(url, {"component": components[Kind.POLICE].pk})
    assert _task_ids(by_component) == {police.pk}
    assert 'name="component"' in by_component.content.decode()
    # An unknown value is ignored rather than an error.
    assert client.get(url, {"provider": "nonsense"}).status_code == 200


def test_security_tasks_api_filters_by_provider_and_component(electoral, mission, district, components):
    e = build_election(mission, district)
    police = SecurityTaskFactory(
        security_plan=e["security"], provider="mission_police", component=components[Kind.POLICE]
    )
    SecurityTaskFactory(security_plan=e["security"], provider="national_army", component=components[Kind.MILITARY])
    api = APIClient()
    api.force_authenticate(electoral)
    rows = api.get("/api/v1/security-tasks/", {"component": components[Kind.POLICE].pk}).json()["results"]
    assert [r["id"] for r in rows] == [police.pk]
    rows = api.get("/api/v1/security-tasks/", {"provider": "national_army"}).json()["results"]
    assert {r["provider"] for r in rows} == {"national_army"}


def test_engagement_search_matches_the_partner_acronym_the_log_shows(client, civilaffairs, mission, components):
    wpn = PartnerFactory(mission=mission, name="Women's Peace Network", acronym="WPN")
    other = PartnerFactory(mission=mission, name="Youth Forum", acronym="YF")
    theirs = EngagementFactory(mission=mission, partners=[wpn], summary="Quarterly meeting")
    EngagementFactory(mission=mission, partners=[other], summary="Quarterly meeting")
    client.force_login(civilaffairs)
    response = client.get(reverse("partners:engagement-list"), {"q": "wpn"})
    assert [e.pk for e in response.context["page"].rows] == [theirs.pk]
    api = APIClient()
    api.force_authenticate(civilaffairs)
    assert [r["id"] for r in api.get("/api/v1/engagements/", {"q": "WPN"}).json()["results"]] == [theirs.pk]
    # Text search still works, and a partner's name finds it too.
    assert api.get("/api/v1/engagements/", {"q": "quarterly"}).json()["count"] == 2
    assert [r["id"] for r in api.get("/api/v1/engagements/", {"q": "peace network"}).json()["results"]] == [theirs.pk]
