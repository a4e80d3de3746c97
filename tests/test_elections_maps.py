"""The polling-site map (elections/maps.py on missions/maps.py): bounds, suspect sites, aggregation, size,
queries, and the map in the election security PDF."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from elections import selectors
from elections.maps import site_map
from elections.models import CoordinatesIssue, PollingSite, RiskLevel
from elections.selectors.maps import DistrictSites, SiteMapData
from missions import geo
from missions.models import Location
from tests.elections_support import build_election
from tests.geo_support import area, fresh_boundaries, square, two_district_country  # noqa: F401 (fresh_boundaries: a fixture)

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
# Queries shared by every page: session, user, memberships (access + navigation; they also say that no
# security plan is shared with the user one by one, which would take a query of its own).
BASE_QUERIES = 3


@pytest.fixture
def country(mission):
    return two_district_country(mission)


def _sites(plan, district, n, *, lat=10.5, lon=0.5, spread=0.4, seed=0, prefix="S"):
    rng = random.Random(seed)
    PollingSite.objects.bulk_create(
        PollingSite(
            security_plan=plan,
            code=f"{prefix}-{district.pk}-{i:05d}",
            name=f"Site {i}",
            district=district,
            latitude=round(lat + rng.uniform(-spread, spread), 6),
            longitude=round(lon + rng.uniform(-spread, spread), 6),
            suggested_risk=RiskLevel.values[i % 4],
        )
        for i in range(n)
    )


def _plan(mission, district):
    """A security plan whose one site (of the election fixture) lies in the West district."""
    plan = build_election(mission, district, sites=1)["security"]
    plan.sites.update(latitude=10.5, longitude=0.5)
    return plan


def _svg(client, plan, **params) -> str:
    response = client.get(reverse("elections:site-map", args=[plan.pk]), params)
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    return response.content.decode()


def _circles(svg: str) -> list[tuple[float, float]]:
    root = ET.fromstring(svg)
    return [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{SVG}circle") if c.get("r") != "5"]


def test_the_map_frame_is_the_country_and_suspect_sites_are_left_out_and_counted(client, electoral, mission, country):
    _region, west, east = country
    plan = _plan(mission, west)
    _sites(plan, west, 19)
    _sites(plan, east, 20, lon=1.5)
    far = PollingSite.objects.create(
        security_plan=plan, code="FAR", name="Paris", district=west, latitude=48.85, longitude=2.35
    )
    PollingSite.objects.filter(pk=far.pk).update(coordinates_issue=CoordinatesIssue.OUTSIDE_COUNTRY)
    client.force_login(electoral)
    svg = _svg(client, plan)
    assert "1 site left out: its coordinates look wrong" in svg
    assert "Paris" not in svg
    circles = _circles(svg)
    assert len(circles) == 40
    # The country (two degrees wide) fills the 900-pixel drawing: its sites spread over hundreds of pixels.
    xs = [x for x, _y in circles]
    assert max(xs) - min(xs) > 500
    # Districts link to their own view; the region's name links to the region's.
    assert f"?district={west.pk}" in svg and "West" in svg and "Central Region" in svg


def test_a_district_map_shows_its_sites_inside_its_boundary(client, electoral, mission, country):
    _region, west, east = country
    plan = _plan(mission, west)
    _sites(plan, west, 30)
    _sites(plan, east, 30, lon=1.5)
    client.force_login(electoral)
    svg = _svg(client, plan, district=west.pk)
    assert len(_circles(svg)) == 31  # the west's own 30 sites and the one of the election fixture
    assert "Polling sites of" in svg and "in West" in svg


def test_beyond_the_threshold_the_national_view_aggregates_and_a_district_view_does_not(
    client, electoral, mission, country, settings
):
    settings.ELECTIONS_MAP_AGGREGATE_ABOVE = 50
    _region, west, east = country
    plan = _plan(mission, west)
    _sites(plan, west, 40)
    _sites(plan, east, 40, lon=1.5)
    client.force_login(electoral)
    national = _svg(client, plan)
    assert _circles(national) == []  # no single site
    assert "Sites at high or critical risk:" in national
    assert re.search(r"West: 41 sites \(Low \d+, Medium \d+, High \d+, Critical \d+\)", national)
    district = _svg(client, plan, district=east.pk)
    assert len(_circles(district)) == 40
    settings.ELECTIONS_MAP_AGGREGATE_ABOVE = 1000
    assert len(_circles(_svg(client, plan))) == 81


def test_without_boundaries_an_aggregated_map_draws_districts_as_circles(mission, district, settings):
    plan = build_election(mission, district, sites=1)["security"]
    other = area(mission, "No Outline", None)
    _sites(plan, district, 30, lat=9, lon=2)
    _sites(plan, other, 30, lat=12, lon=4)
    data = selectors.site_map_data(plan, aggregate_above=10)
    assert data.aggregated and set(data.per_district) == {district.pk, other.pk}
    svg = str(site_map(data, title="t"))
    assert len(_circles(svg)) == 2 and "No Outline: 30 sites" in svg


def test_a_national_map_of_200000_sites_in_800_districts_stays_under_500_kb():
    """Size, not time (perf/maps.py times it): 800 districts of 40 vertices, filled, with links and tooltips."""
    rng = random.Random(3)
    areas = geo.MissionAreas(mission_id=0)
    places = {}
    per_district = {}
    for k in range(800):
        i, j = divmod(k, 40)
        west, south = 14 + j * 0.4, 2 + i * 0.4
        ring = [(west + 0.2 + 0.2 * _c(t), south + 0.2 + 0.2 * _s(t, rng)) for t in range(40)]
        geometry = geo.parse_geometry(
            '{"type": "Polygon", "coordinates": [[' + ",".join(f"[{x:.4f},{y:.4f}]" for x, y in ring + ring[:1]) + "]]}"
        )
        areas.areas[k + 1] = geo.Area(k + 1, "district", None, f"District {k}", "", f"XX{k}", geometry)
        places[k + 1] = Location(pk=k + 1, name=f"District name {k:03d}", level="district")
        entry = DistrictSites(k + 1)
        for level in RiskLevel.values:
            entry.by_risk[level] = 250 // 4
        per_district[k + 1] = entry
    data = SiteMapData(
        security_plan=None, district=None, region=None, areas=areas, places=places, mapped=200_000, suspect=2600,
        per_district=per_district,
    )  # fmt: skip
    svg = site_map(data, title="National", link=lambda kind, pk: f"/elections/security/1/readiness/?{kind}={pk}")
    assert len(svg) < 500_000
    assert str(svg).count("<path") >= 800 and "2,600 sites left out" in str(svg)


def _c(t):
    import math

    return math.cos(2 * math.pi * t / 40)


def _s(t, rng):
    import math

    return math.sin(2 * math.pi * t / 40) * (0.9 + 0.1 * rng.random())


def _queries(client, user, url, django_assert_num_queries, expected):
    client.force_login(user)
    client.get(url)  # warm the caches of content types and parsed boundaries
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("size", [10, 400])
@pytest.mark.parametrize("aggregated", [False, True])
def test_map_pages_run_in_constant_queries(
    client, electoral, mission, country, size, aggregated, settings, django_assert_num_queries
):
    settings.ELECTIONS_MAP_AGGREGATE_ABOVE = 5 if aggregated else 100_000
    _region, west, east = country
    plan = _plan(mission, west)
    _sites(plan, west, size)
    _sites(plan, east, size, lon=1.5)
    # + 1 the security plan, + 1 the sites' counts per district, risk and state of the coordinates,
    # + 2 the boundaries' fingerprint (geometries cached), + 1 the mission's areas, + 1 the sites
    # themselves unless the view aggregates.
    national = BASE_QUERIES + 5 + (0 if aggregated else 1)
    _queries(client, electoral, reverse("elections:site-map", args=[plan.pk]), django_assert_num_queries, national)
    # A district's map never aggregates: + 1 the district (from ?district=), + 1 its sites.
    url = reverse("elections:site-map", args=[plan.pk]) + f"?district={east.pk}"
    _queries(client, electoral, url, django_assert_num_queries, BASE_QUERIES + 7)


def test_a_region_view_shows_the_regions_districts(client, electoral, mission, country):
    region, west, east = country
    plan = _plan(mission, west)
    _sites(plan, east, 10, lon=1.5)
    client.force_login(electoral)
    svg = _svg(client, plan, region=region.pk)
    assert "in Central Region" in svg
    assert len(_circles(svg)) == 11 and "outside the area shown" not in svg
    assert client.get(reverse("elections:site-map", args=[plan.pk]), {"region": west.pk}).status_code == 404


def test_the_boundaries_are_read_again_when_they_change(mission, country):
    _region, west, _east = country
    before = geo.mission_areas(mission.pk)
    assert geo.contains(before.boundary(west.pk), 10.5, 0.5)
    Location.objects.filter(pk=west.pk).update(boundary=square(5, 5, 6, 6), min_lat=5, max_lat=6)
    after = geo.mission_areas(mission.pk)
    assert not geo.contains(after.boundary(west.pk), 10.5, 0.5)
