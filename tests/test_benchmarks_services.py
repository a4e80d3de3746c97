"""Assessments, plan editing, indicator values, the trend and the charts: the rules behind the pages and the API."""

import datetime
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from benchmarks import charts, selectors, services
from benchmarks.models import Assessment, Benchmark, LibraryOutput, OperationalOutput, Status
from mandate import access
from missions.concurrency import ConcurrentEditError
from missions.models import Component
from tests.benchmarks_support import make_plan

Kind = Component.Kind
TODAY = timezone.localdate()


@pytest.fixture
def plan(mission, components, electoral):
    return make_plan(mission, components, electoral)


def _assess(benchmark, user, **fields):
    values = {"assessed_on": TODAY, "status": Status.ON_TRACK, "progress": 50, "evidence": ""}
    values.update(fields)
    return services.assessment_create(benchmark=benchmark, user=user, **values)


# --- assessments --------------------------------------------------------------------------------


def test_assessment_cannot_be_dated_in_the_future(plan, civilaffairs):
    with pytest.raises(ValidationError) as error:
        # "Today" when the test runs, not when the module was imported (a run across midnight passed wrongly).
        _assess(plan.b_ca, civilaffairs, assessed_on=timezone.localdate() + datetime.timedelta(days=1))
    assert "assessed_on" in error.value.message_dict


@pytest.mark.parametrize("progress", [-1, 101])
def test_progress_is_a_percentage(plan, civilaffairs, progress):
    with pytest.raises(ValidationError) as error:
        _assess(plan.b_ca, civilaffairs, progress=progress)
    assert "progress" in error.value.message_dict


@pytest.mark.parametrize("status", [Status.OFF_TRACK, Status.ACHIEVED])
def test_evidence_is_required_when_the_status_changes_to_off_track_or_achieved(plan, civilaffairs, status):
    with pytest.raises(ValidationError) as error:
        _assess(plan.b_ca, civilaffairs, status=status, progress=100 if status == Status.ACHIEVED else 10)
    assert "evidence" in error.value.message_dict
    assert _assess(plan.b_ca, civilaffairs, status=status, progress=10, evidence="Minutes of 3 meetings").pk


def test_evidence_is_not_required_when_off_track_stays_off_track(plan, electoral):
    # b_el is already off track: a new assessment confirming it needs no new evidence.
    assert _assess(plan.b_el, electoral, status=Status.OFF_TRACK, progress=22).pk


def test_a_new_assessment_becomes_current_and_a_backdated_one_does_not(plan, civilaffairs):
    current = _assess(plan.b_ca, civilaffairs, status=Status.AT_RISK)
    _assess(plan.b_ca, civilaffairs, assessed_on=TODAY - datetime.timedelta(days=40), status=Status.ON_TRACK)
    stored = Benchmark.objects.get(pk=plan.b_ca.pk)
    assert stored.latest_assessment == current
    # Its status and date are copied with the pointer (the dashboard reads them without the join).
    assert (stored.current_status, stored.last_assessed_on) == (Status.AT_RISK, current.assessed_on)


def test_a_correction_points_to_what_it_corrects_and_both_stay(plan, electoral):
    correction = _assess(
        plan.b_el, electoral, assessed_on=plan.assessment.assessed_on, status=Status.AT_RISK, corrects=plan.assessment
    )
    assert correction.corrects == plan.assessment
    assert Assessment.objects.filter(benchmark=plan.b_el).count() == 2
    # Same date, created later: the correction is now the current assessment.
    stored = Benchmark.objects.get(pk=plan.b_el.pk)
    assert (stored.latest_assessment, stored.current_status) == (correction, Status.AT_RISK)


def test_a_correction_must_correct_the_same_benchmark(plan, civilaffairs):
    with pytest.raises(ValidationError) as error:
        _assess(plan.b_ca, civilaffairs, corrects=plan.assessment)
    assert "corrects" in error.value.message_dict


def test_assessments_are_append_only(plan):
    plan.assessment.progress = 99
    with pytest.raises(ValidationError):
        plan.assessment.save()
    with pytest.raises(ValidationError):
        plan.assessment.delete()


def test_a_retired_benchmark_cannot_be_assessed(plan, hom):
    services.plan_item_retire(item=plan.b_ca, user=hom, expected_version=plan.b_ca.version)
    with pytest.raises(ValidationError):
        _assess(plan.b_ca, hom)


def test_the_assessment_form_shows_the_evidence_rule(client, civilaffairs, plan):
    client.force_login(civilaffairs)
    response = client.post(
        reverse("benchmarks:assess", args=[plan.b_ca.pk]),
        {"assessed_on": TODAY.isoformat(), "status": "off_track", "progress": 10, "evidence": ""},
    )
    assert response.status_code == 200
    assert "evidence" in response.context["form"].errors
    assert not Assessment.objects.filter(benchmark=plan.b_ca).exists()


def test_the_api_applies_the_same_rules(client, civilaffairs, plan):
    client.force_login(civilaffairs)
    response = client.post(
        "/api/v1/assessments/",
        {"benchmark": plan.b_ca.pk, "assessed_on": "2099-01-01", "status": "achieved", "progress": 100},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"assessed_on", "evidence"}


# --- overdue ------------------------------------------------------------------------------------


def test_overdue_means_not_achieved_and_not_assessed_for_too_long(plan, electoral, settings, hom):
    settings.ASSESSMENT_OVERDUE_DAYS = 30
    old = TODAY - datetime.timedelta(days=45)
    Benchmark.objects.filter(pk=plan.b_ca.pk).update(created_at=timezone.now() - datetime.timedelta(days=60))
    _assess(plan.b_el, electoral, assessed_on=old, status=Status.ACHIEVED, progress=100, evidence="Done")
    # b_el: its off-track assessment (10 days old) is still the newest, so b_el is not overdue;
    # b_ca: never assessed and created 60 days ago, overdue; b_el_long: created today, not yet.
    data = selectors.dashboard_data(plan.out_ca.mission, hom, selectors.Filters(overdue=True))
    assert [b.pk for b in data.rows] == [plan.b_ca.pk]
    assert data.overdue == 1


# --- editing the plan ---------------------------------------------------------------------------


def test_stale_edit_is_refused_with_the_other_persons_change(client, hom, mlt, plan):
    url = reverse("benchmarks:benchmark-edit", args=[plan.b_ca.pk])
    form = {"term": "short", "statement": "", "lead_component": "", "target_date": "", "order": 1, "version": 1}
    client.force_login(mlt)
    assert client.post(url, {**form, "statement": "MLT wording"}).status_code == 302
    client.force_login(hom)
    response = client.post(url, {**form, "statement": "HoM wording"})  # still version 1
    assert response.status_code == 409  # the conflict page (missions.edit)
    body = response.content.decode()
    assert "Someone else changed this record" in body
    assert "MLT wording" in body and "mlt" in body  # their value, and who saved it
    assert Benchmark.objects.get(pk=plan.b_ca.pk).statement == "MLT wording"
    # The form now carries the saved version: saving again overwrites knowingly.
    assert response.context["form"]["version"].value() == "2"
    assert client.post(url, {**form, "statement": "HoM wording", "version": 2}).status_code == 302
    assert Benchmark.objects.get(pk=plan.b_ca.pk).statement == "HoM wording"


def test_stale_update_service_raises(plan, hom):
    services.plan_item_update(item=plan.risk, user=hom, expected_version=1, impact=2)
    stale = type(plan.risk).objects.get(pk=plan.risk.pk)
    stale.version = 1
    with pytest.raises(ConcurrentEditError):
        services.plan_item_update(item=stale, user=hom, expected_version=1, impact=4)


def test_stale_api_update_is_412(client, hom, plan):
    client.force_login(hom)
    url = f"/api/v1/risks/{plan.risk.pk}/"
    assert client.patch(url, {"impact": 1, "version": 1}, content_type="application/json").status_code == 200
    response = client.patch(url, {"impact": 2, "version": 1}, content_type="application/json")
    assert response.status_code == 412
    assert client.patch(url, {"impact": 2}, content_type="application/json").status_code == 428


def test_retiring_keeps_the_row_and_its_history_and_can_be_undone(client, hom, plan):
    client.force_login(hom)
    response = client.post(reverse("benchmarks:retire", args=["benchmark", plan.b_el.pk]), {"version": 1})
    assert response.status_code == 302
    benchmark = Benchmark.objects.get(pk=plan.b_el.pk)
    assert benchmark.is_retired and benchmark.assessments.count() == 1
    assert benchmark.history.first().history_user == hom
    assert plan.b_el.pk not in [b.pk for b in client.get(reverse("benchmarks:dashboard")).context["data"].rows]
    client.post(reverse("benchmarks:retire", args=["benchmark", plan.b_el.pk]), {"version": 2, "action": "restore"})
    assert not Benchmark.objects.get(pk=plan.b_el.pk).is_retired


def test_retire_without_a_version_is_refused(client, hom, plan):
    client.force_login(hom)
    assert client.post(reverse("benchmarks:retire", args=["risk", plan.risk.pk])).status_code == 400


def test_staff_cannot_hand_what_they_lead_to_another_component(client, civilaffairs, plan, components):
    client.force_login(civilaffairs)
    response = client.post(
        reverse("benchmarks:benchmark-edit", args=[plan.b_ca.pk]),
        {"term": "short", "statement": "x", "lead_component": components[Kind.ELECTORAL].pk, "order": 1, "version": 1},
    )
    assert response.status_code == 200
    assert "lead_component" in response.context["form"].errors
    assert Benchmark.objects.get(pk=plan.b_ca.pk).lead_component_id is None


def test_components_of_another_mission_are_refused(plan, hom, other_mission):
    foreign = Component.objects.create(mission=other_mission, kind=Kind.POLICE, name="Police")
    with pytest.raises(ValidationError) as error:
        services.plan_item_update(item=plan.out_ca, user=hom, expected_version=1, lead_component=foreign)
    assert "lead_component" in error.value.message_dict


def test_outputs_from_the_library_join_a_running_mission_once(client, hom, mission):
    services.framework_load(user=access.SYSTEM)
    client.force_login(hom)
    first = LibraryOutput.objects.order_by("order")[:2]
    response = client.post(reverse("benchmarks:library"), {"outputs": [o.pk for o in first]})
    assert response.status_code == 302
    outputs = OperationalOutput.objects.filter(mission=mission)
    assert outputs.count() == 2 and all(o.benchmarks.exists() for o in outputs)
    offered = client.get(reverse("benchmarks:library")).context["form"].fields["outputs"].queryset
    assert not set(first) & set(offered)


# --- indicator values ---------------------------------------------------------------------------


def test_disaggregated_values_need_women_men_and_youth(plan, hom):
    with pytest.raises(ValidationError) as error:
        services.indicator_value_record(
            indicator=plan.indicator,
            user=hom,
            period_start=datetime.date(2026, 4, 1),
            period_end=datetime.date(2026, 6, 30),
            actual=50,
        )
    assert {"actual_women", "actual_men", "actual_youth"} <= set(error.value.message_dict)


def test_women_and_men_cannot_exceed_the_total(plan, hom):
    with pytest.raises(ValidationError) as error:
        services.indicator_value_record(
            indicator=plan.indicator,
            user=hom,
            period_start=datetime.date(2026, 4, 1),
            period_end=datetime.date(2026, 6, 30),
            actual=10,
            actual_women=8,
            actual_men=8,
            actual_youth=1,
        )
    assert "actual_men" in error.value.message_dict


def test_plain_indicators_have_no_disaggregation_fields(client, hom, plan):
    indicator = services.indicator_create(output=plan.out_ca, user=hom, name="Districts covered")
    client.force_login(hom)
    form = client.get(reverse("benchmarks:value-add", args=[indicator.pk])).context["form"]
    assert "actual_women" not in form.fields
    response = client.post(
        "/api/v1/indicator-values/",
        {"indicator": indicator.pk, "period_start": "2026-01-01", "period_end": "2026-01-31", "actual": "3",
         "actual_women": "1"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400


# --- the trend ----------------------------------------------------------------------------------


def test_trend_reads_each_benchmarks_status_at_each_month_end(plan, electoral, hom):
    months = selectors.month_ends(TODAY, 12)
    three_ago, one_ago = months[-4], months[-2]  # month ends three and one months back
    # b_ca: on track three months ago, then at risk one month ago, corrected the same day to off track.
    _assess(plan.b_ca, hom, assessed_on=three_ago, status=Status.ON_TRACK)
    wrong = _assess(plan.b_ca, hom, assessed_on=one_ago, status=Status.AT_RISK)
    _assess(plan.b_ca, hom, assessed_on=one_ago, status=Status.OFF_TRACK, evidence="x", corrects=wrong)
    only_b_ca = selectors.Filters(output=plan.out_ca.pk)
    trend = selectors.status_trend(plan.out_ca.mission, hom, 12, only_b_ca)
    at = dict(zip(trend.months, trend.counts, strict=True))
    assert at[months[0]] == {Status.NOT_STARTED: 1}
    assert at[months[-5]] == {Status.NOT_STARTED: 1}
    assert at[three_ago] == {Status.ON_TRACK: 1}
    assert at[months[-3]] == {Status.ON_TRACK: 1}
    assert at[one_ago] == {Status.OFF_TRACK: 1}  # the correction, not the at-risk it corrects
    assert trend.counts[-1] == {Status.OFF_TRACK: 1}


def test_trend_counts_every_benchmark_of_the_view(plan, hom):
    trend = selectors.status_trend(plan.out_ca.mission, hom, 12, selectors.Filters(output=plan.out_el.pk))
    # b_el off track (assessed ten days ago), b_el_long never assessed.
    assert trend.counts[-1] == {Status.OFF_TRACK: 1, Status.NOT_STARTED: 1}
    assert all(sum(month.values()) == 2 for month in trend.counts)


# --- charts -------------------------------------------------------------------------------------


def test_charts_are_well_formed_svg_and_escape_labels():
    nasty = 'Output <script>alert("x")</script> & co'
    svgs = [
        charts.status_distribution([(nasty, [("Short term", {"on_track": 2, "off_track": 1}), ("Long term", {})])]),
        charts.status_trend(selectors.month_ends(TODAY, 12), [{"on_track": i, "at_risk": 1} for i in range(12)]),
        charts.indicator_chart(["Q1", "Q2", "Q3"], [10, None, 30], baseline=5, target=40, unit="%", title=nasty),
        charts.indicator_chart([], [], title="empty"),
        charts.risk_heat_map({(5, 5): 2, (1, 1): 1}, title=nasty),
    ]
    for svg in svgs:
        root = ElementTree.fromstring(svg)
        assert root.tag.endswith("svg") and root.get("role") == "img"
        assert "<script>" not in svg
    assert "&lt;script&gt;" in svgs[0]


def test_selectors_serve_a_trusted_caller_that_says_so(plan, partner1):
    # A command or task reads the whole mission as access.SYSTEM; a partner through the same selector reads nothing.
    mission = plan.out_ca.mission
    assert selectors.dashboard_data(mission, access.SYSTEM).total == 3
    assert sum(selectors.status_trend(mission, access.SYSTEM, months=12).counts[-1].values()) == 3
    assert selectors.dashboard_data(mission, partner1).total == 0
    assert selectors.risk_register(mission, access.SYSTEM).risks == [plan.risk]


def test_selectors_read_nothing_for_no_user(plan):
    # `None` used to mean "no filter" and failed open; now it is nobody.
    mission = plan.out_ca.mission
    assert selectors.dashboard_data(mission, None).total == 0
    assert sum(selectors.status_trend(mission, None, months=12).counts[-1].values()) == 0
    assert selectors.risk_register(mission, None).risks == []
