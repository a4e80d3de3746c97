"""Every list endpoint of the API runs in a constant number of queries, whatever the number of rows.

Generic over the router registry: the same kind of data is built at two sizes (one world, then three), and each
list is requested by several roles at both sizes; the query counts must be equal. The queries themselves are
named in each app's own query-count tests; here only growth is checked, for every resource at once.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api_support import build_world, model_of, resources, rows_in_mission

pytestmark = pytest.mark.django_db

LISTABLE = [r for r in resources() if "list" in r.actions]
# Leadership sees everything; staff, partners and HQ go through the narrower access rules.
ROLES = ["hom", "civilaffairs", "electoral", "partner1", "hq"]


def _count(user_pk, url) -> tuple[int, int]:
    # A fresh user object each time: access.py caches memberships on it, and a warm cache would hide a query.
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=user_pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 500})
    assert response.status_code in (200, 403, 404), (url, response.status_code, response.content[:300])
    body = response.json() if response.status_code == 200 else {}
    rows = body.get("count", len(body)) if isinstance(body, dict) else len(body)
    return len(queries), rows


def test_every_list_endpoint_runs_in_constant_queries_at_two_sizes(world):
    users = world["users"]
    for res in LISTABLE:
        for role in ROLES:
            _count(users[role].pk, res.list_url())  # warm-up: content types and other process caches
    small = {(res.prefix, role): _count(users[role].pk, res.list_url()) for res in LISTABLE for role in ROLES}

    for _ in range(2):
        build_world(world["mission"], partner_a=world["here"]["partner_a"])
    large = {(res.prefix, role): _count(users[role].pk, res.list_url()) for res in LISTABLE for role in ROLES}

    grew = {key: (small[key][0], large[key][0]) for key in small if small[key][0] != large[key][0]}
    assert grew == {}, "query count (small, large) by (resource, role)"
    # The data did grow where the role sees it, so the equal counts mean something.
    for res in LISTABLE:
        if rows_in_mission(model_of(res), world["mission"]) and res.prefix not in {"missions", "components"}:
            assert large[(res.prefix, "hom")][1] > small[(res.prefix, "hom")][1], res.prefix
    assert large[("engagements", "partner1")][1] > small[("engagements", "partner1")][1]
