"""Role matrix of the notification pages and API: every role sees and marks only its own notifications,
opens its email settings, and gets its own inbox from `my-work`; someone else's notification answers 404."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.models import Kind, Notification
from tests.conftest import ROLE_FIXTURES

pytestmark = pytest.mark.django_db

COVERED_URL_NAMES = {
    "notifications:list",
    "notifications:open",
    "notifications:read",
    "notifications:read-all",
    "notifications:preferences",
    "notifications:counts",
    "notification-read",
    "notification-read-all",
    "my-work",
}


def _notify(user, mission, key="k"):
    return Notification.objects.create(recipient=user, mission=mission, kind=Kind.REPORT_READY, event_key=key,
                                       url="/reports/", params={"report": "Monthly report"})  # fmt: skip


def _mission_of(role, mission, other_mission):
    return other_mission if role == "outsider" else mission


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_every_role_lists_opens_and_marks_only_its_own_notifications(client, users, role, mission, other_mission):
    user = users[role]
    other = users["hom" if role != "hom" else "mlt"]
    mine = _notify(user, _mission_of(role, mission, other_mission))
    theirs = _notify(other, mission)
    client.force_login(user)

    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200
    assert [n.pk for n in page.context["page"]] == [mine.pk]
    assert "Monthly report is ready." in page.content.decode()
    for name in ("notifications:open", "notifications:read"):
        assert client.post(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:open", args=[mine.pk])).url == "/reports/"
    assert client.post(reverse("notifications:read-all")).status_code == 302
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    assert client.get(reverse("notifications:preferences")).status_code == 200
    assert client.get(reverse("notifications:counts")).json()["unread"] == 0


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_every_role_uses_the_api_for_its_own_notifications_and_inbox(users, role, mission, other_mission):
    user = users[role]
    other = users["hom" if role != "hom" else "mlt"]
    mine, theirs = _notify(user, _mission_of(role, mission, other_mission)), _notify(other, mission)
    api = APIClient()
    api.force_authenticate(user)

    listed = api.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [n["id"] for n in listed] == [mine.pk] and listed[0]["unread"] is True
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert api.post(f"/api/v1/notifications/{mine.pk}/read/").json() == {"marked": 1}
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 0}
    work = api.get("/api/v1/my-work/")
    assert work.status_code == 200 and work.json()["mission"] == _mission_of(role, mission, other_mission).pk
    foreign = mission if role == "outsider" else other_mission
    assert api.get(f"/api/v1/my-work/?mission={foreign.pk}").status_code == 404


@pytest.mark.parametrize("name", ["notifications:list", "notifications:preferences", "notifications:counts"])
def test_pages_need_a_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_api_needs_credentials():
    assert APIClient().get("/api/v1/my-work/").status_code == 401
    assert APIClient().get("/api/v1/notifications/").status_code == 401
