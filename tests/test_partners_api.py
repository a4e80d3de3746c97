"""The partners REST resources: scope, the same rules as the pages, versions, filters, partner tokens."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from missions.models import Component
from missions.services import api_token_create
from partners.models import Engagement, FollowUp, Partner
from tests.factories import EngagementFactory, FollowUpFactory, OutputFactory, PartnerFactory

Kind = Component.Kind
TODAY = timezone.localdate()


def api(user=None, token=False):
    client = APIClient()
    if user is not None and token:
        _token, key = api_token_create(user=user, name="script")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    elif user is not None:
        client.force_authenticate(user)
    return client


def new_engagement(mission, components, partners, **extra):
    return {
        "mission": mission.pk,
        "date": TODAY.isoformat(),
        "engagement_type": "meeting",
        "partners": [p.pk for p in partners],
        "component": components[Kind.CIVIL_AFFAIRS].pk,
        "summary": "Talked about the market road",
        **extra,
    }


def test_civil_affairs_logs_an_engagement_with_follow_ups_through_the_api(
    civilaffairs, mission, components, partner_a, partner_b
):
    data = new_engagement(
        mission, components, [partner_a, partner_b],
        new_follow_ups=[{"action": "Send photos", "due_date": "2030-01-01", "partner": partner_a.pk}],
    )  # fmt: skip
    response = api(civilaffairs).post("/api/v1/engagements/", data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert sorted(body["partners"]) == sorted([partner_a.pk, partner_b.pk])
    assert body["follow_ups"][0]["partner"] == partner_a.pk
    assert response["ETag"] == '"1"'


def test_the_api_refuses_support_to_an_unscreened_security_institution(civilaffairs, mission, components):
    army = PartnerFactory(
        mission=mission, name="Army", partner_type=Partner.PartnerType.SECURITY_INSTITUTION,
        screening_status=Partner.Screening.PENDING,
    )  # fmt: skip
    response = api(civilaffairs).post(
        "/api/v1/engagements/", new_engagement(mission, components, [army], engagement_type="qip"), format="json"
    )
    assert response.status_code == 400
    assert "Army" in response.json()["errors"]["partners"][0]


def test_updates_need_the_current_version(civilaffairs, mission, components, partner_a):
    engagement = EngagementFactory(mission=mission, component=components[Kind.CIVIL_AFFAIRS], partners=[partner_a])
    client = api(civilaffairs)
    url = f"/api/v1/engagements/{engagement.pk}/"
    assert client.patch(url, {"summary": "x"}, format="json").status_code == 428
    assert client.patch(url, {"summary": "x"}, format="json", HTTP_IF_MATCH='"7"').status_code == 412
    response = client.patch(url, {"summary": "Updated"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["version"] == 2
    assert list(Engagement.objects.get().partners.all()) == [partner_a]  # PATCH keeps what it omits


def test_staff_of_another_component_may_read_but_not_edit(electoral, mission, components, partner_a):
    engagement = EngagementFactory(mission=mission, component=components[Kind.CIVIL_AFFAIRS], partners=[partner_a])
    client = api(electoral)
    url = f"/api/v1/engagements/{engagement.pk}/"
    assert client.get(url).status_code == 200
    assert client.patch(url, {"summary": "x", "version": 1}, format="json").status_code == 403


def test_a_partner_token_reads_only_its_own_shareable_engagements(partner1, mission, partner_a, partner_b):
    shared = EngagementFactory(mission=mission, partners=[partner_a], shareable=True)
    internal = EngagementFactory(mission=mission, partners=[partner_a], shareable=False)
    other = EngagementFactory(mission=mission, partners=[partner_b], shareable=True)
    client = api(partner1, token=True)
    listing = client.get("/api/v1/engagements/").json()
    assert [row["id"] for row in listing["results"]] == [shared.pk]
    assert "partners" not in listing["results"][0] and "officers" not in listing["results"][0]
    for pk in (internal.pk, other.pk):
        assert client.get(f"/api/v1/engagements/{pk}/").status_code == 404
    assert client.get(f"/api/v1/partners/{partner_b.pk}/").status_code == 404
    me = client.get(f"/api/v1/partners/{partner_a.pk}/").json()
    assert me["name"] == partner_a.name and "screening_status" not in me
    assert [p["id"] for p in client.get("/api/v1/partners/").json()["results"]] == [partner_a.pk]
    assert client.post("/api/v1/engagements/", {"summary": "x"}, format="json").status_code in (400, 403)


def test_a_partner_completes_its_follow_up_through_the_api(partner1, mission, partner_a, partner_b):
    engagement = EngagementFactory(mission=mission, partners=[partner_a, partner_b], shareable=True)
    mine = FollowUpFactory(engagement=engagement, owner=None, partner=partner_a)
    theirs = FollowUpFactory(engagement=engagement, owner=None, partner=partner_b)
    client = api(partner1, token=True)
    assert [f["id"] for f in client.get("/api/v1/follow-ups/").json()["results"]] == [mine.pk]
    assert client.post(f"/api/v1/follow-ups/{theirs.pk}/complete/", {"comment": "x"}).status_code == 404
    response = client.post(f"/api/v1/follow-ups/{mine.pk}/complete/", {"comment": "Done Monday"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert client.post(f"/api/v1/follow-ups/{mine.pk}/complete/", {}).status_code == 403  # already done
    assert FollowUp.objects.get(pk=mine.pk).completion_comment == "Done Monday"


def test_engagement_filters_and_text_search(civilaffairs, mission, components, partner_a, partner_b):
    output = OutputFactory(mission=mission)
    wells = EngagementFactory(mission=mission, partners=[partner_a], summary="Wells for the school")
    wells.outputs.add(output)
    EngagementFactory(mission=mission, partners=[partner_b], summary="Road repairs", date=datetime.date(2026, 1, 1))
    client = api(civilaffairs)

    def ids(**params):
        return [row["id"] for row in client.get("/api/v1/engagements/", params).json()["results"]]

    assert ids(partner=partner_a.pk) == [wells.pk]
    assert ids(output=output.pk) == [wells.pk]
    assert ids(q="wells") == [wells.pk]
    assert ids(date_before="2026-02-01") != [wells.pk] and wells.pk not in ids(date_before="2026-02-01")


def test_partners_are_registered_and_edited_by_partner_keepers_only(civilaffairs, military, mission):
    data = {"mission": mission.pk, "name": "Radio Peace", "partner_type": "media"}
    assert api(military).post("/api/v1/partners/", data, format="json").status_code == 403
    response = api(civilaffairs).post("/api/v1/partners/", data, format="json")
    assert response.status_code == 201
    url = f"/api/v1/partners/{response.json()['id']}/"
    assert api(military).patch(url, {"acronym": "RP", "version": 1}, format="json").status_code == 403
    assert api(civilaffairs).patch(url, {"acronym": "RP", "version": 1}, format="json").json()["acronym"] == "RP"


@pytest.mark.parametrize("role", ["hq", "outsider"])
def test_hq_and_outsiders_see_no_engagement(users, role, mission, partner_a):
    engagement = EngagementFactory(mission=mission, partners=[partner_a], shareable=True)
    client = api(users[role])
    assert client.get("/api/v1/engagements/").json()["results"] == []
    assert client.get(f"/api/v1/engagements/{engagement.pk}/").status_code == 404


def test_a_write_with_too_many_new_follow_ups_is_refused_before_any_is_looked_at(
    civilaffairs, mission, components, partner_a
):
    follow_up = {"action": "Send photos", "due_date": "2030-01-01", "partner": partner_a.pk}
    data = new_engagement(mission, components, [partner_a], new_follow_ups=[follow_up] * 51)
    response = api(civilaffairs).post("/api/v1/engagements/", data, format="json")
    assert response.status_code == 400
    assert "At most 50 items" in str(response.json()["errors"]["new_follow_ups"])
    assert not Engagement.objects.filter(mission=mission).exists()


def test_fifty_new_follow_ups_in_one_write_are_accepted(civilaffairs, mission, components, partner_a):
    follow_up = {"action": "Send photos", "due_date": "2030-01-01", "partner": partner_a.pk}
    data = new_engagement(mission, components, [partner_a], new_follow_ups=[follow_up] * 50)
    response = api(civilaffairs).post("/api/v1/engagements/", data, format="json")
    assert response.status_code == 201, response.json()
    assert FollowUp.objects.filter(engagement_id=response.json()["id"]).count() == 50
