"""The audit trail: sensitive actions are recorded (who, when, from where, what), the HoM reads their
mission's events (page and API), superusers read all in the admin, and nothing can change or delete an event."""

import datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from elections import services as election_services
from elections.models import SecurityPlan
from missions.models import AuditEvent
from missions.services import api_token_create, api_token_revoke, audit_event_record
from reports import services as report_services
from reports.models import Report, ReportKind
from tests.elections_support import build_election
from tests.factories import ElectionPlanFactory

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action
IP = "10.20.30.40"


def _report(mission, hom, kind=ReportKind.PROGRESS, approval=Report.Approval.DRAFT, **extra):
    report = Report.objects.create(
        mission=mission, kind=kind, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 1, 31),
        requested_by=hom, state=Report.State.DONE, approval=approval, sha256="0" * 64, **extra,
    )  # fmt: skip
    report.file.save("report.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    report.xlsx_file.save("report.xlsx", ContentFile(b"PK test"), save=False)
    report.save()
    return report


def _events(action):
    return list(AuditEvent.objects.filter(action=action))


# --- what is recorded ---------------------------------------------------------------------------


def test_sign_in_success_failure_and_lockout_are_recorded_with_the_address(client, hom, settings):
    hom.set_password("pw-right-1")
    hom.save()

    client.post(reverse("login"), {"username": "hom", "password": "wrong"}, REMOTE_ADDR=IP)
    client.post(reverse("login"), {"username": "nobody", "password": "wrong"}, REMOTE_ADDR=IP)
    client.post(reverse("login"), {"username": "hom", "password": "pw-right-1"}, REMOTE_ADDR=IP)

    failed = _events(Action.LOGIN_FAILED)
    assert {(e.username, e.user_id, e.ip_address) for e in failed} == {("hom", hom.pk, IP), ("nobody", None, IP)}
    [login] = _events(Action.LOGIN)
    assert (login.user_id, login.ip_address) == (hom.pk, IP)

    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "hom", "password": "wrong"}, REMOTE_ADDR=IP)
    assert ("hom", hom.pk, IP) in {(e.username, e.user_id, e.ip_address) for e in _events(Action.LOCKED_OUT)}


def test_token_creation_and_revocation_are_recorded(civilaffairs):
    token, _key = api_token_create(user=civilaffairs, name="sync")
    api_token_revoke(token=token, user=civilaffairs)
    api_token_revoke(token=token, user=civilaffairs)  # idempotent: no second event

    created, revoked = _events(Action.TOKEN_CREATED), _events(Action.TOKEN_REVOKED)
    assert [(e.user_id, e.object_id) for e in created] == [(civilaffairs.pk, str(token.pk))]
    assert [(e.user_id, e.object_id) for e in revoked] == [(civilaffairs.pk, str(token.pk))]


def test_downloading_the_election_security_report_records_a_security_plan_export(client, mission, hom, electoral):
    report = _report(
        mission, hom, kind=ReportKind.ELECTION_SECURITY, election_plan=ElectionPlanFactory(mission=mission)
    )
    client.force_login(electoral)

    assert client.get(reverse("reports:download", args=[report.pk, "pdf"]), REMOTE_ADDR=IP).status_code == 200
    api = APIClient()
    api.force_authenticate(electoral)
    assert api.get(f"/api/v1/reports/{report.pk}/download/?format_=xlsx").status_code == 200

    events = _events(Action.REPORT_DOWNLOADED)
    assert len(events) == 2
    assert all(e.mission_id == mission.pk and e.object_id == str(report.pk) for e in events)
    assert {e.summary.rsplit(" ", 1)[-1] for e in events} == {"(PDF)", "(XLSX)"}
    assert "Election security" in events[0].summary
    assert IP in {e.ip_address for e in events}


def test_exports_are_recorded(client, hom, mission):
    client.force_login(hom)

    client.get(reverse("benchmarks:export-csv"))
    client.get(reverse("partners:engagement-export", args=["xlsx"]))

    assert sorted(e.summary for e in _events(Action.EXPORTED)) == ["benchmarks (CSV)", "engagements (XLSX)"]
    assert {e.mission_id for e in _events(Action.EXPORTED)} == {mission.pk}


def test_approvals_returns_and_releases_are_recorded(mission, district, electoral, hom):
    e = build_election(mission, district)
    plan = e["security"]
    election_services.security_plan_submit(security_plan=plan, user=electoral)
    election_services.security_plan_return(security_plan=plan, user=hom, comment="More sites")
    election_services.security_plan_submit(security_plan=plan, user=electoral)
    election_services.security_plan_approve(security_plan=plan, user=hom)
    report = _report(mission, hom)
    report_services.report_approve(report=report, user=hom)
    report.refresh_from_db()
    # As the worker does when the approved PDF is written: the checksum HQ will receive is recorded.
    report.state = Report.State.DONE
    report.approved_sha256 = report.sha256
    report.save(update_fields=["state", "approved_sha256"])
    report_services.report_release(report=report, user=hom)

    assert [(e.object_type, e.mission_id) for e in _events(Action.RETURNED)] == [("elections.securityplan", mission.pk)]
    assert {e.object_type for e in _events(Action.APPROVED)} == {"elections.securityplan", "reports.report"}
    assert [e.object_id for e in _events(Action.RELEASED)] == [str(report.pk)]


def test_a_rolled_back_approval_leaves_no_event(mission, district, electoral, hom):
    plan = build_election(mission, district, status=SecurityPlan.Status.SUBMITTED)["security"]

    with pytest.raises(RuntimeError), transaction.atomic():
        election_services.security_plan_approve(security_plan=plan, user=hom)
        raise RuntimeError

    assert _events(Action.APPROVED) == []


def test_admin_changes_are_recorded(admin_client, admin_user, mission):
    url = reverse("admin:missions_component_add")
    response = admin_client.post(url, {"mission": mission.pk, "kind": "other", "name": "Mine action"}, REMOTE_ADDR=IP)
    assert response.status_code == 302
    LogEntry.objects.create(
        user=admin_user, content_type=ContentType.objects.get_for_model(mission), object_id=str(mission.pk),
        object_repr=str(mission), action_flag=CHANGE, change_message="Changed name.",
    )  # fmt: skip

    events = _events(Action.ADMIN_CHANGE)
    assert any("missions.component" in e.summary and e.ip_address == IP for e in events), events
    assert any(e.mission_id == mission.pk and "Changed name." in e.summary for e in events)


# --- who reads it -------------------------------------------------------------------------------


@pytest.fixture
def trail(mission, other_mission, hom, outsider, civilaffairs):
    return {
        "mine": audit_event_record(action=Action.EXPORTED, user=civilaffairs, mission=mission, summary="x"),
        "login": audit_event_record(action=Action.LOGIN, user=civilaffairs),
        "theirs": audit_event_record(action=Action.EXPORTED, user=outsider, mission=other_mission, summary="y"),
        "outsider_login": audit_event_record(action=Action.LOGIN, user=outsider),
    }


def test_the_hom_page_lists_the_missions_events_and_its_members_sign_ins_only(client, hom, trail):
    client.force_login(hom)

    response = client.get(reverse("audit-events"))

    assert response.status_code == 200
    shown = {e.pk for e in response.context["page"].object_list}
    assert {trail["mine"].pk, trail["login"].pk} <= shown
    assert not {trail["theirs"].pk, trail["outsider_login"].pk} & shown
    assert reverse("audit-events") in client.get(reverse("home")).content.decode()  # in the navigation


def test_the_page_filters_by_action(client, hom, trail):
    client.force_login(hom)

    response = client.get(reverse("audit-events"), {"action": "exported"})

    assert [e.pk for e in response.context["page"].object_list] == [trail["mine"].pk]


@pytest.mark.parametrize("role", ["mlt", "electoral", "civilaffairs", "partner1", "hq"])
def test_other_roles_do_not_see_the_audit_trail(client, users, role, trail):
    client.force_login(users[role])

    assert client.get(reverse("audit-events")).status_code == 404
    api = APIClient()
    api.force_authenticate(users[role])
    assert api.get("/api/v1/audit-events/").json()["count"] == 0


def test_the_api_lists_the_homs_events_read_only(hom, trail):
    api = APIClient()
    api.force_authenticate(hom)

    listed = api.get("/api/v1/audit-events/").json()

    assert {row["id"] for row in listed["results"]} == {trail["mine"].pk, trail["login"].pk}  # forced: no login
    assert api.get(f"/api/v1/audit-events/{trail['theirs'].pk}/").status_code == 404
    assert api.patch(f"/api/v1/audit-events/{trail['mine'].pk}/", {"summary": "z"}).status_code == 405
    assert api.delete(f"/api/v1/audit-events/{trail['mine'].pk}/").status_code == 405


def test_superusers_read_every_event_in_the_admin_and_cannot_change_or_delete_one(admin_client, trail):
    listing = admin_client.get(reverse("admin:missions_auditevent_changelist"))
    event = trail["theirs"]

    assert listing.status_code == 200
    assert set(trail.values()) <= set(listing.context["cl"].result_list)
    assert admin_client.get(reverse("admin:missions_auditevent_change", args=[event.pk])).status_code == 200
    admin_client.post(reverse("admin:missions_auditevent_change", args=[event.pk]), {"summary": "edited"})
    assert admin_client.post(reverse("admin:missions_auditevent_delete", args=[event.pk])).status_code == 403
    event.refresh_from_db()
    assert event.summary == "y"


def test_the_page_needs_the_same_number_of_queries_for_few_and_many_events(client, hom, mission):
    client.force_login(hom)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("audit-events")).status_code == 200
        return len(ctx.captured_queries)

    audit_event_record(action=Action.EXPORTED, user=hom, mission=mission)
    few = count()
    for n in range(60):
        audit_event_record(action=Action.EXPORTED, user=hom, mission=mission, summary=f"e{n}")
    # session, user, memberships, count, one page of events (no query per row).
    assert count() == few


# --- append-only --------------------------------------------------------------------------------


def test_events_cannot_be_changed_or_deleted_through_the_orm(civilaffairs):
    event = audit_event_record(action=Action.LOGIN, user=civilaffairs)

    event.summary = "edited"
    with pytest.raises(AuditEvent.AppendOnly):
        event.save()
    with pytest.raises(AuditEvent.AppendOnly):
        event.delete()
    with pytest.raises(AuditEvent.AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(summary="edited")
    with pytest.raises(AuditEvent.AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_the_database_refuses_an_update_behind_the_orms_back(civilaffairs):
    event = audit_event_record(action=Action.LOGIN, user=civilaffairs)

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE missions_auditevent SET summary = 'edited' WHERE id = %s", [event.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM missions_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).summary == ""


def test_the_client_address_comes_from_the_request_served(civilaffairs, rf):
    from missions.audit import AuditRequestMiddleware

    request = rf.get("/", REMOTE_ADDR=IP, HTTP_USER_AGENT="Firefox")

    def view(req):
        audit_event_record(action=Action.EXPORTED, user=civilaffairs)

    AuditRequestMiddleware(view)(request)

    [event] = _events(Action.EXPORTED)
    assert (event.ip_address, event.user_agent) == (IP, "Firefox")
