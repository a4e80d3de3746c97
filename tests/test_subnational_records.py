"""Issue 10.6, records: assessments, indicator values and risks name the region or district they concern.

Forms, the API and the services accept a region or district of the record's mission (optional) and refuse
another mission's location, a sub-district, on the `location` field; the pages show the area.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from benchmarks import services
from benchmarks.models import Assessment, IndicatorValue, Risk
from missions.models import Location, Membership
from tests.benchmarks_support import make_plan
from tests.factories import LocationFactory, MembershipFactory

TODAY = timezone.localdate()


@pytest.fixture
def plan(mission, components, electoral):
    return make_plan(mission, components, electoral)


@pytest.fixture
def areas(mission, other_mission):
    region = LocationFactory(mission=mission, name="Kayes", level=Location.Level.REGION)
    kita = LocationFactory(mission=mission, name="Kita", parent=region)
    village = LocationFactory(mission=mission, name="Sebekoro", level=Location.Level.SUBDISTRICT, parent=kita)
    foreign = LocationFactory(mission=other_mission, name="Elsewhere")
    return {"region": region, "kita": kita, "subdistrict": village, "foreign": foreign}


@pytest.fixture
def api(client, hom, other_mission):
    # A member of both missions: the other mission's areas are visible to them, and still refused here.
    MembershipFactory(user=hom, mission=other_mission, role=Membership.Role.HOM)
    client.force_login(hom)
    return client


def _post_json(client, url, data):
    return client.post(url, data, content_type="application/json")


# --- the API ------------------------------------------------------------------------------------------------


def test_api_assessment_names_a_district_of_the_mission(api, plan, areas):
    data = {"benchmark": plan.b_el.pk, "assessed_on": TODAY.isoformat(), "status": "at_risk", "progress": 30}
    response = _post_json(api, "/api/v1/assessments/", {**data, "location": areas["kita"].pk})
    assert response.status_code == 201, response.content
    assert response.json()["location"] == areas["kita"].pk
    assert Assessment.objects.get(pk=response.json()["id"]).location == areas["kita"]


def test_api_assessment_refuses_another_missions_location_on_the_field(api, plan, areas):
    data = {"benchmark": plan.b_el.pk, "assessed_on": TODAY.isoformat(), "status": "at_risk", "progress": 30}
    response = _post_json(api, "/api/v1/assessments/", {**data, "location": areas["foreign"].pk})
    assert response.status_code == 400
    assert "location" in response.json()["errors"]
    assert not Assessment.objects.filter(location=areas["foreign"]).exists()


def test_api_risk_takes_a_region_and_refuses_a_subdistrict(api, plan, areas):
    created = _post_json(api, "/api/v1/risks/", {"output": plan.out_ca.pk, "title": "Floods", "location": None})
    assert created.status_code == 201, created.content
    risk_id = created.json()["id"]
    response = api.patch(
        f"/api/v1/risks/{risk_id}/", {"location": areas["region"].pk, "version": 1}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert Risk.objects.get(pk=risk_id).location == areas["region"]
    refused = api.patch(
        f"/api/v1/risks/{risk_id}/",
        {"location": areas["subdistrict"].pk, "version": response.json()["version"]},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "location" in refused.json()["errors"]
    assert Risk.objects.get(pk=risk_id).location == areas["region"]


def test_api_risk_refuses_another_missions_location(api, plan, areas):
    response = _post_json(
        api, "/api/v1/risks/", {"output": plan.out_ca.pk, "title": "Floods", "location": areas["foreign"].pk}
    )
    assert response.status_code == 400 and "location" in response.json()["errors"]


def test_api_indicator_value_names_a_district_and_refuses_another_missions(api, plan, areas):
    data = {
        "indicator": plan.indicator.pk,
        "period_start": "2026-04-01",
        "period_end": "2026-04-30",
        "actual": "12",
        "actual_women": "5",
        "actual_men": "7",
        "actual_youth": "2",
    }
    refused = _post_json(api, "/api/v1/indicator-values/", {**data, "location": areas["foreign"].pk})
    assert refused.status_code == 400 and "location" in refused.json()["errors"]
    response = _post_json(api, "/api/v1/indicator-values/", {**data, "location": areas["kita"].pk})
    assert response.status_code == 201, response.content
    assert IndicatorValue.objects.get(pk=response.json()["id"]).location == areas["kita"]


# --- the services (every entry path) -----------------------------------------------------------------------


def test_services_refuse_another_missions_location(plan, areas, hom):
    with pytest.raises(ValidationError) as refused:
        services.assessment_create(
            benchmark=plan.b_ca,
            user=hom,
            assessed_on=TODAY,
            status="on_track",
            progress=10,
            location=areas["foreign"],
        )
    assert "location" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.indicator_value_record(
            indicator=plan.indicator,
            user=hom,
            period_start=datetime.date(2026, 5, 1),
            period_end=datetime.date(2026, 5, 31),
            actual=1,
            actual_women=0,
            actual_men=1,
            actual_youth=0,
            location=areas["foreign"],
        )
    assert "location" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.risk_create(output=plan.out_ca, user=hom, title="x", location=areas["foreign"])
    assert "location" in refused.value.message_dict


# --- the pages -------------------------------------------------------------------------------------------


def test_assess_form_offers_the_missions_areas_and_records_the_one_chosen(client, hom, plan, areas):
    client.force_login(hom)
    url = reverse("benchmarks:assess", args=[plan.b_ca.pk])
    page = client.get(url).content.decode()
    assert "Kayes › Kita" in page and "Elsewhere" not in page and "Sebekoro" not in page
    data = {"assessed_on": TODAY.isoformat(), "status": "on_track", "progress": 15, "location": areas["kita"].pk}
    assert client.post(url, data).status_code == 302
    assert plan.b_ca.assessments.get().location == areas["kita"]
    detail = client.get(reverse("benchmarks:benchmark", args=[plan.b_ca.pk])).content.decode()
    assert "<td>Kita" in detail


def test_assess_form_refuses_another_missions_location_with_a_field_error(client, hom, plan, areas):
    client.force_login(hom)
    data = {"assessed_on": TODAY.isoformat(), "status": "on_track", "progress": 15, "location": areas["foreign"].pk}
    response = client.post(reverse("benchmarks:assess", args=[plan.b_ca.pk]), data)
    assert response.status_code == 200
    assert "location" in response.context["form"].errors
    assert not plan.b_ca.assessments.exists()


def test_risk_form_records_the_area_and_the_register_shows_it(client, hom, plan, areas):
    client.force_login(hom)
    url = reverse("benchmarks:risk-add", args=[plan.out_ca.pk])
    data = {"kind": "risk", "title": "Roads cut in the rainy season", "likelihood": 3, "impact": 4, "order": 0}
    refused = client.post(url, {**data, "location": areas["foreign"].pk})
    assert refused.status_code == 200 and "location" in refused.context["form"].errors
    saved = client.post(url, {**data, "location": areas["region"].pk})
    assert saved.status_code == 302, saved.context["form"].errors
    assert Risk.objects.get(title=data["title"]).location == areas["region"]
    register = client.get(reverse("benchmarks:risks")).content.decode()
    assert "<td>Kayes" in register and "Whole country" in register  # the fixture's risk names no area


def test_indicator_value_form_records_the_area(client, hom, plan, areas):
    client.force_login(hom)
    url = reverse("benchmarks:value-add", args=[plan.indicator.pk])
    data = {
        "period_start": "2026-06-01",
        "period_end": "2026-06-30",
        "actual": "9",
        "actual_women": "4",
        "actual_men": "5",
        "actual_youth": "1",
    }
    refused = client.post(url, {**data, "location": areas["foreign"].pk})
    assert refused.status_code == 200 and "location" in refused.context["form"].errors
    assert client.post(url, {**data, "location": areas["kita"].pk}).status_code == 302
    assert plan.indicator.values.get(period_start=datetime.date(2026, 6, 1)).location == areas["kita"]
    page = client.get(reverse("benchmarks:indicator", args=[plan.indicator.pk])).content.decode()
    assert "<td>Kita" in page


def test_api_lists_filter_by_location(api, plan, areas, hom):
    services.risk_create(output=plan.out_ca, user=hom, title="Floods in Kita", location=areas["kita"])
    response = api.get("/api/v1/risks/", {"location": areas["kita"].pk})
    assert [row["title"] for row in response.json()["results"]] == ["Floods in Kita"]
    assert api.get("/api/v1/assessments/", {"location": areas["kita"].pk}).json()["count"] == 0
