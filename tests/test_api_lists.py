"""Every list endpoint: pagination with a cap, every declared ordering in both directions, bad filter values 400.
And every serializer that takes input refuses unknown fields. Generic over the router registry."""

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from config.rest import Pagination
from mandate.api import StrictFieldsMixin
from tests.api_support import resources

pytestmark = pytest.mark.django_db

LISTABLE = [r for r in resources() if "list" in r.actions]


@pytest.fixture
def hom(world):
    client = APIClient()
    client.force_authenticate(world["users"]["hom"])
    return client


def test_every_list_is_paginated_with_the_project_paginator(world, hom):
    problems = []
    for res in LISTABLE:
        body = hom.get(res.list_url(), {"page_size": 1}).json()
        if not isinstance(body, dict) or set(body) != {"count", "next", "previous", "results"}:
            problems.append((res.prefix, "not paginated"))
        elif len(body["results"]) > 1 or (body["count"] > 1 and not body["next"]):
            problems.append((res.prefix, "page_size ignored"))
    assert problems == []
    assert Pagination.page_size == 50 and Pagination.max_page_size == 500


def test_every_declared_ordering_works_both_ways_on_the_same_rows(world, hom):
    problems = []
    for res in LISTABLE:
        fields = getattr(res.viewset, "ordering_fields", None)
        if not isinstance(fields, list | tuple):
            continue
        everything = {row["id"] for row in hom.get(res.list_url(), {"page_size": 500}).json()["results"]}
        for field in fields:
            for ordering in (field, f"-{field}"):
                response = hom.get(res.list_url(), {"page_size": 500, "ordering": ordering})
                if response.status_code != 200:
                    problems.append((res.prefix, ordering, response.status_code))
                elif {row["id"] for row in response.json()["results"]} != everything:
                    problems.append((res.prefix, ordering, "other rows"))
    assert problems == []


def test_an_unknown_ordering_is_ignored_not_an_error(world, hom):
    statuses = {res.prefix: hom.get(res.list_url(), {"ordering": "-no_such_field,__proto__"}).status_code
                for res in LISTABLE}  # fmt: skip

    assert set(statuses.values()) == {200}


def test_bad_filter_values_are_400_in_the_error_shape(world, hom):
    problems = []
    for res in LISTABLE:
        filterset = getattr(res.viewset, "filterset_class", None)
        names = list(filterset.base_filters) if filterset else list(getattr(res.viewset, "filterset_fields", []) or [])
        for name in names:
            response = hom.get(res.list_url(), {name: "not-a-valid-value-\u00e9\u0000"})
            if response.status_code not in (200, 400):
                problems.append((res.prefix, name, response.status_code))
            elif response.status_code == 400 and set(response.json()) != {"detail", "errors"}:
                problems.append((res.prefix, name, "error shape"))
    assert problems == []


def _serializer_classes(res):
    """The serializer class of each write action of a resource, as the viewset picks it."""
    classes = {}
    for action in ("create", "update", "partial_update"):
        if action not in res.actions:
            continue
        request = Request(APIRequestFactory().post(res.list_url()))
        request.user = AnonymousUser()
        view = res.viewset(request=request, action=action, kwargs={}, format_kwarg=None)
        classes[action] = view.get_serializer_class()
    return classes


def test_every_write_serializer_refuses_unknown_fields():
    lax = [
        (res.prefix, action, cls.__name__)
        for res in resources()
        for action, cls in _serializer_classes(res).items()
        if not issubclass(cls, StrictFieldsMixin)
    ]

    assert lax == [], "base these serializers on mandate.api.StrictModelSerializer (or StrictFieldsMixin)"
