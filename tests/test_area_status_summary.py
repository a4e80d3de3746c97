"""The dashboard narrowed to a region or district, and its district map, read `AreaStatus` (benchmarks.summaries):
each benchmark's newest assessment in each region and district, an assessment concerning its location and the
regions and districts above it; the trend of that view reads their monthly changes (`AreaStatusChange`).
Checked against a reference computed here from the assessment log after every write path: assessments (one
back-dated, a same-day correction), a benchmark retired and restored, a gazetteer re-import moving a
sub-district under another district and a district under another region, and a rebuild (what bulk loaders
call). Records name a region or a district; sub-district assessments come from bulk loads
(made here by the factory, which keeps the summary as the services do)."""

import datetime
from collections import Counter

import pytest
from django.db.models import Q

from benchmarks import selectors, services, summaries
from benchmarks.models import AreaStatus, AreaStatusChange, Assessment, Benchmark, Status
from mandate import access
from missions.area_filter import area_filter
from missions.models import Location
from tests.benchmarks_support import make_plan
from tests.factories import AssessmentFactory
from tests.test_benchmarks_trend_summaries import _assess
from tests.test_gazetteer_import import imported

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
COD = """admin1Name_en,admin1Pcode,admin2Name_en,admin2Pcode,admin3Name_en,admin3Pcode
Kalo North,XX01,Bamba,XX0101,Kolo,XX010101
Kalo North,XX01,Sénou,XX0102,Diby,XX010201
Kalo South,XX02,Tiné,XX0201,Moro,XX020101
"""
MOVED = COD.replace("Bamba,XX0101,Kolo", "Sénou,XX0102,Kolo")
# Sénou (with Diby, and Kolo since MOVED) now lies in Kalo South.
MOVED_REGION = MOVED.replace("Kalo North,XX01,Sénou", "Kalo South,XX02,Sénou")


def _reference(mission) -> dict[tuple[int, int], tuple[str, int, datetime.date]]:
    """(benchmark, area) -> (status, progress, date) of the newest assessment whose location is the area or
    lies under it, for every region and district, computed from the log."""
    parent = dict(Location.objects.filter(mission=mission).values_list("pk", "parent_id"))
    level = dict(Location.objects.filter(mission=mission).values_list("pk", "level"))
    newest = {}
    log = Assessment.objects.filter(benchmark__output__mission=mission, location__isnull=False)
    for a in sorted(log, key=lambda a: (a.assessed_on, a.created_at, a.pk)):
        place = a.location_id
        while place is not None:
            if level[place] in (Location.Level.REGION, Location.Level.DISTRICT):
                newest[(a.benchmark_id, place)] = (a.status, a.progress, a.assessed_on)
            place = parent[place]
    return newest


def _district_map_reference(mission) -> dict[int, dict[str, int]]:
    active = set(selectors.active_benchmarks(mission, access.SYSTEM).values_list("pk", flat=True))
    districts = set(
        Location.objects.filter(mission=mission, level=Location.Level.DISTRICT).values_list("pk", flat=True)
    )
    result: dict[int, dict[str, int]] = {}
    for (benchmark, area), (status, _progress, _day) in _reference(mission).items():
        if area in districts and benchmark in active:
            counts = result.setdefault(area, {})
            counts[status] = counts.get(status, 0) + 1
    return result


def _trend_reference(mission, area, benchmarks) -> list[dict[str, int]]:
    """The benchmarks assessed for `area` by their status there at each of the last twelve month ends: their
    newest assessment in the area on or before it, not started before any."""
    within = {area.pk} | set(
        Location.objects.filter(Q(parent=area) | Q(parent__parent=area)).values_list("pk", flat=True)
    )
    log = sorted(
        Assessment.objects.filter(benchmark__in=benchmarks, location__in=within),
        key=lambda a: (a.assessed_on, a.created_at, a.pk),
    )
    result = []
    for end in selectors.month_ends(TODAY, 12):
        status = dict.fromkeys(benchmarks, Status.NOT_STARTED)
        for a in log:
            if a.assessed_on <= end:
                status[a.benchmark_id] = a.status
        result.append(dict(Counter(status.values())))
    return result


def _map(mission, user=access.SYSTEM) -> dict[int, dict[str, int]]:
    return {d: e.counts for d, e in selectors.district_statuses(mission, user).items()}


def _assert_exact(mission):
    """The summary, the dashboard by each region and district (counts and rows) and the map agree with the log."""
    reference = _reference(mission)
    rows = AreaStatus.objects.filter(benchmark__output__mission=mission)
    assert {(r.benchmark_id, r.area_id): (r.status, r.progress, r.assessed_on) for r in rows} == reference
    active = set(selectors.active_benchmarks(mission, access.SYSTEM).values_list("pk", flat=True))
    for area in Location.objects.filter(mission=mission, level__in=[Location.Level.REGION, Location.Level.DISTRICT]):
        there = {b: v for (b, a), v in reference.items() if a == area.pk and b in active}
        filters = selectors.Filters(area=area_filter({area.level: area.pk}, mission.pk))
        data = selectors.dashboard_data(mission, access.SYSTEM, filters, today=TODAY)
        assert data.totals == dict(Counter(status for status, _p, _d in there.values())), area.name
        assert {b.pk: (b.status, b.progress, b.last_assessed) for b in data.rows} == there, area.name
        assert selectors.status_trend(mission, access.SYSTEM, 12, filters, today=TODAY).counts == _trend_reference(
            mission, area, set(there)
        ), area.name
        for status in Status.values:  # the status filter reads the status there
            narrowed = selectors.Filters(status=status, area=filters.area)
            total = selectors.dashboard_data(mission, access.SYSTEM, narrowed, today=TODAY).total
            assert total == sum(1 for s, _p, _d in there.values() if s == status), (area.name, status)
    assert _map(mission) == _district_map_reference(mission)  # the rollup (a reader who sees everything)
    # The filtered path reads the same table (its district rows) for the benchmarks in view:
    narrowed = selectors.district_statuses(mission, access.SYSTEM, selectors.Filters(term="short"))
    short = set(Benchmark.objects.filter(output__mission=mission, term="short").values_list("pk", flat=True))
    expected: dict[int, dict[str, int]] = {}
    districts = {pk for pk, level in Location.objects.filter(mission=mission).values_list("pk", "level")
                 if level == Location.Level.DISTRICT}  # fmt: skip
    for (benchmark, area), (status, _p, _d) in reference.items():
        if area in districts and benchmark in short and benchmark in active:
            expected.setdefault(area, Counter())[status] += 1
    assert {d: e.counts for d, e in narrowed.items()} == {d: dict(c) for d, c in expected.items()}


def test_the_area_summary_is_exact_after_every_write(mission, components, electoral, hom):
    plan = make_plan(mission, components, electoral)
    imported(mission, COD)
    place = {loc.pcode: loc for loc in Location.objects.filter(mission=mission)}
    north, bamba, senou, kolo, diby, tine = (place[c] for c in ("XX01", "XX0101", "XX0102", "XX010101", "XX010201",
                                                                 "XX0201"))  # fmt: skip
    _assert_exact(mission)

    _assess(plan.b_ca, hom, 20, Status.AT_RISK, location=bamba)
    _assess(plan.b_ca, hom, 10, Status.ON_TRACK, location=senou)  # the region's newest: Sénou's
    _assess(plan.b_el, hom, 5, Status.OFF_TRACK, location=north)  # a region's own assessment: no district's
    _assess(plan.b_el, hom, 30, Status.ACHIEVED, location=senou)  # back-dated: older than the region's
    _assess(plan.b_el_long, hom, 3, Status.AT_RISK, location=tine)
    _assess(plan.b_el_long, hom, 95, Status.ON_TRACK, location=bamba)  # months of history there
    _assess(plan.b_el_long, hom, 64, Status.OFF_TRACK, location=bamba)
    _assess(plan.b_el_long, hom, 62, Status.NOT_STARTED, location=bamba)  # the month's last wins
    AssessmentFactory(benchmark=plan.b_el_long, location=diby, status=Status.ON_TRACK, assessed_by=hom,
                      assessed_on=TODAY - datetime.timedelta(days=2), progress=55)  # fmt: skip
    _assert_exact(mission)

    wrong = _assess(plan.b_ca, hom, 1, Status.OFF_TRACK, location=bamba)
    _assess(plan.b_ca, hom, 1, Status.ON_TRACK, location=bamba, corrects=wrong)  # a same-day correction wins
    _assess(plan.b_ca, hom, 0, Status.AT_RISK)  # mission-wide: no area's
    _assert_exact(mission)

    services.plan_item_retire(item=plan.b_ca, user=hom, expected_version=None)
    _assert_exact(mission)
    services.plan_item_retire(item=plan.b_ca, user=hom, expected_version=None, retire=False)
    _assert_exact(mission)

    AssessmentFactory(benchmark=plan.b_ca, location=kolo, status=Status.OFF_TRACK, assessed_by=hom,
                      assessed_on=TODAY, progress=5)  # fmt: skip
    imported(mission, MOVED)  # Kolo now lies in Sénou: its assessments count there
    assert Location.objects.get(pk=kolo.pk).parent_id == senou.pk
    _assert_exact(mission)
    imported(mission, MOVED_REGION)  # Sénou now lies in Kalo South: its assessments count there
    assert Location.objects.get(pk=senou.pk).parent_id == tine.parent_id
    _assert_exact(mission)

    def kept():
        return (
            set(AreaStatus.objects.values_list("benchmark_id", "area_id", "status", "progress", "assessed_on")),
            set(AreaStatusChange.objects.values_list("benchmark_id", "area_id", "month", "status", "replaced")),
        )

    before = kept()
    summaries.summaries_rebuild(mission)
    assert kept() == before


def test_the_district_map_follows_assessments_and_areas_moved_by_a_re_import(
    mission, components, electoral, hom, django_assert_num_queries
):
    plan = make_plan(mission, components, electoral)
    imported(mission, COD)
    place = {loc.pcode: loc for loc in Location.objects.filter(mission=mission)}
    bamba, senou, kolo, diby = (place[c] for c in ("XX0101", "XX0102", "XX010101", "XX010201"))

    def assess(benchmark, where, status, days_ago):
        if where.level == Location.Level.SUBDISTRICT:  # records name regions or districts; a bulk load may not
            AssessmentFactory(benchmark=benchmark, location=where, status=status, assessed_by=hom,
                              assessed_on=TODAY - datetime.timedelta(days=days_ago))  # fmt: skip
            return
        _assess(benchmark, hom, days_ago, status, location=where)

    assess(plan.b_ca, kolo, Status.AT_RISK, 20)
    assess(plan.b_ca, diby, Status.ON_TRACK, 10)
    assess(plan.b_el, bamba, Status.OFF_TRACK, 5)
    assess(plan.b_el, kolo, Status.ON_TRACK, 30)  # back-dated: older than Bamba's, so it does not win there
    assess(plan.b_el, place["XX01"], Status.ACHIEVED, 1)  # a region's assessment belongs to no district
    with django_assert_num_queries(1):
        statuses = _map(mission)
    assert statuses == {bamba.pk: {Status.AT_RISK: 1, Status.OFF_TRACK: 1}, senou.pk: {Status.ON_TRACK: 1}}
    assert statuses == _district_map_reference(mission)

    imported(mission, MOVED)  # Kolo now lies in Sénou: its assessments count there
    assert Location.objects.get(pk=kolo.pk).parent_id == senou.pk
    statuses = _map(mission)
    assert statuses == {bamba.pk: {Status.OFF_TRACK: 1}, senou.pk: {Status.ON_TRACK: 2}}
    assert statuses == _district_map_reference(mission)
