"""API tokens: created and revoked by their owner on the tokens page, stored hashed, shown once."""

import hashlib

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from missions.models import ApiToken
from missions.services import MAX_ACTIVE_TOKENS, api_token_create

pytestmark = pytest.mark.django_db


def _bearer(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_creating_a_token_shows_the_key_once_and_stores_only_its_hash(client, civilaffairs):
    client.force_login(civilaffairs)

    response = client.post(reverse("tokens"), {"name": "HQ sync"})

    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith("mdt_") and len(key) > 40
    assert key in response.content.decode()
    token = ApiToken.objects.get(user=civilaffairs)
    assert token.name == "HQ sync"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.key_hash, token.key_prefix}
    # Listed afterwards without the key.
    page = client.get(reverse("tokens")).content.decode()
    assert "HQ sync" in page and key not in page and token.key_prefix in page


def test_token_name_is_required(client, civilaffairs):
    client.force_login(civilaffairs)

    response = client.post(reverse("tokens"), {"name": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_a_user_cannot_hold_more_than_the_maximum_of_active_tokens(client, civilaffairs):
    for n in range(MAX_ACTIVE_TOKENS):
        api_token_create(user=civilaffairs, name=f"script {n}")
    client.force_login(civilaffairs)

    response = client.post(reverse("tokens"), {"name": "one too many"})

    assert response.context["new_key"] is None
    assert response.context["form"].non_field_errors()
    assert ApiToken.objects.filter(user=civilaffairs).count() == MAX_ACTIVE_TOKENS


def test_the_token_authenticates_api_requests_as_its_user_and_notes_last_use(civilaffairs, mission):
    token, key = api_token_create(user=civilaffairs, name="script")

    response = _bearer(key).get("/api/v1/missions/")

    assert response.status_code == 200
    assert [m["acronym"] for m in response.json()["results"]] == [mission.acronym]
    assert response.json()["results"][0]["role"] == "staff"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_legacy_token_keyword_is_accepted_too(civilaffairs):
    _token, key = api_token_create(user=civilaffairs, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.get("/api/v1/missions/").status_code == 200


def test_a_revoked_token_is_refused_with_401(client, civilaffairs):
    token, key = api_token_create(user=civilaffairs, name="script")
    client.force_login(civilaffairs)

    response = client.post(reverse("token-revoke", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = _bearer(key).get("/api/v1/missions/")
    assert api.status_code == 401
    assert api.json() == {"detail": "Invalid or revoked token.", "errors": {}}


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer mdt_wrong", "Bearer " + "x" * 500])
def test_malformed_or_unknown_tokens_are_401(civilaffairs, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/missions/")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert set(response.json()) == {"detail", "errors"}


def test_a_token_of_a_deactivated_user_is_refused(civilaffairs):
    _token, key = api_token_create(user=civilaffairs, name="script")
    civilaffairs.is_active = False
    civilaffairs.save(update_fields=["is_active"])

    assert _bearer(key).get("/api/v1/missions/").status_code == 401


def test_nobody_can_revoke_someone_elses_token(client, civilaffairs, hom):
    token, key = api_token_create(user=civilaffairs, name="script")
    client.force_login(hom)

    response = client.post(reverse("token-revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert _bearer(key).get("/api/v1/missions/").status_code == 200


def test_the_tokens_page_lists_only_my_tokens(client, civilaffairs, hom):
    api_token_create(user=civilaffairs, name="civil affairs script")
    api_token_create(user=hom, name="front office script")
    client.force_login(hom)

    response = client.get(reverse("tokens"))

    assert [t.name for t in response.context["tokens"]] == ["front office script"]


def test_token_pages_need_a_login_and_revoking_needs_post(client, civilaffairs):
    token, _key = api_token_create(user=civilaffairs, name="script")

    assert client.get(reverse("tokens")).status_code == 302
    assert client.post(reverse("token-revoke", args=[token.pk])).status_code == 302
    client.force_login(civilaffairs)
    assert client.get(reverse("token-revoke", args=[token.pk])).status_code == 405


def test_token_requests_are_throttled_per_token_with_the_error_shape(settings, civilaffairs):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token_burst": "3/minute", "token_sustained": "100/hour"},
    }
    _token, key = api_token_create(user=civilaffairs, name="script")
    _other, other_key = api_token_create(user=civilaffairs, name="other script")
    client = _bearer(key)

    statuses = [client.get("/api/v1/missions/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/missions/")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert set(response.json()) == {"detail", "errors"}
    assert _bearer(other_key).get("/api/v1/missions/").status_code == 200
    cache.clear()


def test_session_users_are_not_throttled(settings, civilaffairs):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token_burst": "1/minute", "token_sustained": "1/hour"},
    }
    client = APIClient()
    client.force_login(civilaffairs)

    assert {client.get("/api/v1/missions/").status_code for _ in range(3)} == {200}
    cache.clear()
