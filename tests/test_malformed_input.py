"""No 500 on malformed input (issue 15, point 4): each input the red team sent, answered as a refusal.

Uploads (NUL bytes, oversized bodies) are in test_upload_limits.py, concurrent writes on SQLite in
test_sqlite_concurrency.py.
"""

import pytest
from django.urls import reverse

from tests.api_support import api_client

API = "/api/v1"


def _is_api_error(response, status: int) -> bool:
    return (
        response.status_code == status
        and response["Content-Type"] == "application/json"
        and set(response.json()) >= {"detail", "errors"}
    )


def test_a_page_number_past_any_integer_shows_the_last_page_of_plan_history(client, electoral, e):
    client.force_login(electoral)
    url = reverse("elections:plan-history", args=[e["plan"].pk])
    response = client.get(url, {"page": "99999999999999999999"})
    assert response.status_code == 200
    assert response.context["page_number"] == response.context["pages"]
    assert client.get(url, {"page": "-3"}).context["page_number"] == 1
    assert client.get(url, {"page": "two"}).context["page_number"] == 1


def test_new_revision_of_a_non_numeric_id_is_not_found_in_the_api_error_shape(electoral, e):
    response = api_client(electoral).post(f"{API}/security-plans/abc/new-revision/")
    assert _is_api_error(response, 404)


@pytest.fixture
def draft_report(mission, hom):
    from reports.models import Report, ReportKind
    from tests.reports_support import PERIOD_END, PERIOD_START

    return Report.objects.create(
        mission=mission, kind=ReportKind.PROGRESS, period_start=PERIOD_START, period_end=PERIOD_END, requested_by=hom
    )


@pytest.mark.parametrize("body", [[], [1, 2], ["version"], "abc"], ids=["empty list", "list", "list of names", "text"])
def test_a_body_that_is_not_an_object_on_report_approve_is_a_400_in_the_error_shape(hom, draft_report, body):
    response = api_client(hom).post(f"{API}/reports/{draft_report.pk}/approve/", body, format="json")
    assert _is_api_error(response, 400)


@pytest.mark.parametrize("version", ["abc", "1.5", "-2", "99999999999999999999"])
def test_a_garbage_version_on_the_report_retry_page_is_a_400(client, hom, draft_report, version):
    client.force_login(hom)
    response = client.post(reverse("reports:retry", args=[draft_report.pk]), {"version": version})
    assert response.status_code == 400


@pytest.mark.parametrize("version", ["abc", "", "1e3"])
def test_a_garbage_version_on_site_delete_is_a_400(client, electoral, e, version):
    client.force_login(electoral)
    response = client.post(reverse("elections:item-delete", args=["site", e["sites"][1].pk]), {"version": version})
    assert response.status_code == 400
