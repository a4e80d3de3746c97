"""The coordinates plausibility rule (elections/services/coordinates.py), where it is applied, and the
`?coordinates=suspect` lists of the site page and the API."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse
from django.utils import translation

from elections import services
from elections.models import CoordinatesIssue, PollingSite
from elections.services.coordinates import coordinates_check
from tests.elections_support import build_election
from tests.factories import PollingSiteFactory
from tests.geo_support import area, fresh_boundaries, two_district_country  # noqa: F401 (fresh_boundaries: a fixture)

pytestmark = pytest.mark.django_db

OUT_COUNTRY = CoordinatesIssue.OUTSIDE_COUNTRY
OUT_DISTRICT = CoordinatesIssue.OUTSIDE_DISTRICT
FAR = CoordinatesIssue.FAR_FROM_DISTRICT


def _issues(results):
    return [issue for issue, _note in results]


def test_a_point_outside_the_union_of_boundaries_is_outside_the_country(mission):
    _region, west, east = two_district_country(mission)
    results = coordinates_check(
        mission=mission,
        points=[(west.pk, 10.5, 0.5), (east.pk, 10.5, 1.5), (west.pk, 48.85, 2.35), (east.pk, None, None)],
    )
    assert _issues(results) == ["", "", OUT_COUNTRY, ""]
    note = results[2][1]
    assert "48.85000, 2.35000" in note and "km outside Testland" in note


def test_swapped_latitude_and_longitude_are_named_in_the_reason(mission):
    _region, west, _east = two_district_country(mission)
    [(issue, note)] = coordinates_check(mission=mission, points=[(west.pk, 0.5, 10.5)])
    assert issue == OUT_COUNTRY
    assert "swapped" in note


def test_without_boundaries_the_mission_box_decides(mission):
    mission.bbox_south, mission.bbox_west, mission.bbox_north, mission.bbox_east = 4, -12, 25, 4
    mission.save()
    district = area(mission, "No Outline", None)
    results = coordinates_check(mission=mission, points=[(district.pk, 12.6, -8.0), (district.pk, -12.6, -8.0)])
    assert _issues(results) == ["", OUT_COUNTRY]
    assert "latitude 4" in results[1][1] and "minus sign" in results[1][1]


def test_a_point_in_the_country_but_outside_its_district_names_the_district_it_is_in(mission):
    _region, west, east = two_district_country(mission)
    [(issue, note)] = coordinates_check(mission=mission, points=[(west.pk, 10.5, 1.5)])
    assert issue == OUT_DISTRICT
    assert "outside West, in East" in note


def test_a_point_just_across_a_simplified_border_is_not_flagged(mission):
    _region, west, _east = two_district_country(mission)
    # 0.005 degrees of longitude is about 550 m: within the tolerance for simplified boundaries.
    assert _issues(coordinates_check(mission=mission, points=[(west.pk, 10.5, 1.005)])) == [""]


def _cluster(district_id, n, centre=(12.0, -8.0), spread=0.2, seed=1):
    rng = random.Random(seed)
    return [
        (district_id, centre[0] + rng.uniform(-spread, spread), centre[1] + rng.uniform(-spread, spread))
        for _ in range(n)
    ]


def test_with_no_boundary_and_no_box_a_far_site_is_flagged_by_the_median_rule(mission):
    district = area(mission, "Koulikoro", None)
    points = _cluster(district.pk, 40) + [(district.pk, 13.5, -8.0), (district.pk, 12.0, 8.0)]
    results = coordinates_check(mission=mission, points=points)
    assert _issues(results)[:40] == [""] * 40
    # 1.5 degrees north is 167 km, far beyond five times the typical 10 km: flagged; so is 16 degrees east.
    assert _issues(results)[40:] == [FAR, FAR]
    assert "from the other sites of Koulikoro" in results[40][1]


def test_the_median_rule_has_a_floor_for_tight_districts(mission):
    district = area(mission, "Bamako", None)
    # Sites within 300 m of each other; one 15 km away is not flagged (under the 25 km floor).
    points = _cluster(district.pk, 30, spread=0.003) + [(district.pk, 12.0, -8.0 + 0.14)]
    assert _issues(coordinates_check(mission=mission, points=points)) == [""] * 31


def test_the_median_rule_needs_a_few_sites_and_counts_references(mission):
    district = area(mission, "Kayes", None)
    lone = [(district.pk, 12.0, 8.0)]
    assert _issues(coordinates_check(mission=mission, points=lone)) == [""]
    assert _issues(coordinates_check(mission=mission, points=lone, references=_cluster(district.pk, 10))) == [FAR]


def test_no_site_is_flagged_on_clean_data(mission):
    _region, west, east = two_district_country(mission)
    no_outline = area(mission, "Other", None)
    points = (
        _cluster(west.pk, 200, centre=(10.5, 0.5), spread=0.49)
        + _cluster(east.pk, 200, centre=(10.5, 1.5), spread=0.49, seed=2)
        + _cluster(no_outline.pk, 50, centre=(10.5, 1.0), spread=0.4, seed=3)
    )
    assert set(_issues(coordinates_check(mission=mission, points=points))) == {""}


def test_the_reasons_are_in_french_when_the_language_is(mission):
    _region, west, _east = two_district_country(mission)
    with translation.override("fr"):
        [(_issue, note)] = coordinates_check(mission=mission, points=[(west.pk, 48.85, 2.35)])
    assert "hors du pays (Testland)" in note


def test_creating_and_editing_a_site_sets_and_clears_the_issue(mission, electoral):
    _region, west, _east = two_district_country(mission)
    data = build_election(mission, west, sites=1)
    plan = data["security"]
    site = services.polling_site_create(
        security_plan=plan,
        user=electoral,
        data={"code": "W-9", "name": "École", "district": west, "latitude": 10.5, "longitude": 1.5},
    )
    assert site.coordinates_issue == OUT_DISTRICT and "East" in site.coordinates_note
    site = services.polling_site_update(
        site=site, user=electoral, expected_version=site.version, data={"longitude": 0.5}
    )
    assert (site.coordinates_issue, site.coordinates_note) == ("", "")
    assert site.history.first().history_change_reason in ("coordinates checked", None)


def _validate(plan, rows, mode="create"):
    from missions.imports import ROW
    from missions.pipeline import Report

    report = Report()
    rows = [{ROW: n + 2, **row} for n, row in enumerate(rows)]
    return report, services.polling_sites_validate(security_plan=plan, rows=rows, mode=mode, report=report)


def test_an_import_flags_at_preview_stores_the_issue_and_a_corrected_reimport_clears_it(mission, electoral):
    _region, west, _east = two_district_country(mission)
    plan = build_election(mission, west, sites=1)["security"]
    rows = [
        {"code": "I-1", "name": "A", "district": "West", "latitude": "10.5", "longitude": "0.5"},
        {"code": "I-2", "name": "B", "district": "West", "latitude": "-10.5", "longitude": "0.5"},
    ]
    report, planned = _validate(plan, rows)
    assert report.ok
    assert [s.coordinates_issue for s in planned.creates] == ["", OUT_COUNTRY]
    # The preview's rows carry the reason in their last column.
    assert planned.sample[1][-1].startswith("-10.50000, 0.50000 lies") and planned.sample[0][-1] == ""
    services.polling_sites_write(security_plan=plan, user=electoral, plan=planned)
    stored = dict(plan.sites.values_list("code", "coordinates_issue"))
    assert stored["I-1"] == "" and stored["I-2"] == OUT_COUNTRY
    # The corrected file, in "create and update" mode: the site moves back into its district, unflagged.
    rows[1]["latitude"] = "10.5"
    report, planned = _validate(plan, rows, mode="update")
    assert report.ok and len(planned.updates) == 1
    services.polling_sites_write(security_plan=plan, user=electoral, plan=planned)
    assert plan.sites.get(code="I-2").coordinates_issue == ""


def test_the_preview_lists_flagged_rows_beyond_its_first_rows(mission, electoral):
    _region, west, _east = two_district_country(mission)
    plan = build_election(mission, west, sites=1)["security"]
    rows = [
        {"code": f"R-{i}", "name": "A", "district": "West", "latitude": "10.5", "longitude": "0.5"} for i in range(30)
    ]
    rows[25]["latitude"] = "48.8"
    _report, planned = _validate(plan, rows)
    flagged = [row for row in planned.sample if row[-1]]
    assert [row[0] for row in flagged] == ["27"]  # the file's row number (row 1 is the header)


# --- ?coordinates=suspect -------------------------------------------------------------------------------


@pytest.fixture
def suspect_plan(mission, district):
    data = build_election(mission, district, sites=3)
    plan = data["security"]
    bad = PollingSiteFactory(security_plan=plan, district=district, code="BAD-1", latitude=48.8, longitude=2.3)
    PollingSite.objects.filter(pk=bad.pk).update(
        coordinates_issue=OUT_COUNTRY, coordinates_note="48.8, 2.3 lies about 4,000 km outside Testland."
    )
    return plan


def test_the_site_list_lists_only_suspect_sites_with_their_reason(client, electoral, suspect_plan):
    client.force_login(electoral)
    url = reverse("elections:site-list", args=[suspect_plan.pk])
    everything = client.get(url)
    assert everything.status_code == 200
    response = client.get(url, {"coordinates": "suspect"})
    assert response.status_code == 200
    codes = [s.code for s in response.context["page"]]
    assert codes == ["BAD-1"]
    assert "4,000 km outside Testland" in response.content.decode()
    assert len(everything.context["page"]) == 4


def test_the_api_lists_suspect_sites_in_the_users_scope(client, electoral, civilaffairs, suspect_plan):
    url = f"/api/v1/polling-sites/?security_plan={suspect_plan.pk}&coordinates=suspect"
    client.force_login(electoral)
    body = client.get(url).json()
    assert [r["code"] for r in body["results"]] == ["BAD-1"]
    assert body["results"][0]["coordinates_issue"] == OUT_COUNTRY
    assert "Testland" in body["results"][0]["coordinates_note"]
    # Civil affairs staff do not see security plans: the plan is unknown to them (as a missing id), and
    # the suspect filter alone lists nothing.
    client.force_login(civilaffairs)
    assert client.get(url).status_code == 400
    assert client.get("/api/v1/polling-sites/?coordinates=suspect").json()["results"] == []
    client.force_login(electoral)
    assert [r["code"] for r in client.get("/api/v1/polling-sites/?coordinates=suspect").json()["results"]] == ["BAD-1"]


def test_the_site_page_shows_the_reason(client, electoral, suspect_plan):
    client.force_login(electoral)
    site = suspect_plan.sites.get(code="BAD-1")
    response = client.get(reverse("elections:site-edit", args=[site.pk]))
    assert response.status_code == 200
    assert "outside Testland" in response.content.decode()
