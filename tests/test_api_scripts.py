"""The issue's "done when", as a script would do it: real HTTP to a running server, a token in the header.

- With a token of `civilaffairs`, a script creates an engagement and reads it back.
- With the token of `partner1`, it reads its own shareable engagements and nothing of `partner2`.
"""

import pytest
import requests

from missions.services import api_token_create
from tests.factories import EngagementFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _session(user) -> requests.Session:
    _token, key = api_token_create(user=user, name="script")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    return session


def test_a_civil_affairs_script_creates_an_engagement_and_reads_it_back(
    live_server, civilaffairs, mission, components, partner_a
):
    api = f"{live_server.url}/api/v1"
    session = _session(civilaffairs)
    new = {
        "mission": mission.pk,
        "date": "2026-05-12",
        "engagement_type": "meeting",
        "partners": [partner_a.pk],
        "component": components["civil_affairs"].pk,
        "participants_women": 12,
        "participants_men": 9,
        "summary": "Consultation with the women's network on local peace committees.",
        "shareable": True,
    }

    created = session.post(f"{api}/engagements/", json=new, timeout=10)

    assert created.status_code == 201, created.text
    engagement_id = created.json()["id"]
    read = session.get(f"{api}/engagements/{engagement_id}/", timeout=10)
    assert read.status_code == 200
    assert read.headers["ETag"] == '"1"'
    body = read.json()
    assert {key: body[key] for key in new} == new
    listed = session.get(f"{api}/engagements/", params={"partner": partner_a.pk}, timeout=10).json()
    assert engagement_id in [row["id"] for row in listed["results"]]


def test_a_partner_script_reads_its_shareable_engagements_and_nothing_of_another_partner(
    live_server, partner1, mission, components, partner_a, partner_b
):
    civil_affairs = components["civil_affairs"]
    shared_with_a = EngagementFactory(mission=mission, component=civil_affairs, partners=[partner_a], shareable=True)
    EngagementFactory(mission=mission, component=civil_affairs, partners=[partner_a], shareable=False)
    shared_with_b = EngagementFactory(mission=mission, component=civil_affairs, partners=[partner_b], shareable=True)
    api = f"{live_server.url}/api/v1"
    session = _session(partner1)

    listed = session.get(f"{api}/engagements/", timeout=10)

    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [shared_with_a.pk]
    assert session.get(f"{api}/engagements/{shared_with_a.pk}/", timeout=10).status_code == 200
    other = session.get(f"{api}/engagements/{shared_with_b.pk}/", timeout=10)
    assert other.status_code == 404
    assert other.json() == {"detail": "Not found.", "errors": {}}
    partners = session.get(f"{api}/partners/", timeout=10).json()["results"]
    assert [row["id"] for row in partners] == [partner_a.pk]
    assert session.get(f"{api}/partners/{partner_b.pk}/", timeout=10).status_code == 404


def test_a_script_without_a_token_is_refused(live_server, mission):
    response = requests.get(f"{live_server.url}/api/v1/engagements/", timeout=10)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
