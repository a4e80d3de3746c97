"""Role matrix of the missions pages: home, mission switch, API tokens, health check.

The missions API resources (missions, components, locations) are walked by tests/test_api_role_matrix.py.
"""

import pytest
from django.urls import reverse

from missions.services import api_token_create
from tests.conftest import ROLE_FIXTURES
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

COVERED_URL_NAMES = {"home", "switch-mission", "tokens", "token-revoke", "healthz", "language-set"}


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_every_role_opens_home_and_its_tokens_page(client, users, role):
    client.force_login(users[role])

    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("tokens")).status_code == 200


@pytest.mark.parametrize("name", ["home", "tokens"])
def test_pages_need_a_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_home_page_links_the_tokens_page(client, civilaffairs):
    client.force_login(civilaffairs)

    assert reverse("tokens") in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_every_role_revokes_only_its_own_tokens(client, users, role):
    mine, _ = api_token_create(user=users[role], name="mine")
    other_role = "hom" if role != "hom" else "mlt"
    theirs, _ = api_token_create(user=users[other_role], name="theirs")
    client.force_login(users[role])

    assert client.post(reverse("token-revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("token-revoke", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_every_role_switches_only_to_its_own_missions(client, users, role, mission, other_mission):
    user = users[role]
    own = other_mission if role == "outsider" else mission
    foreign = mission if role == "outsider" else other_mission
    client.force_login(user)

    assert client.post(reverse("switch-mission"), {"mission": own.pk}).status_code == 302
    assert client.session["mission_id"] == own.pk
    assert client.post(reverse("switch-mission"), {"mission": foreign.pk}).status_code == 404
    assert client.post(reverse("switch-mission"), {"mission": "x"}).status_code == 404
    assert client.get(reverse("switch-mission")).status_code == 405


def test_a_member_of_two_missions_switches_between_them(client, hom, mission, other_mission):
    MembershipFactory(user=hom, mission=other_mission, role="mlt")
    client.force_login(hom)

    client.post(reverse("switch-mission"), {"mission": other_mission.pk})

    assert client.get(reverse("home")).context["mission"] == other_mission


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_every_role_chooses_its_own_language(client, users, role):
    client.force_login(users[role])

    response = client.post(reverse("language-set"), {"language": "fr", "next": reverse("home")})

    assert response.status_code == 302
    assert users[role].profile.language == "fr"
    assert '<html lang="fr">' in client.get(reverse("home")).content.decode()


def test_switching_mission_needs_a_login(client, mission):
    assert client.post(reverse("switch-mission"), {"mission": mission.pk}).status_code == 302


def test_healthz_is_open_and_answers_json(client, db):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["checks"]["database"]["ok"] is True
