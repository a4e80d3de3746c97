"""Query counts of the results-framework pages and selectors: the same at 10 and at 2,000 benchmarks."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks import selectors, summaries
from benchmarks.models import Assessment, Benchmark, Term
from mandate import access
from missions.area_filter import area_filter
from missions.models import Location
from tests.benchmarks_support import bulk_plan, make_plan
from tests.factories import EngagementFactory

SIZES = [10, 2000]


@pytest.fixture(params=SIZES, ids=lambda n: f"{n}-benchmarks")
def world(request, mission, components, electoral, hom):
    size = request.param
    plan = make_plan(mission, components, electoral)
    bulk_plan(mission, components, electoral, benchmarks=size)
    # The output and benchmark pages grow too: more benchmarks under one output, more linked engagements.
    Benchmark.objects.bulk_create(
        Benchmark(output=plan.out_ca, term=Term.MEDIUM, statement=f"More {i}", order=10 + i) for i in range(size // 10)
    )
    for i in range(max(1, size // 500)):
        engagement = EngagementFactory(
            mission=mission, component=plan.out_ca.lead_component, date=datetime.date(2026, 5, i + 1)
        )
        engagement.benchmarks.add(plan.b_ca)
    return plan


# The dashboard's district map reads the mission's parsed boundaries, cached per process (missions.geo): a
# first request parses them (one or three queries more), so the counts below are of a second request.
DASHBOARD_QUERIES = 12


def test_dashboard_page_queries(client, hom, world, django_assert_num_queries):
    client.force_login(hom)
    client.get(reverse("benchmarks:dashboard"))
    # 1 session, 2 user, 3 memberships (access), 4 the mission's regions and districts (area filter),
    # 5 components, 6 outputs, 7 status counts (GROUP BY), 8 one page of benchmark rows, 9 the twelve-month
    # trend (one windowed aggregate), 10-11 the boundaries' fingerprint (geo.mission_areas), 12 the
    # statuses per district (one windowed query).
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("benchmarks:dashboard"), {"status": "", "term": ""})
    assert response.status_code == 200


def test_filtered_dashboard_page_queries(client, hom, world, django_assert_num_queries):
    client.force_login(hom)
    client.get(reverse("benchmarks:dashboard"))
    # Same queries with filters: they narrow the SQL, they do not add queries.
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("benchmarks:dashboard"), {"status": "off_track", "term": "short", "page": 2})
    assert response.status_code == 200


@pytest.mark.parametrize("area", ["region", "district"])
def test_dashboard_by_area_page_queries(client, hom, mission, world, area, django_assert_num_queries):
    region = Location.objects.create(mission=mission, name="Kayes", level=Location.Level.REGION)
    district = Location.objects.create(mission=mission, name="Kita", level=Location.Level.DISTRICT, parent=region)
    # Half the assessments concern the district (a queryset update: assessments are append-only for save()).
    ids = list(Assessment.objects.filter(benchmark__output__mission=mission).values_list("pk", flat=True))
    Assessment.objects.filter(pk__in=ids[::2]).update(location=district)
    summaries.area_status_rebuild(mission.pk)  # the update bypassed the services that keep it
    client.force_login(hom)
    params = {area: (region if area == "region" else district).pk, "status": "on_track"}
    client.get(reverse("benchmarks:dashboard"), params)
    # The same queries as unfiltered: the area joins one summary row per benchmark (AreaStatus) in the
    # counts and the rows; the trend reads the area's monthly changes (AreaStatusChange) in one query.
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("benchmarks:dashboard"), params)
    assert response.status_code == 200
    assert response.context["data"].total > 0
    filters = selectors.Filters(status="on_track", area=area_filter(params, mission.pk))
    access.memberships(hom)  # read once per request; not counted below
    with django_assert_num_queries(4):  # components, outputs, status counts, one page of rows
        data = selectors.dashboard_data(mission, hom, filters)
    assert data.total == response.context["data"].total
    with django_assert_num_queries(1):  # the area's monthly changes (AreaStatusChange), grouped
        selectors.status_trend(mission, hom, 12, filters)


def test_output_page_queries(client, hom, world, django_assert_num_queries):
    client.force_login(hom)
    # 1 session, 2 user, 3 memberships, 4 the output with its lead, 5 components, 6 activities,
    # 7 benchmarks with their latest assessment, 8 risks, 9 indicators, 10 their values (prefetch).
    with django_assert_num_queries(10):
        response = client.get(reverse("benchmarks:output", args=[world.out_ca.pk]))
    assert response.status_code == 200


def test_benchmark_page_queries(client, hom, world, django_assert_num_queries):
    client.force_login(hom)
    # 1 session, 2 user, 3 memberships, 4 the benchmark with its output, 5 components, 6 assessment history
    # with assessors, 7 indicators, 8 their values, 9 linked engagements with component, 10 their partners.
    with django_assert_num_queries(10):
        response = client.get(reverse("benchmarks:benchmark", args=[world.b_ca.pk]))
    assert response.status_code == 200


def test_risk_register_page_queries(client, hom, world, django_assert_num_queries):
    client.force_login(hom)
    # 1 session, 2 user, 3 memberships, 4 active risks with output and owner.
    with django_assert_num_queries(4):
        response = client.get(reverse("benchmarks:risks"))
    assert response.status_code == 200


def test_csv_export_queries(client, hom, world, django_assert_num_queries):
    client.force_login(hom)
    # 1 session, 2 user, 3 memberships, 4 the audit event (exports are recorded), 5 components, 6 the rows (one
    # server-side cursor on PostgreSQL; SQLite reads the same single query in chunks).
    with CaptureQueriesContext(connection) as queries:
        b"".join(client.get(reverse("benchmarks:export-csv")).streaming_content)
    assert len(queries) == 6


def test_selectors_query_counts(hom, mission, world, django_assert_num_queries):
    access.memberships(hom)  # the user's memberships are read once per request; not counted below
    with django_assert_num_queries(4):  # components, outputs, status counts, one page of rows
        data = selectors.dashboard_data(mission, hom)
    assert data.total > 0
    with django_assert_num_queries(1):  # the windowed aggregate, the benchmarks' count folded in
        trend = selectors.status_trend(mission, hom, 12)
    assert len(trend.months) == 12
    with django_assert_num_queries(1):  # risks with output and owner
        selectors.risk_register(mission, hom)
    with django_assert_num_queries(6):  # components, activities, benchmarks, risks, indicators, values
        selectors.output_detail(world.out_ca, hom)
    benchmark = Benchmark.objects.select_related("output").get(pk=world.b_ca.pk)
    # components, history, indicators, values, engagements, engagements' partners
    with django_assert_num_queries(6):
        detail = selectors.benchmark_detail(benchmark, hom)
    assert detail.engagements


def test_api_lists_run_in_constant_queries(client, hom, world):
    client.force_login(hom)
    counts = {}
    for resource in ("outputs", "benchmarks", "assessments", "indicators", "risks", "indicator-values", "activities"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/{resource}/", {"page_size": 500})
        assert response.status_code == 200
        counts[resource] = len(queries)
    # session, user, memberships, count, page (+ the prefetch of indicator values): never one per row.
    assert max(counts.values()) <= 7, counts
