"""Role matrix of the sign-in and security pages and of the audit trail (page and API)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from missions.models import AuditEvent
from missions.services import audit_event_record
from tests.conftest import ROLE_FIXTURES

pytestmark = pytest.mark.django_db

COVERED_URL_NAMES = {
    "two-factor-verify",
    "two-factor-setup",
    "account-security",
    "recovery-codes",
    "two-factor-disable",
    "sign-out-everywhere",
    "audit-events",
    "audit-event-list",
    "audit-event-detail",
}
MAY_TURN_OFF = set(ROLE_FIXTURES) - {"hom", "hq", "outsider"}


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_every_role_opens_its_security_page_and_two_factor_set_up(client, users, role):
    client.force_login(users[role])

    assert client.get(reverse("account-security")).status_code == 200
    assert client.get(reverse("two-factor-setup")).status_code == 200
    # Without an authenticator there is nothing to verify: sent to the set-up.
    assert client.get(reverse("two-factor-verify")).url == reverse("two-factor-setup")
    assert client.post(reverse("recovery-codes")).status_code == 404
    assert client.post(reverse("two-factor-disable")).status_code == (302 if role in MAY_TURN_OFF else 404)
    assert client.post(reverse("sign-out-everywhere")).status_code == 302


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_only_the_hom_reads_the_missions_audit_trail(client, users, role, mission):
    event = audit_event_record(action=AuditEvent.Action.EXPORTED, user=users["civilaffairs"], mission=mission)
    client.force_login(users[role])
    api = APIClient()
    api.force_authenticate(users[role])

    # The outsider is HoM of another mission: their page shows that mission's trail, never this one's.
    assert client.get(reverse("audit-events")).status_code == (200 if role in {"hom", "outsider"} else 404)
    assert api.get(reverse("audit-event-list")).status_code == 200
    assert api.get(reverse("audit-event-detail", args=[event.pk])).status_code == (200 if role == "hom" else 404)


@pytest.mark.parametrize("name", ["account-security", "two-factor-setup", "two-factor-verify", "audit-events"])
def test_pages_need_a_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_audit_api_needs_credentials():
    assert APIClient().get(reverse("audit-event-list")).status_code == 401
