"""Issue 10.6, pages: the benchmark dashboard, the engagement overview and the readiness page by region and
district (`?region=`, `?district=`, one parser: missions.area_filter), each with a district map drawn by
missions.maps.district_map (or the site map), and a note instead of a map without boundaries."""

import datetime
import re

import pytest
from django.urls import reverse

from benchmarks import charts
from benchmarks.models import Status
from missions.models import Location
from tests.benchmarks_support import make_plan
from tests.elections_support import build_election
from tests.factories import AssessmentFactory, EngagementFactory, LocationFactory, PollingSiteFactory
from tests.geo_support import area, fresh_boundaries, two_district_country  # noqa: F401 (fresh_boundaries: a fixture)

DAY = datetime.date(2026, 3, 1)


@pytest.fixture
def country(mission):
    """Central region (West, East) and Northern region (Hills), with boundaries; a district elsewhere."""
    central, west, east = two_district_country(mission)
    northern = area(mission, "Northern Region", (0, 11, 2, 12), level="region")
    hills = area(mission, "Hills", (0, 11, 2, 12), parent=northern)
    return {"central": central, "west": west, "east": east, "northern": northern, "hills": hills}


@pytest.fixture
def bare_country(mission):
    """The same areas without boundaries (a gazetteer loaded from a list, no GeoJSON)."""
    central = LocationFactory(mission=mission, name="Central Region", level=Location.Level.REGION)
    west = LocationFactory(mission=mission, name="West", parent=central)
    return {"central": central, "west": west}


@pytest.fixture
def foreign(other_mission):
    return LocationFactory(mission=other_mission, name="Elsewhere")


@pytest.fixture
def plan(mission, components, electoral):
    return make_plan(mission, components, electoral)


def _assess(benchmark, place, status, user, day=DAY):
    return AssessmentFactory(benchmark=benchmark, location=place, status=status, assessed_on=day, assessed_by=user)


def _dashboard(client, **params):
    response = client.get(reverse("benchmarks:dashboard"), params)
    assert response.status_code == 200
    return response


# --- the benchmark dashboard --------------------------------------------------------------------------------


def test_dashboard_by_region_counts_the_benchmarks_assessed_there_with_their_status_there(client, hom, plan, country):
    _assess(plan.b_ca, country["west"], Status.AT_RISK, hom, day=DAY)
    _assess(plan.b_ca, country["west"], Status.ON_TRACK, hom, day=DAY + datetime.timedelta(days=5))  # newest wins
    _assess(plan.b_el, country["hills"], Status.AT_RISK, hom)
    client.force_login(hom)
    whole = _dashboard(client).context["data"]
    assert whole.total == 3 and whole.totals.get(Status.OFF_TRACK) == 1  # b_el's own, mission-wide assessment
    central = _dashboard(client, region=country["central"].pk).context["data"]
    assert (central.total, central.totals) == (1, {Status.ON_TRACK: 1})
    assert [b.pk for b in central.rows] == [plan.b_ca.pk] and central.rows[0].status == Status.ON_TRACK
    hills = _dashboard(client, district=country["hills"].pk).context["data"]
    assert (hills.total, hills.totals) == (1, {Status.AT_RISK: 1})
    # A district filter with the other filters: the status is the one assessed there.
    assert _dashboard(client, district=country["hills"].pk, status=Status.OFF_TRACK).context["data"].total == 0
    assert _dashboard(client, region=country["northern"].pk, status=Status.AT_RISK).context["data"].total == 1


def test_dashboard_filter_form_offers_the_missions_regions_and_districts(client, hom, plan, country, foreign):
    client.force_login(hom)
    page = _dashboard(client, district=country["west"].pk).content.decode()
    assert '<label for="f-region">' in page and '<label for="f-district">' in page
    assert f'<option value="{country["west"].pk}" selected>West</option>' in page
    assert '<optgroup label="Northern Region">' in page and "Elsewhere" not in page


@pytest.mark.parametrize("param", ["district", "region"])
def test_dashboard_answers_404_for_an_area_of_another_mission_as_for_an_unknown_one(
    client, hom, plan, country, foreign, param
):
    client.force_login(hom)
    url = reverse("benchmarks:dashboard")
    assert client.get(url, {param: foreign.pk}).status_code == 404
    assert client.get(url, {param: 999999}).status_code == 404
    assert client.get(url, {param: "x1"}).status_code == 404
    wrong_level = country["west"].pk if param == "region" else country["central"].pk
    assert client.get(url, {param: wrong_level}).status_code == 404


def _fill_of(svg: str, tooltip_start: str) -> str:
    match = re.search(r'<path d="[^"]*" fill="(#[0-9a-f]{6})"><title>' + re.escape(tooltip_start), svg)
    assert match, tooltip_start
    return match.group(1)


def test_dashboard_map_colours_each_district_by_the_worst_status_assessed_there(client, hom, plan, country):
    _assess(plan.b_ca, country["west"], Status.ON_TRACK, hom)
    _assess(plan.b_el, country["west"], Status.OFF_TRACK, hom)
    _assess(plan.b_el_long, country["east"], Status.ACHIEVED, hom)
    client.force_login(hom)
    response = _dashboard(client)
    page = response.content.decode()
    assert '<div class="map-figure"><svg ' in page and "&lt;svg" not in page  # the SVG itself, not its text
    panel = response.context["status_map"]
    svg = str(panel.svg)
    assert _fill_of(svg, "West:") == charts.STATUS_COLOURS[Status.OFF_TRACK]
    assert _fill_of(svg, "East:") == charts.STATUS_COLOURS[Status.ACHIEVED]
    assert "Hills: no benchmark assessed for it" in svg  # no data
    assert 'role="img"' in svg and "<desc>" in svg and "Off track: 1" in svg  # legend: districts per status
    # The text alternative: one row per district assessed, counts by status in status order, a link to it.
    rows = {name: (href, values) for name, href, values in panel.rows}
    assert rows["West"][1] == [0, 1, 0, 1, 0] and rows["West"][0] == f"?district={country['west'].pk}"
    assert "Hills" not in rows


def test_dashboard_map_of_a_district_shows_its_region(client, hom, plan, country):
    _assess(plan.b_ca, country["west"], Status.ON_TRACK, hom)
    _assess(plan.b_el, country["hills"], Status.OFF_TRACK, hom)
    client.force_login(hom)
    svg = str(_dashboard(client, district=country["west"].pk).context["status_map"].svg)
    assert "Central Region" in svg and "West:" in svg and "East:" in svg
    assert "Hills" not in svg  # another region's district


def test_dashboard_without_boundaries_says_so_and_keeps_the_table(client, hom, plan, bare_country):
    _assess(plan.b_ca, bare_country["west"], Status.ON_TRACK, hom)
    client.force_login(hom)
    response = _dashboard(client)
    panel = response.context["status_map"]
    assert panel.svg is None and [row[0] for row in panel.rows] == ["West"]
    assert "No district boundaries are loaded for this mission" in response.content.decode()


# --- the engagement overview -----------------------------------------------------------------------------------


@pytest.fixture
def engagements(mission, components, country):
    made = [
        EngagementFactory(mission=mission, district=country["west"], date=DAY),
        EngagementFactory(mission=mission, district=country["west"], date=DAY),
        EngagementFactory(mission=mission, district=country["east"], date=DAY),
        EngagementFactory(mission=mission, district=country["hills"], date=DAY),
        EngagementFactory(mission=mission, district=None, date=DAY),
    ]
    return made


def _overview(client, **params):
    response = client.get(reverse("partners:overview"), {"period_start": "2026-01-01", **params})
    assert response.status_code == 200
    return response


def test_overview_by_region_and_district_counts_the_engagements_held_there(client, civilaffairs, engagements, country):
    client.force_login(civilaffairs)
    assert _overview(client).context["indicators"][0].engagements == 5
    central = _overview(client, region=country["central"].pk).context
    assert central["indicators"][0].engagements == 3
    assert sorted(r["name"] for r in central["coverage"]["rows"]) == ["East", "West"]
    assert _overview(client, district=country["hills"].pk).context["indicators"][0].engagements == 1


def test_overview_map_fills_districts_by_their_engagements(client, civilaffairs, engagements, country):
    client.force_login(civilaffairs)
    panel = _overview(client).context["coverage_map"]
    assert {name: values for name, _href, values in panel.rows} == {"West": ["2"], "East": ["1"], "Hills": ["1"]}
    svg = str(panel.svg)
    assert "West: 2 engagements" in svg and "Engagements in the period:" in svg
    assert _fill_of(svg, "West:") != _fill_of(svg, "East:")  # quantile classes: 2 is not 1
    region_panel = _overview(client, region=country["northern"].pk).context["coverage_map"]
    assert [row[0] for row in region_panel.rows] == ["Hills"]


def test_overview_answers_404_for_another_missions_district(client, civilaffairs, engagements, foreign):
    client.force_login(civilaffairs)
    response = client.get(reverse("partners:overview"), {"district": foreign.pk})
    assert response.status_code == 404


# --- the readiness page ------------------------------------------------------------------------------------------


def test_readiness_by_region_counts_the_sites_of_its_districts(client, electoral, mission, country):
    e = build_election(mission, country["west"], sites=2)
    PollingSiteFactory(security_plan=e["security"], district=country["east"])
    PollingSiteFactory(security_plan=e["security"], district=country["hills"])
    client.force_login(electoral)
    url = reverse("elections:readiness", args=[e["security"].pk])
    assert client.get(url).context["r"].total_sites == 4
    response = client.get(url, {"region": country["central"].pk})
    assert response.status_code == 200
    assert response.context["r"].total_sites == 3 and response.context["r"].open_incidents_count == 1
    page = response.content.decode()
    assert f'?region={country["central"].pk}"' in page  # the map shows the region
    assert "No district boundaries are loaded" not in page
    hills = client.get(url, {"district": country["hills"].pk}).context["r"]
    assert (hills.total_sites, hills.open_incidents_count) == (1, 0)


def test_readiness_map_fills_districts_by_their_share_of_high_risk_sites(client, electoral, mission, country):
    e = build_election(mission, country["west"], sites=2)
    e["security"].sites.filter(pk=e["sites"][0].pk).update(suggested_risk="critical")
    e["security"].sites.filter(pk=e["sites"][1].pk).update(suggested_risk="low")
    PollingSiteFactory(security_plan=e["security"], district=country["east"], suggested_risk="low")
    client.force_login(electoral)
    response = client.get(reverse("elections:readiness", args=[e["security"].pk]), {"region": country["central"].pk})
    panel = response.context["risk_map"]
    svg = str(panel.svg)
    assert _fill_of(svg, "West:") != _fill_of(svg, "East:")  # 50 % against 0 %
    assert "Sites at high or critical risk:" in svg and "Hills" not in svg  # the legend; the region's only
    assert {name: values for name, _href, values in panel.rows} == {"West": [2, "50 %"], "East": [1, "0 %"]}
    assert '<div class="map-figure"><svg ' in response.content.decode()


def test_readiness_refuses_another_missions_region_and_notes_missing_boundaries(
    client, electoral, mission, bare_country, foreign
):
    e = build_election(mission, bare_country["west"], sites=1)
    client.force_login(electoral)
    url = reverse("elections:readiness", args=[e["security"].pk])
    assert client.get(url, {"region": foreign.pk}).status_code == 404
    page = client.get(url, {"region": bare_country["central"].pk}).content.decode()
    assert "No district boundaries are loaded" in page


def _area_trend_reference(plan, places, today) -> list[dict[str, int]]:
    """Each month end: the status of each benchmark assessed in `places` is its newest assessment there on
    or before that day, not started before any; benchmarks never assessed there are left out."""
    from collections import Counter

    from benchmarks import selectors
    from benchmarks.models import Assessment

    log = list(
        Assessment.objects.filter(location__in=places)
        .order_by("assessed_on", "created_at", "id")
        .values_list("benchmark_id", "assessed_on", "status")
    )
    result = []
    for end in selectors.month_ends(today, 12):
        status = {benchmark_id: Status.NOT_STARTED for benchmark_id, _d, _s in log}
        for benchmark_id, day, value in log:
            if day <= end:
                status[benchmark_id] = value
        result.append(dict(Counter(status.values())))
    return result


def test_dashboard_trend_follows_the_region_or_district_chosen(client, hom, plan, country, django_assert_num_queries):
    from benchmarks import selectors
    from mandate import access
    from missions.area_filter import area_filter

    today = datetime.date.today()
    ago = lambda days: today - datetime.timedelta(days=days)  # noqa: E731
    _assess(plan.b_ca, country["west"], Status.AT_RISK, hom, day=ago(100))
    _assess(plan.b_ca, country["west"], Status.ON_TRACK, hom, day=ago(40))
    _assess(plan.b_ca, country["east"], Status.OFF_TRACK, hom, day=ago(10))
    _assess(plan.b_el, country["hills"], Status.AT_RISK, hom, day=ago(70))
    mission = plan.b_ca.output.mission
    for params, places in (
        ({"district": country["west"].pk}, [country["west"]]),
        ({"region": country["central"].pk}, [country["west"], country["east"]]),
        ({"region": country["northern"].pk}, [country["hills"]]),
    ):
        filters = selectors.Filters(area=area_filter(params, mission.pk))
        with django_assert_num_queries(1):
            counts = selectors.status_trend(mission, access.SYSTEM, 12, filters, today=today).counts
        assert counts == _area_trend_reference(plan, places, today), params
    west = selectors.status_trend(
        mission, access.SYSTEM, 12, selectors.Filters(area=area_filter({"district": country["west"].pk}, mission.pk))
    ).counts
    assert west[-1] == {Status.ON_TRACK: 1}  # not b_ca's newest anywhere (off track in East)
    # The page draws that trend, and no longer says it is the whole mission's.
    client.force_login(hom)
    page = _dashboard(client, district=country["west"].pk)
    whole = _dashboard(client)
    assert page.context["trend_chart"] != whole.context["trend_chart"]
    assert "for the whole mission" not in page.content.decode()


def test_readiness_risk_bar_in_french_puts_a_space_before_the_colon(client, electoral, mission, country):
    e = build_election(mission, country["west"], sites=2)
    mission.default_language = "fr"  # a member who never chose reads the mission's language
    mission.save(update_fields=["default_language"])
    client.force_login(electoral)
    page = client.get(reverse("elections:readiness", args=[e["security"].pk])).content.decode()
    bar = page.split('<p class="risk-bar">', 1)[1].split("</p>", 1)[0]
    assert re.search(r"[^\s<>]+ : \d", bar), bar  # « Faible : 2 », not « Faible: 2 »
    assert not re.search(r"\w: \d", bar), bar
