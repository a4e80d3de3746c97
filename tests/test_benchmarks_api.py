"""The results-framework API beyond the role matrix: filters, nested values, retirement, append-only assessments."""

import pytest
from django.utils import timezone

from benchmarks.models import Assessment, Benchmark, Status
from tests.benchmarks_support import make_plan

TODAY = timezone.localdate().isoformat()


@pytest.fixture
def plan(mission, components, electoral):
    return make_plan(mission, components, electoral)


@pytest.fixture
def api(client, hom):
    client.force_login(hom)
    return client


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_benchmarks_filter_by_current_status_and_show_it(api, plan):
    response = api.get("/api/v1/benchmarks/", {"latest_assessment__status": "off_track"})
    assert _ids(response) == [plan.b_el.pk]
    row = response.json()["results"][0]
    assert (row["status"], row["progress"]) == ("off_track", 20)
    never = api.get(f"/api/v1/benchmarks/{plan.b_el_long.pk}/").json()
    assert (never["status"], never["last_assessed"]) == ("not_started", None)


def test_benchmarks_filter_by_output_and_term_and_order(api, plan):
    assert _ids(api.get("/api/v1/benchmarks/", {"output": plan.out_el.pk, "ordering": "-term"})) == [
        plan.b_el.pk,  # "short" sorts after "long" in reverse alphabetical order
        plan.b_el_long.pk,
    ]


def test_indicators_nest_their_values(api, plan):
    row = api.get(f"/api/v1/indicators/{plan.indicator.pk}/").json()
    assert [v["actual_women"] for v in row["values"]] == ["18.00"]


def test_a_plan_item_is_retired_through_an_update_never_deleted(api, plan):
    url = f"/api/v1/benchmarks/{plan.b_ca.pk}/"
    response = api.patch(url, {"retired": True, "version": 1}, content_type="application/json")
    assert response.status_code == 200 and response.json()["is_retired"] is True
    assert Benchmark.objects.get(pk=plan.b_ca.pk).is_retired
    assert api.delete(url).status_code == 405


def test_created_assessment_records_its_author_and_becomes_current(api, hom, plan):
    response = api.post(
        "/api/v1/assessments/",
        {"benchmark": plan.b_el.pk, "assessed_on": TODAY, "status": "at_risk", "progress": 35},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = Assessment.objects.get(pk=response.json()["id"])
    assert created.assessed_by == hom
    assert Benchmark.objects.get(pk=plan.b_el.pk).latest_assessment == created
    assert api.get("/api/v1/assessments/", {"benchmark": plan.b_el.pk}).json()["count"] == 2


def test_unknown_fields_are_refused(api, plan):
    response = api.post(
        "/api/v1/risks/", {"output": plan.out_ca.pk, "title": "x", "colour": "red"}, content_type="application/json"
    )
    assert response.status_code == 400 and "colour" in response.json()["errors"]


def test_an_item_cannot_move_to_another_output(api, plan):
    response = api.patch(
        f"/api/v1/risks/{plan.risk.pk}/", {"output": plan.out_el.pk, "version": 1}, content_type="application/json"
    )
    assert response.status_code == 400


def test_correction_through_the_api(api, plan):
    response = api.post(
        "/api/v1/assessments/",
        {
            "benchmark": plan.b_el.pk,
            "assessed_on": plan.assessment.assessed_on.isoformat(),
            "status": "at_risk",
            "progress": 20,
            "corrects": plan.assessment.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Benchmark.objects.get(pk=plan.b_el.pk).latest_assessment.status == Status.AT_RISK


def test_staff_cannot_hand_an_item_to_another_component_through_the_api(client, civilaffairs, plan, components):
    client.force_login(civilaffairs)
    electoral = components["electoral"].pk
    response = client.patch(
        f"/api/v1/benchmarks/{plan.b_ca.pk}/",
        {"lead_component": electoral, "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 400 and "lead_component" in response.json()["errors"]
    response = client.post(
        "/api/v1/risks/", {"output": plan.out_ca.pk, "title": "x", "owner": electoral}, content_type="application/json"
    )
    assert response.status_code == 400 and "owner" in response.json()["errors"]
    assert Benchmark.objects.get(pk=plan.b_ca.pk).lead_component_id is None
