"""Role matrix of the missions pages: home, mission switch, API tokens, health check, the gazetteer.

The missions API resources (missions, components, locations) are walked by tests/test_api_role_matrix.py;
the locations' import action is walked here, with the gazetteer page.
"""

import pytest
from django.urls import reverse

from missions.services import api_token_create
from tests.conftest import ROLE_FIXTURES
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

COVERED_URL_NAMES = {
    "home", "switch-mission", "tokens", "token-revoke", "healthz", "language-set", "gazetteer", "location-import",
    "location-import-status", "favicon",
}  # fmt: skip
GAZETTEER_KEEPERS = {"hom", "mlt"}
GAZETTEER_CSV = "admin1Name_en,admin1Pcode,admin2Name_en,admin2Pcode\nKalo,XX01,Bamba,XX0101\n"


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


@pytest.mark.parametrize("role", [None, *ROLE_FIXTURES])
def test_favicon_ico_answers_for_everyone_with_the_house_icon(client, users, role):
    """Failing-first: /favicon.ico, which browsers and feed readers ask for whatever the page links, was a 404."""
    if role:
        client.force_login(users[role])  # the HoM and HQ owe a second factor here: the icon is open anyway

    response = client.get("/favicon.ico")

    assert response.status_code == 302  # not cached for good: the hashed name changes with the icon
    icon = client.get(response.url)
    assert icon.status_code == 200 and b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO


def test_every_page_links_both_icons(client):
    body = client.get(reverse("login")).content.decode()

    assert 'rel="icon" href="/static/img/favicon.ico" sizes="any"' in body
    assert 'href="/static/img/favicon.svg" type="image/svg+xml"' in body


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_the_gazetteer_page_opens_to_the_hom_and_the_mlt_only(client, users, role, mission):
    from tests.factories import LocationFactory

    LocationFactory(mission=mission, name="Kalo", level="region", pcode="XX01")
    client.force_login(users[role])

    response = client.get(reverse("gazetteer"))
    home = client.get(reverse("home")).content.decode()

    if role == "outsider":
        # The HoM of another mission manages that mission's gazetteer, never this one's.
        assert response.status_code == 200 and "XX01" not in response.content.decode()
    else:
        assert response.status_code == (200 if role in GAZETTEER_KEEPERS else 404)
    assert (reverse("gazetteer") in home) == (role in GAZETTEER_KEEPERS | {"outsider"})


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_the_api_import_of_areas_is_scoped_like_the_page(client, users, role, mission):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(users[role])

    response = client.post(
        reverse("location-import"),
        {"mission": mission.pk, "file": SimpleUploadedFile("adm.csv", GAZETTEER_CSV.encode()), "dry_run": "true"},
    )

    if role in GAZETTEER_KEEPERS:
        assert response.status_code == 200
    else:
        # A mission id in a body that the user may not manage is answered like an unknown id.
        unknown = client.post(
            reverse("location-import"),
            {"mission": 999999, "file": SimpleUploadedFile("adm.csv", GAZETTEER_CSV.encode()), "dry_run": "true"},
        )
        assert response.status_code == unknown.status_code == 400
        assert list(response.json()["errors"]) == ["mission"]
        assert response.json()["errors"]["mission"] == [
            message.replace("999999", str(mission.pk)) for message in unknown.json()["errors"]["mission"]
        ]


def test_a_member_granted_the_gazetteer_permission_opens_the_page_and_imports(client, electoral, mission):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from guardian.shortcuts import assign_perm

    client.force_login(electoral)
    assert client.get(reverse("gazetteer")).status_code == 404

    assign_perm("missions.gazetteer", electoral, mission)

    assert client.get(reverse("gazetteer")).status_code == 200
    response = client.post(
        reverse("location-import"),
        {"mission": mission.pk, "file": SimpleUploadedFile("adm.csv", GAZETTEER_CSV.encode())},
    )
    assert response.status_code == 200 and response.json()["created"] == 2


def test_the_gazetteer_page_and_its_import_need_a_login(client, mission):
    assert client.get(reverse("gazetteer")).status_code == 302
    assert client.post(reverse("location-import"), {"mission": mission.pk}).status_code in {401, 403}


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_a_large_gazetteer_import_is_started_by_its_keepers_and_its_status_is_the_uploaders_only(
    client, users, role, mission, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from missions.models import ImportJob

    settings.GAZETTEER_API_SYNC_MAX_BYTES = 10  # this table counts as large: it runs on the pipeline
    client.force_login(users[role])

    response = client.post(
        reverse("location-import"),
        {"mission": mission.pk, "file": SimpleUploadedFile("adm.csv", GAZETTEER_CSV.encode())},
    )

    assert response.status_code == (202 if role in GAZETTEER_KEEPERS else 400), response.content
    if role in GAZETTEER_KEEPERS:
        job = ImportJob.objects.get(pk=response.json()["job"], user=users[role])
        status_url = reverse("location-import-status", args=[job.pk])
        assert client.get(status_url).status_code == 200
        for other in ROLE_FIXTURES:
            if other != role:
                client.force_login(users[other])
                assert client.get(status_url).status_code == 404, other
