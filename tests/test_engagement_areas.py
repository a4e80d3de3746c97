"""Engagements name the region or the district they concern (issue 10.6), as assessments, indicator values
and risks do: the form, the API and the service accept a region or a district of the mission and nothing
else; filtering the log by a region lists its districts' engagements too."""

import pytest
from django.urls import reverse
from django.utils import timezone

from missions.models import Component, Location
from missions.services import profile_language_set
from partners import services
from partners.models import Engagement
from tests.factories import EngagementFactory, LocationFactory
from tests.test_partners_api import api, new_engagement
from tests.test_partners_views import engagement_post

pytestmark = pytest.mark.django_db
Kind = Component.Kind
TODAY = timezone.localdate()


@pytest.fixture
def region(mission):
    return LocationFactory(mission=mission, name="Sahel", level=Location.Level.REGION)


@pytest.fixture
def kati(mission, region):
    return LocationFactory(mission=mission, name="Kati", level=Location.Level.DISTRICT, parent=region)


def _log(user, mission, components, partners, **extra):
    return services.engagement_create(
        user=user, mission=mission, date=TODAY, engagement_type=Engagement.EngagementType.MEETING,
        partners=partners, component=components[Kind.CIVIL_AFFAIRS], summary="Water point", **extra,
    )  # fmt: skip


def test_an_engagement_may_name_a_whole_region(civilaffairs, mission, components, partner_a, region):
    engagement = _log(civilaffairs, mission, components, [partner_a], district=region)
    assert Engagement.objects.get(pk=engagement.pk).district == region


@pytest.mark.parametrize("what", ["another mission's district", "a sub-district", "a site"])
def test_an_area_that_is_not_a_region_or_district_of_the_mission_is_refused(
    civilaffairs, mission, other_mission, components, partner_a, kati, what
):
    from django.core.exceptions import ValidationError

    area = {
        "another mission's district": lambda: LocationFactory(mission=other_mission, name="Elsewhere"),
        "a sub-district": lambda: LocationFactory(mission=mission, name="Ward", level="subdistrict", parent=kati),
        "a site": lambda: LocationFactory(mission=mission, name="School", level="site", parent=kati),
    }[what]()
    with pytest.raises(ValidationError) as exc:
        _log(civilaffairs, mission, components, [partner_a], district=area)
    assert "district" in exc.value.message_dict
    assert not Engagement.objects.exists()


def test_the_form_offers_regions_and_districts_and_logs_one_for_a_region(
    client, civilaffairs, mission, components, partner_a, region, kati
):
    client.force_login(civilaffairs)
    form = client.get(reverse("partners:engagement-create")).context["form"]
    field = form.fields["district"]
    assert {region, kati} <= set(field.queryset) and all(a.level in ("region", "district") for a in field.queryset)
    assert field.label_from_instance(kati) == "Sahel › Kati"
    response = client.post(
        reverse("partners:engagement-create"), engagement_post(components, [partner_a], district=region.pk)
    )
    assert response.status_code == 302
    assert Engagement.objects.get().district == region


def test_the_form_label_is_in_french(client, civilaffairs, components, partner_a, region):
    profile_language_set(user=civilaffairs, language="fr")
    client.force_login(civilaffairs)
    page = client.get(reverse("partners:engagement-create")).content.decode()
    assert "Région ou district" in page


def test_the_api_accepts_a_region_and_refuses_another_missions_area(
    civilaffairs, mission, other_mission, components, partner_a, region
):
    created = api(civilaffairs).post(
        "/api/v1/engagements/", new_engagement(mission, components, [partner_a], district=region.pk), format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["district"] == region.pk
    elsewhere = LocationFactory(mission=other_mission, name="Elsewhere")
    refused = api(civilaffairs).post(
        "/api/v1/engagements/", new_engagement(mission, components, [partner_a], district=elsewhere.pk), format="json"
    )
    assert refused.status_code == 400 and "district" in refused.json()["errors"]


def test_filtering_by_a_region_lists_its_districts_engagements_too(
    client, civilaffairs, mission, components, partner_a, region, kati
):
    other = LocationFactory(mission=mission, name="Coast", level=Location.Level.REGION)
    in_region = EngagementFactory(mission=mission, district=region, component=components[Kind.CIVIL_AFFAIRS])
    in_kati = EngagementFactory(mission=mission, district=kati, component=components[Kind.CIVIL_AFFAIRS])
    EngagementFactory(mission=mission, district=other, component=components[Kind.CIVIL_AFFAIRS])
    listed = api(civilaffairs).get("/api/v1/engagements/", {"district": region.pk}).json()
    assert {e["id"] for e in listed["results"]} == {in_region.pk, in_kati.pk}
    listed = api(civilaffairs).get("/api/v1/engagements/", {"district": kati.pk}).json()
    assert {e["id"] for e in listed["results"]} == {in_kati.pk}
    client.force_login(civilaffairs)
    page = client.get(reverse("partners:engagement-list"), {"district": region.pk})
    assert {row.pk for row in page.context["page"].rows} == {in_region.pk, in_kati.pk}
