"""Every role against every page, download and API endpoint of the reports app.

hq sees only released reports (and never the election security report); partners see nothing;
civil affairs staff do not see the election security report; the outsider (HoM of another mission)
gets 404 for everything of this mission. Visible but not allowed answers 403.
"""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from reports import urls as report_urls
from reports.models import Report, ReportKind
from tests.conftest import ROLE_FIXTURES
from tests.factories import ElectionPlanFactory

COVERED_URL_NAMES = {
    "reports:index",
    "reports:new",
    "reports:detail",
    "reports:status",
    "reports:download",
    "reports:approve",
    "reports:release",
    "reports:retry",
    "report-list",
    "report-detail",
    "report-download",
    "report-approve",
    "report-release",
}

SECURITY_ROLES = {"hom", "mlt", "electoral", "military", "police"}
STAFF_ROLES = SECURITY_ROLES | {"civilaffairs"}
ALL = {"draft", "approved", "released", "security", "failed"}
VISIBLE = {
    **dict.fromkeys(SECURITY_ROLES, ALL),
    "civilaffairs": ALL - {"security"},
    "hq": {"released"},
    "partner1": set(),
    "partner2": set(),
    "outsider": set(),
}


def _report(mission, hom, kind=ReportKind.PROGRESS, state=Report.State.DONE, approval=Report.Approval.DRAFT, **extra):
    report = Report.objects.create(
        mission=mission, kind=kind, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 1, 31),
        requested_by=hom, state=state, approval=approval, sha256="0" * 64 if state == Report.State.DONE else "",
        **extra,
    )  # fmt: skip
    if state == Report.State.DONE:
        report.file.save("report.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
        report.xlsx_file.save("report.xlsx", ContentFile(b"PK test"), save=False)
        report.save()
    return report


@pytest.fixture
def reports(mission, hom):
    election = ElectionPlanFactory(mission=mission)
    return {
        "draft": _report(mission, hom),
        # Approved: its PDF is the approved one (same checksum), which release hands to HQ.
        "approved": _report(mission, hom, approval=Report.Approval.APPROVED, approved_sha256="0" * 64),
        "released": _report(mission, hom, approval=Report.Approval.RELEASED),
        "security": _report(
            mission, hom, kind=ReportKind.ELECTION_SECURITY, approval=Report.Approval.RELEASED, election_plan=election
        ),  # fmt: skip
        "failed": _report(mission, hom, kind=ReportKind.PARTNER_SUMMARY, state=Report.State.FAILED, error="Boom"),
    }


def test_every_url_of_the_app_is_covered():
    # HQ's comments on released reports are walked by tests/test_narratives_role_matrix.py.
    names = {f"reports:{p.name}" for p in report_urls.urlpatterns} - {"reports:comment"}
    names |= {"report-list", "report-detail", "report-download", "report-approve", "report-release"}
    assert names == COVERED_URL_NAMES


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_pages_and_downloads(role, users, reports, client):
    user = users[role]
    client.force_login(user)
    visible = VISIBLE[role]

    index = client.get(reverse("reports:index"))
    assert index.status_code == (404 if role.startswith("partner") else 200)
    if index.status_code == 200:
        listed = {name for name, r in reports.items() if reverse("reports:detail", args=[r.pk]) in index.text}
        assert listed == visible

    new = client.get(reverse("reports:new"))
    assert new.status_code == {"hq": 403, "partner1": 404, "partner2": 404}.get(role, 200)
    if role == "civilaffairs":
        assert 'value="election_security"' not in new.text
    if role in SECURITY_ROLES:
        assert 'value="election_security"' in new.text

    for name, report in reports.items():
        expected = 200 if name in visible else 404
        assert client.get(reverse("reports:detail", args=[report.pk])).status_code == expected, name
        assert client.get(reverse("reports:status", args=[report.pk])).status_code == expected, name
        for fmt in ("pdf", "xlsx"):
            response = client.get(reverse("reports:download", args=[report.pk, fmt]))
            done = report.state == Report.State.DONE
            assert response.status_code == (expected if done else 404), (name, fmt)
            if response.status_code == 200:
                assert response["Content-Disposition"].startswith("attachment")
                assert response["Content-Type"] == ("application/pdf" if fmt == "pdf" else
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip

    def post(url_name, report):
        return client.post(reverse(url_name, args=[report.pk]), {"version": report.version}).status_code

    sign_off = 302 if role == "hom" else 403
    assert post("reports:approve", reports["draft"]) == (sign_off if "draft" in visible else 404)
    assert post("reports:release", reports["approved"]) == (sign_off if "approved" in visible else 404)
    retry = 302 if role in STAFF_ROLES else 403
    assert post("reports:retry", reports["failed"]) == (retry if "failed" in visible else 404)
    reports["draft"].refresh_from_db()
    assert reports["draft"].approval == (Report.Approval.APPROVED if role == "hom" else Report.Approval.DRAFT)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_api(role, users, reports, mission, client):
    user = users[role]
    client.force_login(user)
    visible = VISIBLE[role]

    listing = client.get("/api/v1/reports/")
    assert listing.status_code == 200
    assert {r["id"] for r in listing.json()["results"]} == {reports[n].pk for n in visible}

    for name, report in reports.items():
        expected = 200 if name in visible else 404
        detail = client.get(f"/api/v1/reports/{report.pk}/")
        assert detail.status_code == expected, name
        if expected == 200:
            assert {"state", "progress", "approval", "sha256"} <= set(detail.json())
        download = client.get(f"/api/v1/reports/{report.pk}/download/")
        assert download.status_code == (expected if report.state == Report.State.DONE else 404), name

    sign_off = 200 if role == "hom" else 403
    draft, approved = reports["draft"], reports["approved"]
    assert client.post(f"/api/v1/reports/{draft.pk}/approve/", {"version": draft.version}).status_code == (
        sign_off if "draft" in visible else 404
    )
    assert client.post(f"/api/v1/reports/{approved.pk}/release/", {"version": approved.version}).status_code == (
        sign_off if "approved" in visible else 404
    )

    created = client.post(
        "/api/v1/reports/",
        {"mission": mission.pk, "kind": "progress", "period_start": "2026-01-01", "period_end": "2026-01-31"},
        content_type="application/json",
    )
    expected_create = 201 if role in STAFF_ROLES else 400 if role == "outsider" else 403
    assert created.status_code == expected_create, created.content
    if role in STAFF_ROLES:
        assert created.json()["state"] == Report.State.QUEUED
