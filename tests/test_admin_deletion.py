"""The admin cannot delete what the mission must keep (issue 15, point 8): signed-off reports and missions."""

import pytest
from django.urls import reverse
from django.utils import timezone

from missions.models import Mission
from reports.models import Report, ReportKind
from tests.factories import UserFactory
from tests.reports_support import PERIOD_END, PERIOD_START

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _report(mission, approval) -> Report:
    return Report.objects.create(
        mission=mission,
        kind=ReportKind.PROGRESS,
        period_start=PERIOD_START,
        period_end=PERIOD_END,
        state=Report.State.DONE,
        approval=approval,
        sha256="0" * 64 if approval != Report.Approval.DRAFT else "",
        released_at=timezone.now() if approval == Report.Approval.RELEASED else None,
    )


@pytest.mark.parametrize("approval", [Report.Approval.APPROVED, Report.Approval.RELEASED])
def test_a_superuser_cannot_delete_a_signed_off_report_in_the_admin(superuser_client, mission, approval):
    report = _report(mission, approval)
    url = reverse("admin:reports_report_delete", args=[report.pk])
    assert superuser_client.get(url).status_code == 403
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    assert Report.objects.filter(pk=report.pk).exists()
    change = superuser_client.get(reverse("admin:reports_report_change", args=[report.pk]))
    assert url not in change.content.decode()  # no Delete link on its page


def test_the_report_list_has_no_bulk_delete_action(superuser_client, mission):
    _report(mission, Report.Approval.RELEASED)
    response = superuser_client.post(
        reverse("admin:reports_report_changelist"),
        {"action": "delete_selected", "_selected_action": list(Report.objects.values_list("pk", flat=True))},
    )
    assert response.status_code in (200, 302)
    assert Report.objects.count() == 1


def test_a_draft_report_can_still_be_deleted(superuser_client, mission):
    report = _report(mission, Report.Approval.DRAFT)
    superuser_client.post(reverse("admin:reports_report_delete", args=[report.pk]), {"post": "yes"})
    assert not Report.objects.filter(pk=report.pk).exists()


def test_a_superuser_cannot_delete_a_mission_in_the_admin(superuser_client, mission):
    url = reverse("admin:missions_mission_delete", args=[mission.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    response = superuser_client.post(
        reverse("admin:missions_mission_changelist"), {"action": "delete_selected", "_selected_action": [mission.pk]}
    )
    assert response.status_code in (200, 302)
    assert Mission.objects.filter(pk=mission.pk).exists()
