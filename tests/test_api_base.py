"""What every API resource gets from mandate.api and config.rest, shown on the missions resources:
scoping (404), object permissions (403), versions (ETag, 428, 412), strict input (400), one error shape,
pagination and ordering, the schema and the offline docs."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient, APIRequestFactory

from config.rest import OrderingFilter, Pagination
from mandate.api import LocationSerializer, MissionSerializer, ScopedViewSet
from missions.models import Location, Mission
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def login(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return login


def _url(mission):
    return f"/api/v1/missions/{mission.pk}/"


def _assert_error_shape(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) - {"current_version"} == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body["errors"].values())
    return body


# --- scope and permissions --------------------------------------------------------------------------


def test_list_shows_only_the_missions_i_belong_to(api, hom, mission, other_mission):
    response = api(hom).get("/api/v1/missions/")

    assert response.status_code == 200
    assert [m["id"] for m in response.json()["results"]] == [mission.pk]


def test_a_mission_i_do_not_belong_to_is_404_not_403(api, hom, other_mission):
    _assert_error_shape(api(hom).get(_url(other_mission)), 404)
    _assert_error_shape(api(hom).patch(_url(other_mission), {"name": "x"}, HTTP_IF_MATCH='"1"'), 404)


def test_a_visible_mission_that_my_role_may_not_edit_is_403_and_unchanged(api, mlt, mission):
    response = api(mlt).patch(_url(mission), {"name": "Renamed"}, HTTP_IF_MATCH='"1"')

    _assert_error_shape(response, 403)
    mission.refresh_from_db()
    assert mission.name == "Test Mission in Testland" and mission.version == 1


def test_without_credentials_the_api_answers_401(mission):
    response = APIClient().get("/api/v1/missions/")

    _assert_error_shape(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


# --- versions -----------------------------------------------------------------------------------


def test_retrieve_sends_the_version_as_etag(api, hom, mission):
    response = api(hom).get(_url(mission))

    assert response.headers["ETag"] == '"1"'
    assert response.json()["version"] == 1


def test_update_without_a_version_is_428_and_changes_nothing(api, hom, mission):
    body = _assert_error_shape(api(hom).patch(_url(mission), {"name": "Renamed"}), 428)

    assert "If-Match" in body["detail"]
    mission.refresh_from_db()
    assert mission.name == "Test Mission in Testland"


@pytest.mark.parametrize("how", ["if-match", "weak-etag", "field"])
def test_update_with_the_current_version_saves_bumps_it_and_records_history(api, hom, mission, how):
    headers = {"if-match": {"HTTP_IF_MATCH": '"1"'}, "weak-etag": {"HTTP_IF_MATCH": 'W/"1"'}, "field": {}}[how]
    data = {"name": "Renamed", **({"version": 1} if how == "field" else {})}

    response = api(hom).patch(_url(mission), data, **headers)

    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert response.headers["ETag"] == '"2"'
    mission.refresh_from_db()
    assert (mission.name, mission.version) == ("Renamed", 2)
    latest = mission.history.latest()
    assert latest.history_user == hom and latest.name == "Renamed"


def test_a_stale_update_is_412_shows_the_current_version_and_changes_nothing(api, hom, mission):
    client = api(hom)
    assert client.patch(_url(mission), {"name": "First edit"}, HTTP_IF_MATCH='"1"').status_code == 200

    response = client.patch(_url(mission), {"host_country": "Elsewhere"}, HTTP_IF_MATCH='"1"')

    body = _assert_error_shape(response, 412)
    assert body["current_version"] == 2
    assert response.headers["ETag"] == '"2"'
    mission.refresh_from_db()
    assert (mission.host_country, mission.version) == ("Testland", 2)


def test_a_stale_update_is_refused_before_its_body_is_validated(api, hom, mission):
    Mission.objects.filter(pk=mission.pk).update(version=5)

    response = api(hom).put(_url(mission), {"start_date": "not a date"}, HTTP_IF_MATCH='"4"')

    _assert_error_shape(response, 412)


@pytest.mark.parametrize("value", ['"abc"', '"-1"', '"99999999999999999999"', '"1.5"'])
def test_a_version_that_is_not_a_whole_number_is_400_on_version(api, hom, mission, value):
    body = _assert_error_shape(api(hom).patch(_url(mission), {"name": "x"}, HTTP_IF_MATCH=value), 400)

    assert "version" in body["errors"]


def test_if_match_star_does_not_allow_a_blind_overwrite(api, hom, mission):
    _assert_error_shape(api(hom).patch(_url(mission), {"name": "x"}, HTTP_IF_MATCH="*"), 428)


def test_put_replaces_the_editable_fields(api, hom, mission):
    data = {
        "name": "New name",
        "host_country": "Newland",
        "mandate_references": "S/RES/9999 (2026)",
        "start_date": "2025-02-01",
        "end_date": "2027-12-31",
        "version": 1,
    }

    response = api(hom).put(_url(mission), data)

    assert response.status_code == 200, response.content
    mission.refresh_from_db()
    assert mission.end_date == datetime.date(2027, 12, 31) and mission.host_country == "Newland"


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"bogus": 1}, "bogus"),
        ({"acronym_typo": "X", "name": "ok"}, "acronym_typo"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"start_date": 20260101}, "start_date"),
        ({"name": ["a list"]}, "name"),
        ({"name": "x" * 10_000}, "name"),
        ({"mandate_references": "x" * 100_000}, "mandate_references"),
        ({"end_date": "2020-01-01"}, "end_date"),
        ({"name": ""}, "name"),
        ({"name": "nul\x00byte"}, "name"),
    ],
)
def test_bad_input_is_400_with_field_errors(api, hom, mission, data, field):
    body = _assert_error_shape(api(hom).patch(_url(mission), data, HTTP_IF_MATCH='"1"'), 400)

    assert field in body["errors"]
    mission.refresh_from_db()
    assert mission.version == 1


def test_unknown_fields_are_reported_along_with_invalid_ones(api, hom, mission):
    body = _assert_error_shape(api(hom).patch(_url(mission), {"bogus": 1, "start_date": "x"}, HTTP_IF_MATCH='"1"'), 400)

    assert set(body["errors"]) == {"bogus", "start_date"}


def test_read_only_fields_sent_back_are_ignored_not_refused(api, hom, mission):
    client = api(hom)
    current = client.get(_url(mission)).json()

    response = client.put(_url(mission), {**current, "acronym": "CHANGED", "name": "Renamed"})

    assert response.status_code == 200, response.content
    mission.refresh_from_db()
    assert (mission.acronym, mission.name) == ("TMT", "Renamed")


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ('["a", "list"]', "application/json", 400),
        ("name=x", "text/plain", 415),
    ],
)
def test_malformed_bodies_get_the_error_shape(api, hom, mission, body, content_type, status):
    response = api(hom).generic("PATCH", _url(mission), body, content_type=content_type, HTTP_IF_MATCH='"1"')

    _assert_error_shape(response, status)


def test_method_not_allowed_and_unknown_api_urls_use_the_error_shape(api, hom, mission):
    _assert_error_shape(api(hom).delete(_url(mission)), 405)
    _assert_error_shape(api(hom).get("/api/v1/no-such-resource/"), 404)
    _assert_error_shape(api(hom).get("/api/v1/missions/not-a-number/"), 404)


def test_related_ids_of_another_mission_are_refused_like_missing_ones(hom, mission, other_mission):
    foreign = LocationFactory(mission=other_mission)
    request = APIRequestFactory().post("/")
    request.user = hom
    data = {"mission": mission.pk, "name": "Camp", "level": Location.Level.SITE, "parent": foreign.pk}

    serializer = LocationSerializer(data=data, context={"request": request})

    assert not serializer.is_valid()
    assert set(serializer.errors) == {"parent"}
    assert "does not exist" in str(serializer.errors["parent"][0])
    own = LocationFactory(mission=mission)
    assert LocationSerializer(data={**data, "parent": own.pk}, context={"request": request}).is_valid()


# --- lists: filtering, ordering, pagination ----------------------------------------------------------


def test_locations_filter_order_and_paginate(api, hom, mission, other_mission):
    for name in ["Charlie", "Alpha", "Bravo"]:
        LocationFactory(mission=mission, name=name)
    LocationFactory(mission=other_mission, name="Elsewhere")
    client = api(hom)

    first = client.get("/api/v1/locations/", {"ordering": "-name", "page_size": 2}).json()
    second = client.get("/api/v1/locations/", {"ordering": "-name", "page_size": 2, "page": 2}).json()

    assert first["count"] == 3
    assert [r["name"] for r in first["results"] + second["results"]] == ["Charlie", "Bravo", "Alpha"]
    assert first["next"] and second["next"] is None
    assert client.get("/api/v1/locations/", {"level": "region"}).json()["count"] == 0
    _assert_error_shape(client.get("/api/v1/locations/", {"level": "planet"}), 400)
    _assert_error_shape(client.get("/api/v1/locations/", {"page": 99}), 404)
    assert client.get("/api/v1/locations/", {"ordering": "no_such_field"}).status_code == 200


def test_page_size_defaults_to_50_and_is_capped_at_500():
    factory = APIRequestFactory()
    paginator = Pagination()

    assert paginator.get_page_size(_drf_request(factory.get("/"))) == 50
    assert paginator.get_page_size(_drf_request(factory.get("/", {"page_size": 100_000}))) == 500


def _drf_request(request):
    from rest_framework.request import Request

    return Request(request)


def test_default_ordering_fields_leave_out_computed_ones(hom):
    class View(ScopedViewSet):
        queryset = Mission.objects.all()
        serializer_class = MissionSerializer

    request = _drf_request(APIRequestFactory().get("/"))
    request.user = hom
    view = View(request=request, format_kwarg=None)

    names = {name for name, _label in OrderingFilter().get_default_valid_fields(Mission.objects.all(), view, {})}

    assert {"name", "acronym", "start_date"} <= names
    assert "role" not in names


# --- schema and docs ----------------------------------------------------------------------------


def test_the_schema_validates_without_warnings():
    out = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)

    assert "/api/v1/missions/{id}/" in out.getvalue()


def test_the_schema_documents_versions_and_errors(client, hom):
    client.force_login(hom)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    patch = schema["paths"]["/api/v1/missions/{id}/"]["patch"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
    assert {"400", "401", "403", "404", "412", "428"} <= set(patch["responses"])
    retrieve = schema["paths"]["/api/v1/missions/{id}/"]["get"]
    assert "ETag" in retrieve["responses"]["200"]["headers"]
    assert set(schema["components"]["schemas"]["Error"]["properties"]) >= {"detail", "errors"}
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["tokenAuth"]["description"],
    }


def test_the_docs_page_references_no_external_host_and_its_assets_are_served(settings, hom):
    settings.WHITENOISE_USE_FINDERS = True  # in production collectstatic copies the sidecar assets
    client = Client()
    client.force_login(hom)

    html = client.get("/api/docs/").content.decode()

    assert not re.search(r"(?:src|href)=[\"'](?:https?:)?//", html)
    # The start-up script is served by the docs view itself (`?script`), not inline, for the CSP.
    script = client.get("/api/docs/?script=").content.decode()
    assert "validatorUrl" in script and '"validatorUrl": null' in script
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert any("swagger-ui-bundle.js" in a for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert b"".join(response.streaming_content) if response.streaming else response.content


# --- the error handler --------------------------------------------------------------------------


def test_nested_field_errors_are_flattened_to_dotted_names():
    from rest_framework.exceptions import ValidationError

    from config.rest import exception_handler

    exc = ValidationError({"partners": {0: ["Invalid pk."]}, "new_follow_ups": [{}, {"due_date": ["Bad date."]}]})

    response = exception_handler(exc, {})

    assert response.status_code == 400
    assert response.data == {
        "detail": "Invalid input.",
        "errors": {"partners.0": ["Invalid pk."], "new_follow_ups.1.due_date": ["Bad date."]},
    }


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        ("integrity", 409),
        ("data", 400),
        ("django-validation", 400),
        ("django-permission", 403),
    ],
)
def test_database_and_django_errors_become_api_errors_not_500(exc, status):
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import DataError, IntegrityError

    from config.rest import exception_handler

    error = {
        "integrity": IntegrityError("duplicate key value violates unique constraint"),
        "data": DataError("value too long for type character varying(200)"),
        "django-validation": ValidationError({"end_date": ["Before the start."]}),
        "django-permission": PermissionDenied(),
    }[exc]

    response = exception_handler(error, {})

    assert response.status_code == status
    assert set(response.data) == {"detail", "errors"}
    assert "duplicate key" not in response.data["detail"]  # database messages are not shown to clients


def test_the_browsable_api_renders_for_a_signed_in_user(client, hom, mission):
    client.force_login(hom)

    listing = client.get("/api/v1/missions/", HTTP_ACCEPT="text/html")
    detail = client.get(_url(mission), HTTP_ACCEPT="text/html")

    assert listing.status_code == 200 and detail.status_code == 200
    html = detail.content.decode()
    assert mission.acronym in html
    # Its scripts and stylesheets are vendored in DRF (its navbar links to DRF's site: a link, not an asset).
    assert not re.search(r"src=[\"'](?:https?:)?//", html)
    assert not re.search(r"<link[^>]+href=[\"'](?:https?:)?//", html)
