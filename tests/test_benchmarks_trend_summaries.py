"""The dashboard trend reads summaries (benchmarks.summaries); after every kind of write they are exact.

"Exact" is checked against a reference computed here in plain Python from the assessment log: each
benchmark's status at a month end is that of its newest assessment on or before it (by date, then
recording time, then id), not started before any. Writes: an assessment (and a same-day correction),
a new benchmark, a benchmark's term and lead component changed, an output's lead changed, a benchmark
and an output retired then restored. Query counts are the same at two plan sizes.
"""

import datetime
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from benchmarks import selectors, services, summaries
from benchmarks.models import Assessment, Benchmark, Status, Term
from mandate import access
from missions.models import Component
from tests.admin_support import admin_post_data
from tests.benchmarks_support import bulk_plan, make_plan
from tests.factories import UserFactory

Kind = Component.Kind
TODAY = timezone.localdate()


def _reference(mission, filters: selectors.Filters) -> list[dict[str, int]]:
    ends = selectors.month_ends(TODAY, 12)
    benchmarks = list(filters.apply(selectors.active_benchmarks(mission, access.SYSTEM), TODAY))
    log = list(
        Assessment.objects.filter(benchmark__in=benchmarks)
        .order_by("assessed_on", "created_at", "id")
        .values_list("benchmark_id", "assessed_on", "status")
    )
    result = []
    for end in ends:
        status = {b.pk: Status.NOT_STARTED for b in benchmarks}
        for benchmark_id, day, value in log:
            if day <= end:
                status[benchmark_id] = value
        result.append(dict(Counter(status.values())))
    return result


def _assert_exact(mission, components):
    filter_sets = [
        selectors.Filters(),
        selectors.Filters(term=Term.SHORT),
        selectors.Filters(component=components[Kind.ELECTORAL].pk),
        selectors.Filters(status=Status.OFF_TRACK),
        selectors.Filters(status=Status.NOT_STARTED),
        selectors.Filters(overdue=True),
        *[selectors.Filters(output=o.pk) for o in mission.outputs.all()],
    ]
    for filters in filter_sets:
        assert selectors.status_trend(mission, access.SYSTEM, 12, filters, today=TODAY).counts == _reference(
            mission, filters
        ), filters


@pytest.fixture
def plan(mission, components, electoral):
    return make_plan(mission, components, electoral)


def _assess(benchmark, user, days_ago, status, **extra):
    return services.assessment_create(
        benchmark=benchmark,
        user=user,
        assessed_on=TODAY - datetime.timedelta(days=days_ago),
        status=status,
        progress=40,
        evidence="Field report",
        **extra,
    )


def test_the_trend_is_exact_after_assessments_and_corrections(plan, hom, mission, components):
    _assert_exact(mission, components)
    _assess(plan.b_ca, hom, 95, Status.ON_TRACK)
    _assess(plan.b_ca, hom, 40, Status.AT_RISK)
    wrong = _assess(plan.b_el_long, hom, 3, Status.ACHIEVED)
    _assert_exact(mission, components)
    _assess(plan.b_el_long, hom, 3, Status.OFF_TRACK, corrects=wrong)  # a same-day correction wins
    _assess(plan.b_ca, hom, 200, Status.OFF_TRACK)  # late entry of an old review: only older months move
    _assert_exact(mission, components)


def test_the_trend_is_exact_after_plan_edits_and_retirements(plan, hom, mission, components):
    _assess(plan.b_ca, hom, 60, Status.OFF_TRACK)
    new = services.benchmark_create(output=plan.out_ca, user=hom, term=Term.MEDIUM, statement="Courts reopen")
    _assert_exact(mission, components)
    services.plan_item_update(
        item=new, user=hom, expected_version=new.version, term=Term.LONG, lead_component=components[Kind.ELECTORAL]
    )
    output = plan.out_el
    services.plan_item_update(
        item=output, user=hom, expected_version=output.version, lead_component=components[Kind.POLITICAL]
    )
    _assert_exact(mission, components)
    b_ca = Benchmark.objects.get(pk=plan.b_ca.pk)
    services.plan_item_retire(item=b_ca, user=hom, expected_version=b_ca.version)
    output.refresh_from_db()
    services.plan_item_retire(item=output, user=hom, expected_version=output.version)
    _assert_exact(mission, components)
    b_ca.refresh_from_db()
    services.plan_item_retire(item=b_ca, user=hom, expected_version=b_ca.version, retire=False)
    output.refresh_from_db()
    services.plan_item_retire(item=output, user=hom, expected_version=output.version, retire=False)
    _assert_exact(mission, components)


def test_rebuild_agrees_with_what_the_services_kept(plan, hom, mission, components):
    _assess(plan.b_ca, hom, 70, Status.ON_TRACK)
    _assess(plan.b_el, hom, 20, Status.ACHIEVED)
    kept = selectors.status_trend(mission, hom, 12).counts
    summaries.summaries_rebuild(mission)  # what bulk loaders call: the trend and the rollups it is read from
    assert selectors.status_trend(mission, hom, 12).counts == kept


def test_the_trend_is_exact_after_admin_edits_of_outputs_and_benchmarks(client, plan, hom, mission, components):
    """The admin changes a benchmark's term, lead and output, and an output's lead: the dashboard's
    summaries follow (benchmarks.admin.TrendKeepingAdmin), as after the plan services."""
    _assess(plan.b_ca, hom, 60, Status.OFF_TRACK)
    _assess(plan.b_el, hom, 20, Status.ACHIEVED)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse("admin:benchmarks_benchmark_change", args=[plan.b_ca.pk])
    data = admin_post_data(client.get(url))
    data.update(term=Term.LONG, lead_component=str(components[Kind.POLICE].pk), output=str(plan.out_el.pk))
    assert client.post(url, data).status_code == 302
    assert Benchmark.objects.get(pk=plan.b_ca.pk).output_id == plan.out_el.pk
    _assert_exact(mission, components)
    url = reverse("admin:benchmarks_operationaloutput_change", args=[plan.out_el.pk])
    data = admin_post_data(client.get(url))
    data["lead_component"] = str(components[Kind.POLITICAL].pk)
    assert client.post(url, data).status_code == 302
    _assert_exact(mission, components)


@pytest.mark.parametrize("size", [10, 300])
def test_trend_query_count_does_not_grow_with_the_plan(
    size, mission, components, electoral, hom, django_assert_num_queries
):
    bulk_plan(mission, components, electoral, benchmarks=size, history=3)
    access.memberships(hom)  # read once per request, not counted here
    with django_assert_num_queries(1):  # the summary sums for the mission
        selectors.status_trend(mission, hom, 12)
    with django_assert_num_queries(1):  # the same, narrowed by output, term, component and status
        selectors.status_trend(mission, hom, 12, selectors.Filters(term=Term.SHORT, status=Status.ON_TRACK))
    with django_assert_num_queries(2):  # overdue depends on today: the benchmarks' count, then their changes
        selectors.status_trend(mission, hom, 12, selectors.Filters(overdue=True))
    _assert_exact(mission, components)
