"""Measure the mission dashboard on the SCALE data set (5,000 benchmarks, 50,000 assessments).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_perf .venv/bin/python perf/dashboard.py

Prints, as the HoM of SCALE (`scale_hom`) through the Django test client (all middleware, session,
auth, template rendering; DEBUG off as in production):
- the dashboard view's server time (median of REPEAT requests after WARMUP), and its query count;
- a bare view that runs only the same aggregate SQL (the status GROUP BY and the twelve-month trend)
  and returns JSON, the same way; and the ratio of the two medians (target < 3; dashboard < 60 ms, issue 14.6);
- the page weight on first load: HTML (with its inline SVG charts) + CSS + JS + images (target < 300 KB);
- the twelve-month trend computed two ways (the summaries of benchmarks.summaries, as the app does, versus one query
  of (benchmark_id, date, status) processed in Python), with both timings and a check they agree.

The bare view exists only in this script (its own URLconf wraps the project's).
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from pathlib import Path

import _setup  # noqa: E402

_setup.django_setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.decorators import login_required  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import clear_url_caches, include, path, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks import selectors  # noqa: E402
from benchmarks.models import Assessment, Status  # noqa: E402
from mandate.context_processors import current_mission  # noqa: E402
from missions.area_filter import area_filter  # noqa: E402

WARMUP = 3
REPEAT = 21
USERNAME = "scale_hom"


@login_required
def bare_dashboard(request):
    """Only the dashboard's aggregate SQL (status counts by output x term x status; the trend), as JSON."""
    mission = current_mission(request)
    filters = selectors.Filters.from_params(request.GET)
    filters = dataclasses.replace(filters, area=area_filter(request.GET, mission.pk, choices=False))
    today = timezone.localdate()
    benchmarks = filters.apply(selectors.active_benchmarks(mission, request.user), today)
    counts = list(selectors.status_counts(benchmarks, today))
    trend = selectors.status_trend(mission, request.user, 12, filters, today=today)
    return JsonResponse({"counts": counts, "trend": trend.counts, "months": [str(m) for m in trend.months]})


urlpatterns = [path("perf/bare-dashboard/", bare_dashboard, name="perf-bare"), path("", include("config.urls"))]


def ensure_assessment_areas(mission) -> tuple:
    """A region and a district of SCALE with assessments (issue 10.6). `seed_scale` names no area on its
    assessments: the first time, two in three are given a district (spread by id), one in three stays
    mission-wide. Returns (region, district) of the busiest district."""
    from django.db.models import Count, F

    from missions.models import Location

    districts = list(Location.objects.filter(mission=mission, level=Location.Level.DISTRICT).order_by("pk"))
    assessments = Assessment.objects.filter(benchmark__output__mission=mission)
    if districts and not assessments.filter(location__isnull=False).exists():
        start = time.perf_counter()
        buckets = len(districts) + len(districts) // 2  # the last third of the buckets stays mission-wide
        for i, district in enumerate(districts):
            assessments.annotate(bucket=F("id") % buckets).filter(bucket=i).update(location=district)
        from benchmarks import summaries

        summaries.area_status_rebuild(mission.pk)  # the updates bypassed the services that keep it
        print(
            f"(gave {len(districts)} districts to two thirds of the assessments in {time.perf_counter() - start:.1f} s)"
        )
    busiest = (
        assessments.filter(location__level="district").values("location").annotate(n=Count("id")).order_by("-n").first()
    )
    if busiest is None:
        return None, None
    district = Location.objects.get(pk=busiest["location"])
    return district.parent, district


def analyze() -> None:
    """Planner statistics for freshly bulk-loaded tables, as autovacuum would soon give a live database."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE benchmarks_assessment, benchmarks_benchmark, benchmarks_operationaloutput, missions_component"
            )
            # The summaries are rewritten whole by a rebuild: vacuumed, their dead rows leave the area's scans.
            cursor.execute("VACUUM ANALYZE benchmarks_areastatus, benchmarks_areastatuschange")


def timed(client: Client, url: str) -> tuple[float, int, int]:
    """Median milliseconds over REPEAT requests after WARMUP, the query count and the response size.

    Also leaves in `timed.cpu` the median CPU time of this (Django) process per request: the part of the
    server time spent in Python, which other processes on a busy machine disturb less than wall time.
    """
    for _i in range(WARMUP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    samples, cpu = [], []
    for _i in range(REPEAT):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    timed.cpu = statistics.median(cpu)
    return statistics.median(samples), len(queries), len(response.content)


def trend_in_python(mission, user, months=12):
    """The alternative the brief allows: one query of (benchmark_id, date, status), statuses walked in Python."""
    today = timezone.localdate()
    ends = selectors.month_ends(today, months)
    scoped = selectors.active_benchmarks(mission, user)
    total = scoped.count()
    rows = (
        Assessment.objects.filter(benchmark__in=scoped.values("id"), assessed_on__lte=today)
        .order_by("benchmark_id", "assessed_on", "created_at", "id")
        .values_list("benchmark_id", "assessed_on", "status")
    )
    counts = [dict.fromkeys(Status.values, 0) for _e in ends]
    current_id, history = None, []

    def flush():
        # For each month end, the status of the newest assessment on or before it.
        i = 0
        status = None
        for m, end in enumerate(ends):
            while i < len(history) and history[i][0] <= end:
                status = history[i][1]
                i += 1
            if status is not None:
                counts[m][status] += 1

    for benchmark_id, assessed_on, status in rows.iterator(chunk_size=10000):
        if benchmark_id != current_id:
            flush()
            current_id, history = benchmark_id, []
        history.append((assessed_on, status))
    flush()
    for month_counts in counts:
        month_counts[Status.NOT_STARTED] += total - sum(month_counts.values())
    return [{k: v for k, v in c.items() if v} for c in counts]


def static_size(name: str) -> int:
    found = finders.find(name)
    return Path(found).stat().st_size if found else 0


def main() -> None:
    mission = _setup.ensure_scale()
    analyze()
    user = get_user_model().objects.get(username=USERNAME)
    settings.ROOT_URLCONF = __name__
    clear_url_caches()
    client = Client()
    client.force_login(user)

    n_benchmarks = selectors.active_benchmarks(mission, user).count()
    n_assessments = Assessment.objects.filter(benchmark__output__mission=mission).count()
    print(f"SCALE: {n_benchmarks} active benchmarks, {n_assessments} assessments, {connection.vendor}")
    print(_setup.machine_note())

    region, district = ensure_assessment_areas(mission)
    runs = [("no filter", ""), ("off track, electoral", "?status=off_track&component=")]
    if region is not None:
        runs += [
            (f"region {region.name}", f"?region={region.pk}"),
            (f"district {district.name}", f"?district={district.pk}"),
        ]
    for label, query in runs:
        if query.endswith("component="):
            electoral = mission.components.filter(kind="electoral").first()
            query += str(electoral.pk if electoral else "")
        dash_ms, dash_q, dash_bytes = timed(client, reverse("benchmarks:dashboard") + query)
        dash_cpu = timed.cpu
        bare_ms, bare_q, _b = timed(client, reverse("perf-bare") + query)
        print(f"\n[{label}]")
        print(
            f"  dashboard view : median {dash_ms:7.1f} ms, of which Python CPU {dash_cpu:6.1f} ms "
            f"({dash_q} queries, HTML {dash_bytes / 1024:.1f} KB)"
        )
        print(
            f"  bare JSON view : median {bare_ms:7.1f} ms, of which Python CPU {timed.cpu:6.1f} ms ({bare_q} queries)"
        )
        print(f"  ratio          : {dash_ms / bare_ms:.2f}   (targets: dashboard < 60 ms, ratio < 3)")

    # The district map alone (issue 10.6): the statuses per district (one windowed query) and the drawing.
    from benchmarks import views as benchmark_views
    from missions import geo

    geo.mission_areas(mission.pk)
    for label, params in (("whole mission", {}), ("region", {"region": region.pk} if region else None)):
        if params is None:
            continue
        area = area_filter(params, mission.pk)
        filters = dataclasses.replace(selectors.Filters(), area=area)
        samples = []
        for _i in range(7):
            start = time.perf_counter()
            panel = benchmark_views._status_map(mission, user, filters, timezone.localdate())
            samples.append((time.perf_counter() - start) * 1000)
        size = len(panel.svg) if panel.svg else 0
        print(f"\nDistrict status map, {label}: median {statistics.median(samples):6.1f} ms, SVG {size / 1024:.1f} KB, "
              f"{len(panel.rows)} districts in its table")  # fmt: skip

    html = client.get(reverse("benchmarks:dashboard")).content
    assets = {name: static_size(name) for name in ("css/app.css", "css/benchmarks.css", "js/app.js", "img/favicon.svg")}
    svg_bytes = sum(len(chunk.split(b"</svg>")[0]) for chunk in html.split(b"<svg")[1:])
    total = len(html) + sum(assets.values())
    print("\nPage weight on first load (uncompressed):")
    print(f"  HTML {len(html) / 1024:.1f} KB (of which inline SVG charts {svg_bytes / 1024:.1f} KB)")
    for name, size in assets.items():
        print(f"  {name} {size / 1024:.1f} KB")
    print(f"  total {total / 1024:.1f} KB   (target < 300 KB)")

    print("\nExports of the whole matrix (one request each):")
    for name in ("benchmarks:export-csv", "benchmarks:export-xlsx"):
        start = time.perf_counter()
        response = client.get(reverse(name))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        print(f"  {name}: {(time.perf_counter() - start) * 1000:7.1f} ms, {len(body) / 1024:.0f} KB")

    print("\nTwelve-month trend, two ways:")
    samples_sql, samples_py = [], []
    for _i in range(7):
        start = time.perf_counter()
        sql = selectors.status_trend(mission, user, 12).counts
        samples_sql.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        py = trend_in_python(mission, user, 12)
        samples_py.append((time.perf_counter() - start) * 1000)
    same = [{k: v for k, v in c.items() if v} for c in sql] == py
    print(f"  summaries (app)                 : median {statistics.median(samples_sql):6.1f} ms")
    print(f"  one query + Python (alternative): median {statistics.median(samples_py):6.1f} ms")
    print(f"  results agree: {same}")


if __name__ == "__main__":
    with _setup.unhashed_static():
        main()
