"""The dashboard's district map reads `DistrictStatus` (benchmarks.summaries): each benchmark's status in each
district is its newest assessment for the district or one of its sub-districts. Checked against a
reference computed here from the assessment log, after assessments (one back-dated) and after a gazetteer
re-import moves a sub-district under another district. Records name a region or a district; sub-district
assessments come from bulk loads (made here by the factory, which keeps the summary as the services do)."""

import datetime

import pytest

from benchmarks import selectors
from benchmarks.models import Assessment, Status
from mandate import access
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
"""
MOVED = COD.replace("Bamba,XX0101,Kolo", "Sénou,XX0102,Kolo")


def _reference(mission) -> dict[int, dict[str, int]]:
    newest: dict[tuple[int, int], str] = {}
    log = Assessment.objects.filter(benchmark__output__mission=mission, location__isnull=False).select_related(
        "location"
    )
    for a in sorted(log, key=lambda a: (a.assessed_on, a.created_at, a.pk)):
        level = a.location.level
        district = a.location_id if level == Location.Level.DISTRICT else a.location.parent_id
        if level != Location.Level.REGION:
            newest[(a.benchmark_id, district)] = a.status
    result: dict[int, dict[str, int]] = {}
    for (_benchmark, district), status in newest.items():
        counts = result.setdefault(district, {})
        counts[status] = counts.get(status, 0) + 1
    return result


def _map(mission) -> dict[int, dict[str, int]]:
    return {d: e.counts for d, e in selectors.district_statuses(mission, access.SYSTEM).items()}


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
    assert statuses == _reference(mission)

    imported(mission, MOVED)  # Kolo now lies in Sénou: its assessments count there
    assert Location.objects.get(pk=kolo.pk).parent_id == senou.pk
    statuses = _map(mission)
    assert statuses == {bamba.pk: {Status.OFF_TRACK: 1}, senou.pk: {Status.ON_TRACK: 2}}
    assert statuses == _reference(mission)
