"""A submitted or approved revision refuses changes for its state, and says so (pages and API).

Before the fix, adding a site to a submitted plan answered "Your role in this mission does not allow
this action", which sent electoral officers to ask for a role they already had.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from elections.models import SecurityPlan
from tests.elections_support import build_election

Status = SecurityPlan.Status
LOCKED = "This revision is submitted to the Head of Mission and cannot be edited until it is decided."
FROZEN = "This revision is approved and frozen. To change it, open a new revision from the overview."
ROLE = "Your role in this mission does not allow this action."


@pytest.fixture
def submitted(mission, district):
    return build_election(mission, district, status=Status.SUBMITTED)


@pytest.mark.parametrize("url_name", ["elections:site-create", "elections:threat-create", "elections:leg-create"])
def test_adding_to_a_submitted_plan_says_it_awaits_the_decision(client, electoral, submitted, url_name):
    client.force_login(electoral)
    response = client.get(reverse(url_name, args=[submitted["security"].pk]))
    assert response.status_code == 403
    body = response.content.decode()
    assert LOCKED in body and ROLE not in body


def test_editing_a_site_of_an_approved_plan_says_it_is_frozen(client, electoral, mission, district):
    e = build_election(mission, district, status=Status.APPROVED)
    client.force_login(electoral)
    response = client.get(reverse("elections:site-edit", args=[e["site"].pk]))
    assert response.status_code == 403
    assert FROZEN in response.content.decode()


def test_a_role_refusal_still_names_the_role(client, civilaffairs, military, mission, district):
    e = build_election(mission, district)  # a draft: nothing locked
    client.force_login(military)  # sees the plan, may not add sites
    response = client.get(reverse("elections:site-create", args=[e["security"].pk]))
    assert response.status_code == 403
    assert ROLE in response.content.decode()


def test_api_create_and_update_on_a_submitted_plan_give_the_lock_reason(electoral, submitted, district):
    api = APIClient()
    api.force_authenticate(electoral)
    body = {"security_plan": submitted["security"].pk, "code": "NEW-1", "name": "New", "district": district.pk}
    response = api.post("/api/v1/polling-sites/", body, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == LOCKED
    site = submitted["site"]
    response = api.patch(f"/api/v1/polling-sites/{site.pk}/", {"name": "x", "version": site.version}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == LOCKED
