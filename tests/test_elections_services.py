"""elections.services: validation, suggested risk, the approval workflow, revisions, concurrency, import."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from elections import services
from elections.models import Incident, Phase, PollingSite, RiskLevel, SecurityPlan, SecurityTask, Threat
from mandate import access
from mandate.access import Action
from missions.concurrency import ConcurrentEditError
from missions.imports import ROW
from missions.models import Component
from missions.pipeline import Report
from tests.elections_support import CYCLE, UTC, build_election, second_district
from tests.factories import IncidentFactory, PollingSiteFactory, ThreatFactory

Status = SecurityPlan.Status


# --- validation ------------------------------------------------------------------------------------


def test_phases_out_of_order_are_refused_with_the_phase_named():
    phases = dict(CYCLE)
    phases[Phase.CAMPAIGN] = (datetime.date(2026, 11, 1), datetime.date(2027, 3, 12))  # before nomination starts
    errors = services.validate_phases(phases)
    assert list(errors) == [Phase.CAMPAIGN]
    assert "cannot start before Candidate nomination starts" in errors[Phase.CAMPAIGN][0]


def test_polling_days_must_fall_inside_the_polling_phase():
    errors = services.validate_phases(
        dict(CYCLE), polling_start=datetime.date(2027, 3, 20), polling_end=datetime.date(2027, 3, 20)
    )
    assert "inside the polling phase" in errors["polling_start"][0]
    assert (
        services.validate_phases(
            dict(CYCLE), polling_start=datetime.date(2027, 3, 14), polling_end=datetime.date(2027, 3, 14)
        )
        == {}
    )


def test_set_phases_saves_dates_and_refuses_a_polling_phase_that_excludes_polling_day(e, electoral):
    plan = e["plan"]
    phases = {k: CYCLE.get(k) for k in Phase.values}
    phases[Phase.DISPUTES] = None
    services.election_plan_set_phases(plan=plan, user=electoral, expected_version=plan.version, phases=phases)
    assert set(plan.phases.values_list("kind", flat=True)) == set(Phase.values) - {Phase.DISPUTES}
    phases[Phase.POLLING] = (datetime.date(2027, 3, 15), datetime.date(2027, 3, 16))
    with pytest.raises(ValidationError) as exc:
        services.election_plan_set_phases(plan=plan, user=electoral, expected_version=plan.version, phases=phases)
    assert "polling_start" in exc.value.message_dict


def test_task_outside_its_phase_is_refused(e, electoral):
    data = {
        "task_type": SecurityTask.TaskType.PATROL,
        "provider": SecurityTask.Provider.MISSION_POLICE,
        "phase": Phase.POLLING,
        "start": datetime.datetime(2027, 3, 20, 8, tzinfo=UTC),
        "end": datetime.datetime(2027, 3, 20, 18, tzinfo=UTC),
    }
    with pytest.raises(ValidationError) as exc:
        services.security_task_create(security_plan=e["security"], user=electoral, data=data)
    assert "inside the Polling phase" in exc.value.message_dict["start"][0]
    data["start"], data["end"] = data["end"], data["start"]
    with pytest.raises(ValidationError) as exc:
        services.security_task_create(security_plan=e["security"], user=electoral, data=data)
    assert "end" in exc.value.message_dict


def test_incident_in_the_future_is_refused(e, electoral, district):
    data = {
        "occurred_at": timezone.now() + datetime.timedelta(hours=2),
        "district": district,
        "incident_type": Incident.IncidentType.VIOLENCE,
        "severity": Incident.Severity.SERIOUS,
        "description": "Clash",
    }
    with pytest.raises(ValidationError) as exc:
        services.incident_create(election_plan=e["plan"], user=electoral, data=data)
    assert exc.value.message_dict["occurred_at"] == ["An incident cannot be in the future."]


def test_coordinates_out_of_range_or_half_given_are_refused(e, electoral, district):
    base = {"code": "NEW-1", "name": "School", "district": district}
    with pytest.raises(ValidationError) as exc:
        services.polling_site_create(security_plan=e["security"], user=electoral, data={**base, "latitude": 95})
    assert "latitude" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.polling_site_create(
            security_plan=e["security"], user=electoral, data={**base, "latitude": 10, "longitude": 200}
        )
    assert exc.value.message_dict["longitude"] == ["Longitude must be between -180 and 180."]


def test_override_needs_a_reason(e, electoral):
    site = e["site"]
    with pytest.raises(ValidationError) as exc:
        services.polling_site_update(
            site=site, user=electoral, expected_version=site.version, data={"risk_override": RiskLevel.LOW}
        )
    assert "risk_reason" in exc.value.message_dict


# --- suggested risk --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "severities", "district_incidents", "expected"),
    [
        ([], [], 0, RiskLevel.LOW),
        ([5], [], 0, RiskLevel.LOW),
        ([6], [], 0, RiskLevel.MEDIUM),
        ([12, 3], [], 0, RiskLevel.HIGH),
        ([20], [], 0, RiskLevel.CRITICAL),
        ([], [1], 0, RiskLevel.MEDIUM),
        ([], [3], 0, RiskLevel.HIGH),
        ([6], [], 3, RiskLevel.HIGH),
        ([25], [4], 9, RiskLevel.CRITICAL),
    ],
)
def test_suggested_risk_combines_threats_and_incidents(scores, severities, district_incidents, expected):
    assert (
        services.suggest_risk(threat_scores=scores, site_severities=severities, district_incidents=district_incidents)
        == expected
    )


def test_threats_on_the_site_or_its_district_and_recent_incidents_set_the_suggestion(mission, district, electoral):
    e = build_election(mission, district, sites=3)
    other = second_district(mission)
    far = PollingSiteFactory(security_plan=e["security"], district=other)
    security = e["security"]
    # build_election: a 4x4 threat on the district (and linked to site 0) -> high for every site of the district.
    services.site_risk_refresh(security_plan=security)
    levels = dict(PollingSite.objects.values_list("code", "suggested_risk"))
    assert {levels[s.code] for s in e["sites"][1:]} == {RiskLevel.HIGH}
    assert levels[far.code] == RiskLevel.LOW
    # A serious incident at the far site raises it two levels.
    services.incident_create(
        election_plan=e["plan"],
        user=electoral,
        data={
            "occurred_at": timezone.now() - datetime.timedelta(days=1),
            "district": other,
            "site_code": far.code,
            "incident_type": Incident.IncidentType.VIOLENCE,
            "severity": Incident.Severity.SERIOUS,
            "description": "Clash",
        },
    )
    far.refresh_from_db()
    assert far.suggested_risk == RiskLevel.HIGH
    # Old incidents do not count.
    Incident.objects.update(occurred_at=timezone.now() - datetime.timedelta(days=90))
    services.site_risk_refresh(security_plan=security)
    far.refresh_from_db()
    assert far.suggested_risk == RiskLevel.LOW


def test_override_wins_over_the_suggestion(e, electoral):
    site = e["site"]
    services.polling_site_update(
        site=site,
        user=electoral,
        expected_version=site.version,
        data={"risk_override": RiskLevel.LOW, "risk_reason": "Battalion camp next door"},
    )
    site.refresh_from_db()
    # 4x4 threat (high) plus a recent incident at the site (one level up).
    assert site.suggested_risk == RiskLevel.CRITICAL
    assert site.risk_level == RiskLevel.LOW


# --- workflow --------------------------------------------------------------------------------------


def test_submit_return_with_comment_resubmit_and_approve(e, electoral, hom):
    plan = e["security"]
    services.security_plan_submit(security_plan=plan, user=electoral)
    assert plan.status == Status.SUBMITTED and plan.submitted_by == electoral
    assert not access.can(electoral, Action.EDIT, plan)  # frozen while the HoM decides
    with pytest.raises(ValidationError):
        services.security_plan_return(security_plan=plan, user=hom, comment="  ")
    services.security_plan_return(security_plan=plan, user=hom, comment="Cover the northern sites")
    plan.refresh_from_db()
    assert plan.status == Status.RETURNED and plan.decision_comment == "Cover the northern sites"
    assert access.can(electoral, Action.EDIT, plan)
    services.security_plan_submit(security_plan=plan, user=electoral)
    services.security_plan_approve(security_plan=plan, user=hom)
    plan.refresh_from_db()
    assert plan.status == Status.APPROVED and plan.decided_by == hom


def test_only_the_hom_decides_and_only_on_submitted_plans(e, electoral, mlt, military, hom):
    plan = e["security"]
    with pytest.raises(PermissionDenied):
        services.security_plan_approve(security_plan=plan, user=hom)  # still a draft
    with pytest.raises(PermissionDenied):
        services.security_plan_submit(security_plan=plan, user=military)
    services.security_plan_submit(security_plan=plan, user=electoral)
    for user in (electoral, mlt, military):
        with pytest.raises(PermissionDenied):
            services.security_plan_approve(security_plan=plan, user=user)


def test_an_empty_plan_cannot_be_submitted(mission, district, electoral):
    e = build_election(mission, district)
    PollingSite.objects.all().delete()
    with pytest.raises(ValidationError):
        services.security_plan_submit(security_plan=e["security"], user=electoral)


def test_approved_revision_is_frozen_for_every_item(mission, district, electoral, military, hom):
    e = build_election(mission, district, status=Status.APPROVED)
    for key in ("security", "site", "threat", "task", "leg"):
        assert not access.can(electoral, Action.EDIT, e[key]), key
        assert not access.can(hom, Action.EDIT, e[key]), key
    with pytest.raises(PermissionDenied):
        services.polling_site_update(site=e["site"], user=electoral, expected_version=None, data={"name": "x"})
    with pytest.raises(PermissionDenied):
        services.polling_site_create(
            security_plan=e["security"], user=electoral, data={"code": "N", "name": "N", "district": district}
        )


def test_new_revision_copies_items_with_their_uids_and_links(mission, district, electoral):
    e = build_election(mission, district, sites=3, status=Status.APPROVED)
    old = e["security"]
    new = services.security_plan_new_revision(security_plan=old, user=electoral)
    assert (new.revision, new.status, new.previous_id) == (2, Status.DRAFT, old.pk)
    assert sorted(new.sites.values_list("uid", flat=True)) == sorted(old.sites.values_list("uid", flat=True))
    new_threat = new.threats.get()
    assert new_threat.uid == e["threat"].uid
    assert [s.security_plan_id for s in new_threat.sites.all()] == [new.pk]
    assert new_threat.sites.get().uid == e["site"].uid
    new_task = new.tasks.get()
    assert new_task.site.security_plan_id == new.pk and new_task.uid == e["task"].uid
    assert new.transport_legs.get().escort_id == new_task.pk
    # The copies have history records, and the approved revision is untouched.
    assert PollingSite.history.filter(security_plan_id=new.pk).count() == 3
    assert old.sites.count() == 3
    with pytest.raises(ValidationError):
        services.security_plan_new_revision(security_plan=old, user=electoral)


def test_a_draft_cannot_be_revised(e, electoral):
    with pytest.raises(ValidationError):
        services.security_plan_new_revision(security_plan=e["security"], user=electoral)


# --- military and police edit only their component's tasks -----------------------------------------


def test_military_staff_edit_their_tasks_only(e, military, police, components):
    task = e["task"]
    task.component = components[Component.Kind.MILITARY]
    task.save()
    services.security_task_update(
        task=task, user=military, expected_version=task.version, data={"description": "Two sections"}
    )
    with pytest.raises(PermissionDenied):
        services.security_task_update(task=task, user=police, expected_version=task.version, data={})
    # Nor hand it over to the police.
    with pytest.raises(PermissionDenied):
        services.security_task_update(
            task=task,
            user=military,
            expected_version=task.version,
            data={"component": components[Component.Kind.POLICE]},
        )
    with pytest.raises(PermissionDenied):
        services.polling_site_update(site=e["site"], user=military, expected_version=None, data={"name": "x"})


# --- no lost edits ---------------------------------------------------------------------------------


def test_second_save_with_a_stale_version_is_refused_and_keeps_the_first(e, electoral, mlt):
    site = e["site"]
    loaded = site.version
    first = PollingSite.objects.get(pk=site.pk)
    services.polling_site_update(site=first, user=electoral, expected_version=loaded, data={"name": "Mine"})
    second = PollingSite.objects.get(pk=site.pk)
    with pytest.raises(ConcurrentEditError) as exc:
        services.polling_site_update(site=second, user=mlt, expected_version=loaded, data={"name": "Theirs"})
    assert exc.value.current.name == "Mine"
    site.refresh_from_db()
    assert site.name == "Mine" and site.version == loaded + 1


@pytest.mark.parametrize("key", ["plan", "threat", "task", "incident", "milestone"])
def test_every_edit_service_checks_the_version(e, electoral, key):
    obj = e[key]
    update = {
        "plan": lambda v: services.election_plan_update(plan=obj, user=electoral, expected_version=v, data={}),
        "threat": lambda v: services.threat_update(threat=obj, user=electoral, expected_version=v, data={}),
        "task": lambda v: services.security_task_update(task=obj, user=electoral, expected_version=v, data={}),
        "incident": lambda v: services.incident_update(incident=obj, user=electoral, expected_version=v, data={}),
        "milestone": lambda v: services.milestone_update(milestone=obj, user=electoral, expected_version=v, data={}),
    }[key]
    with pytest.raises(ConcurrentEditError):
        update(obj.version + 5)
    update(obj.version)
    obj.refresh_from_db()
    assert obj.version == 2


# --- import ----------------------------------------------------------------------------------------


def _row(n, **values):
    return {ROW: n, **values}


def _validate(e, rows, mode="create"):
    report = Report()
    plan = services.polling_sites_validate(security_plan=e["security"], rows=rows, mode=mode, report=report)
    return report, plan


def test_import_reports_every_bad_row_and_writes_nothing(e, electoral, district):
    existing = e["site"].code
    rows = [
        _row(2, code="A1", name="School A", district=district.name, latitude="9.5", longitude="2.5"),
        _row(3, code="A2", name="School B", district="", latitude="", longitude=""),
        _row(4, code="A3", name="School C", district="Atlantis"),
        _row(5, code="A1", name="Dup", district=district.name),
        _row(6, code=existing, name="Old", district=district.name),
        _row(7, code="A6", name="Far", district=district.name, latitude="120", longitude="2"),
        _row(8, code="A7", name="Half", district=district.name, latitude="9", longitude=""),
        _row(9, code="A8", name="Count", district=district.name, registered_voters="many"),
        _row(10, code="", name="", district=district.name),
    ]
    before = PollingSite.objects.count()
    report, plan = _validate(e, rows)
    assert not report.ok and len(plan.creates) == 1
    assert PollingSite.objects.count() == before
    by_row = {}
    for row, column, _kind, _value, _message in report.problems:
        by_row.setdefault(row, set()).add(column)
    assert by_row == {
        3: {"district"},
        4: {"district"},
        5: {"code"},
        6: {"code"},
        7: {"latitude"},
        8: {"longitude"},
        9: {"registered_voters"},
        10: {"code", "name"},
    }
    messages = {row: message for row, _c, _k, _v, message in report.problems}
    assert messages[4] == "Unknown area “Atlantis”."
    assert messages[5] == "Site code A1 also appears on row 2."


def test_import_of_valid_rows_creates_all_with_history_and_risk(e, electoral, district):
    rows = [
        _row(i + 2, code=f"N-{i}", name=f"School {i}", district=district.name.upper(), registered_voters="1 200")
        for i in range(30)
    ]
    report, plan = _validate(e, rows)
    assert report.ok and len(plan.creates) == 30
    services.polling_sites_write(security_plan=e["security"], user=electoral, plan=plan)
    created = PollingSite.objects.filter(code__startswith="N-")
    assert created.count() == 30 and {s.registered_voters for s in created} == {1200}
    # The district threat of build_election applies to the new sites too.
    assert set(created.values_list("suggested_risk", flat=True)) == {RiskLevel.HIGH}
    # Rated before they are written: their creation in the history already carries the rating (one row each).
    history = PollingSite.history.filter(code__startswith="N-")
    assert history.count() == 30
    assert set(history.values_list("history_type", "history_user", "suggested_risk")) == {
        ("+", electoral.pk, RiskLevel.HIGH)
    }


def test_import_refused_to_roles_that_cannot_add_sites(e, military, district):
    report, plan = _validate(e, [_row(2, code="x", name="y", district=district.name)])
    with pytest.raises(PermissionDenied):
        services.polling_sites_write(security_plan=e["security"], user=military, plan=plan)


def test_threat_sites_must_belong_to_the_same_revision(mission, district, electoral):
    e = build_election(mission, district)
    other = build_election(mission, district)
    threat = ThreatFactory(security_plan=e["security"])
    with pytest.raises(ValidationError):
        services.threat_update(
            threat=threat, user=electoral, expected_version=threat.version, data={}, sites=[other["site"]]
        )
    assert not Threat.objects.get(pk=threat.pk).sites.exists()


def test_incident_site_code_must_exist(e, electoral, district):
    with pytest.raises(ValidationError) as exc:
        services.incident_create(
            election_plan=e["plan"],
            user=electoral,
            data={
                "occurred_at": timezone.now(),
                "district": district,
                "site_code": "NOPE",
                "incident_type": Incident.IncidentType.OTHER,
                "severity": 1,
                "description": "x",
            },
        )
    assert "site_code" in exc.value.message_dict
    IncidentFactory(election_plan=e["plan"], district=district)
