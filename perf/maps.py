"""Measure the polling-site maps and the coordinates check on the national SCALE data set.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_perf .venv/bin/python perf/maps.py

Needs `seed_scale --national` (37 regions, 800 districts with boundaries, 200,000 sites, about 1.3% with
wrong coordinates, seeded unflagged); `_setup.ensure_national()` builds it when missing. Prints:
- the coordinates check: `coordinates_check` on the 200,000 points (cold: boundaries parsed; warm:
  cached), and `polling_sites_check_coordinates` storing the flags on the plan (first run: every wrong
  site changes; a second run: nothing changes);
- the national map (aggregated: districts coloured by risk share) and the largest district's map, as
  `scale_electoral` through the Django test client (all middleware, DEBUG off): median server time over
  REPEAT requests after WARMUP, the queries and the size. Targets: national < 1 s and < 500 KB; district
  < 200 ms. Also the time of the selector + drawing alone, and the national map in the PDF's form.
"""

from __future__ import annotations

import statistics
import tempfile
import time

import _setup  # noqa: E402

_setup.django_setup(VAR_DIR=tempfile.mkdtemp(prefix="mandate-perf-maps-"))

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from elections import maps, selectors  # noqa: E402
from elections.models import PollingSite, SecurityPlan  # noqa: E402
from elections.services.coordinates import coordinates_check, polling_sites_check_coordinates  # noqa: E402
from mandate import access  # noqa: E402
from missions import geo  # noqa: E402
from missions import maps as mission_maps  # noqa: E402
from missions.models import Location  # noqa: E402

WARMUP = 2
REPEAT = 9
USERNAME = "scale_electoral"


def median_ms(fn, repeat=REPEAT, warmup=WARMUP):
    for _i in range(warmup):
        fn()
    samples = []
    for _i in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def page(client: Client, url: str) -> tuple[float, int, int]:
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    ms = median_ms(get)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return ms, len(queries), len(response.content)


def main() -> None:
    mission = _setup.ensure_national()
    plan = SecurityPlan.objects.filter(election_plan__mission=mission).order_by("-revision").first()
    total = plan.sites.count()
    print(f"SCALE (national): {total:,} sites in plan {plan.pk}, on {connection.vendor}")

    rows = list(plan.sites.values_list("district_id", "latitude", "longitude"))
    geo.clear_cache()
    start = time.perf_counter()
    results = coordinates_check(mission=mission, points=rows)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    coordinates_check(mission=mission, points=rows)
    warm = time.perf_counter() - start
    flagged = sum(1 for issue, _note in results if issue)
    print("\nCoordinates check (elections/services/coordinates.py):")
    print(f"  {len(rows):,} points, boundaries parsed first : {cold:6.2f} s")
    print(f"  {len(rows):,} points, boundaries cached       : {warm:6.2f} s   (target: a few seconds)")
    print(f"  flagged: {flagged:,} ({flagged / len(rows):.2%}; the seed made about 1.3% wrong)")

    start = time.perf_counter()
    changed = polling_sites_check_coordinates(security_plan=plan, user=access.SYSTEM)
    store = time.perf_counter() - start
    start = time.perf_counter()
    again = polling_sites_check_coordinates(security_plan=plan, user=access.SYSTEM)
    store_again = time.perf_counter() - start
    print(f"  stored on the plan: {changed:,} sites changed in {store:.2f} s")
    print(f"  a second run      : {again:,} changed in {store_again:.2f} s")
    by_issue = dict(
        PollingSite.objects.filter(security_plan=plan)
        .exclude(coordinates_issue="")
        .values_list("coordinates_issue")
        .annotate(n=Count("pk"))
    )
    print(f"  by reason: {by_issue}")

    district = (
        Location.objects.filter(polling_sites__security_plan=plan)
        .annotate(n=Count("polling_sites"))
        .order_by("-n")
        .first()
    )
    geo.clear_cache()
    start = time.perf_counter()
    geo.mission_areas(mission.pk)
    print(f"\nBoundaries parsed and prepared once per process: {(time.perf_counter() - start) * 1000:.0f} ms")

    def national():
        return maps.site_map(selectors.site_map_data(plan), title="t", link=lambda kind, pk: f"?{kind}={pk}")

    def district_map():
        return maps.site_map(selectors.site_map_data(plan, district=district), title="t", link=lambda k, p: "")

    def pdf():
        return maps.site_map(selectors.site_map_data(plan), title="t", links=False, width=700, max_height=620)

    print("\nSelector + drawing (no request):")
    print(f"  national            : {median_ms(national):6.0f} ms, {len(national()) / 1024:6.0f} KB")
    print(f"  district ({district.n} sites): {median_ms(district_map):6.0f} ms, {len(district_map()) / 1024:6.0f} KB")
    print(f"  national for the PDF: {median_ms(pdf):6.0f} ms, {len(pdf()) / 1024:6.0f} KB")

    # Issue 10.6: the generic district choropleth (missions.maps.district_map) that the dashboard's and the
    # engagement overview's maps use, on every district of the country, and on one region.
    areas = geo.mission_areas(mission.pk)
    names = {a.id: a.name for a in areas.areas.values()}
    counts = {a.id: (a.id * 7) % 23 for a in areas.areas.values() if a.level == "district"}

    def districts_choropleth(region_id=None):
        return mission_maps.district_map(
            areas=areas, title="t", names=names, region_id=region_id, values=counts,
            choropleth=mission_maps.Choropleth.quantiles(counts.values()), links=False,
        )  # fmt: skip

    national_choropleth = districts_choropleth()
    region_choropleth = districts_choropleth(district.parent_id)
    print(f"  district choropleth, {len(counts)} districts: {median_ms(districts_choropleth):6.0f} ms, "
          f"{len(national_choropleth) / 1024:6.0f} KB")  # fmt: skip
    print(f"  district choropleth, one region : {median_ms(lambda: districts_choropleth(district.parent_id)):6.0f} ms, "
          f"{len(region_choropleth) / 1024:6.0f} KB")  # fmt: skip

    client = Client()
    client.force_login(_user())
    with _setup.unhashed_static():
        url = reverse("elections:site-map", args=[plan.pk])
        print(f"\nPages as {USERNAME} (median of {REPEAT} after {WARMUP}):")
        ms, queries, size = page(client, url)
        print(f"  national map  : {ms:6.0f} ms, {queries:2d} queries, {size / 1024:6.0f} KB   (< 1,000 ms, < 500 KB)")
        ms, queries, size = page(client, f"{url}?district={district.pk}")
        print(f"  district map  : {ms:6.0f} ms, {queries:2d} queries, {size / 1024:6.0f} KB   (target < 200 ms)")
        region = district.parent
        ms, queries, size = page(client, f"{url}?region={region.pk}")
        print(f"  region map    : {ms:6.0f} ms, {queries:2d} queries, {size / 1024:6.0f} KB")
        readiness = reverse("elections:readiness", args=[plan.pk])
        for label, query in (("", ""), ("region", f"?region={region.pk}"), ("district", f"?district={district.pk}")):
            ms, queries, size = page(client, readiness + query)
            print(f"  readiness {label or 'whole':<8}: {ms:6.0f} ms, {queries:2d} queries, {size / 1024:6.0f} KB")
        ms, queries, size = page(client, reverse("elections:site-list", args=[plan.pk]) + "?coordinates=suspect")
        print(f"  suspect sites : {ms:6.0f} ms, {queries:2d} queries, {size / 1024:6.0f} KB   (site list page)")
        ms, queries, size = page(client, f"/api/v1/polling-sites/?security_plan={plan.pk}&coordinates=suspect")
        print(f"  suspect (API) : {ms:6.0f} ms, {queries:2d} queries, {size / 1024:6.0f} KB")


def _user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=USERNAME)


if __name__ == "__main__":
    main()
