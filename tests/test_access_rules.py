"""The access rules themselves (mandate/access.py), as a matrix of role x object kind x action.

Each row of EXPECTED says, for one kind of object in the test mission, which roles may do each action.
`can()` must agree with it for every role, and `scope()` must agree with `can(VIEW)` (the list pages and
the API use scope, the detail pages can). Pages and endpoints have their own role-matrix tests; this one
is the specification they rest on.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import assign_perm

from benchmarks.models import Indicator, Risk
from elections.models import Incident, SecurityPlan, SecurityTask, Threat
from mandate import access
from mandate.access import Action
from missions.models import Component
from partners.models import FollowUp
from reports.models import Report, ReportKind
from tests.factories import (
    AssessmentFactory,
    BenchmarkFactory,
    ElectionPlanFactory,
    EngagementFactory,
    FollowUpFactory,
    OutputFactory,
    PollingSiteFactory,
    SecurityPlanFactory,
)

Kind = Component.Kind
VIEW, EDIT, APPROVE = Action.VIEW, Action.EDIT, Action.APPROVE
ASSESS, SUBMIT, COMPLETE = Action.ASSESS, Action.SUBMIT, Action.COMPLETE

ROLES = ["hom", "mlt", "electoral", "civilaffairs", "military", "police", "partner1", "partner2", "hq", "outsider"]

NOBODY: frozenset[str] = frozenset()
LEADERSHIP = frozenset({"hom", "mlt"})
# Everyone who works for the mission (not partners, not HQ).
MISSION_STAFF = LEADERSHIP | {"electoral", "civilaffairs", "military", "police"}
# The results framework is read by the mission and by HQ desk officers, never by partners.
PLAN_READERS = MISSION_STAFF | {"hq"}
# Security plans: the electoral, military and police components, the MLT and the HoM.
SECURITY = LEADERSHIP | {"electoral", "military", "police"}
# The test plan items are led by Civil Affairs, and the engagements logged by it.
CIVIL_AFFAIRS_LEAD = LEADERSHIP | {"civilaffairs"}
ELECTORAL_EDITORS = LEADERSHIP | {"electoral"}

# kind -> action -> the roles allowed. partner1 is the focal point of partner_a, whose records these are.
EXPECTED = {
    "mission": {VIEW: PLAN_READERS | {"partner1", "partner2"}, EDIT: {"hom"}, APPROVE: NOBODY},
    "output": {VIEW: PLAN_READERS, EDIT: CIVIL_AFFAIRS_LEAD, APPROVE: NOBODY},
    "benchmark": {VIEW: PLAN_READERS, EDIT: CIVIL_AFFAIRS_LEAD, ASSESS: CIVIL_AFFAIRS_LEAD, APPROVE: NOBODY},
    # Append-only: nobody edits an assessment; a correction is a new one.
    "assessment": {VIEW: PLAN_READERS, EDIT: NOBODY, APPROVE: NOBODY},
    "indicator": {VIEW: PLAN_READERS, EDIT: CIVIL_AFFAIRS_LEAD, APPROVE: NOBODY},
    "risk": {VIEW: PLAN_READERS, EDIT: CIVIL_AFFAIRS_LEAD, APPROVE: NOBODY},
    "election plan": {VIEW: MISSION_STAFF, EDIT: ELECTORAL_EDITORS, APPROVE: NOBODY},
    "security plan (draft)": {VIEW: SECURITY, EDIT: ELECTORAL_EDITORS, SUBMIT: {"hom", "electoral"}, APPROVE: NOBODY},
    # A submitted revision is frozen: only the HoM's decision moves it.
    "security plan (submitted)": {VIEW: SECURITY, EDIT: NOBODY, SUBMIT: NOBODY, APPROVE: {"hom"}},
    "polling site": {VIEW: SECURITY, EDIT: ELECTORAL_EDITORS, APPROVE: NOBODY},
    "threat": {VIEW: SECURITY, EDIT: ELECTORAL_EDITORS, APPROVE: NOBODY},
    # A task the military provides: military staff edit it, police staff do not.
    "security task": {VIEW: SECURITY, EDIT: ELECTORAL_EDITORS | {"military"}, APPROVE: NOBODY},
    "incident": {VIEW: SECURITY, EDIT: SECURITY, APPROVE: NOBODY},
    "partner": {VIEW: MISSION_STAFF | {"partner1"}, EDIT: CIVIL_AFFAIRS_LEAD, APPROVE: NOBODY},
    "engagement (shareable)": {VIEW: MISSION_STAFF | {"partner1"}, EDIT: CIVIL_AFFAIRS_LEAD, APPROVE: NOBODY},
    "engagement (internal)": {VIEW: MISSION_STAFF, EDIT: CIVIL_AFFAIRS_LEAD, APPROVE: NOBODY},
    "follow-up": {
        VIEW: MISSION_STAFF | {"partner1"},
        EDIT: CIVIL_AFFAIRS_LEAD,
        COMPLETE: CIVIL_AFFAIRS_LEAD | {"partner1"},
        APPROVE: NOBODY,
    },
    "follow-up (done)": {VIEW: MISSION_STAFF | {"partner1"}, EDIT: CIVIL_AFFAIRS_LEAD, COMPLETE: NOBODY},
    "report (draft)": {VIEW: MISSION_STAFF, EDIT: NOBODY, APPROVE: {"hom"}},
    "report (released)": {VIEW: MISSION_STAFF | {"hq"}, EDIT: NOBODY, APPROVE: {"hom"}},
    "report (election security)": {VIEW: SECURITY, EDIT: NOBODY, APPROVE: {"hom"}},
}


def _report(mission, kind=ReportKind.PROGRESS, approval=Report.Approval.DRAFT):
    done = approval != Report.Approval.DRAFT
    return Report.objects.create(
        mission=mission,
        kind=kind,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31),
        state=Report.State.DONE if done else Report.State.QUEUED,
        sha256="0" * 64 if done else "",
        approval=approval,
    )


@pytest.fixture
def objects(mission, components, district, partner_a, partner_b, hom, civilaffairs):
    """One object of every kind in `mission`, belonging to partner_a where a partner is involved."""
    ca, military = components[Kind.CIVIL_AFFAIRS], components[Kind.MILITARY]
    output = OutputFactory(mission=mission, lead_component=ca)
    benchmark = BenchmarkFactory(output=output)
    election = ElectionPlanFactory(mission=mission)
    draft = SecurityPlanFactory(election_plan=election)
    submitted = SecurityPlanFactory(
        election_plan=ElectionPlanFactory(mission=mission), status=SecurityPlan.Status.SUBMITTED
    )
    site = PollingSiteFactory(security_plan=draft, district=district)
    now = timezone.now()
    shareable = EngagementFactory(mission=mission, component=ca, shareable=True, partners=[partner_a])
    return {
        "mission": mission,
        "output": output,
        "benchmark": benchmark,
        "assessment": AssessmentFactory(benchmark=benchmark, assessed_by=hom),
        "indicator": Indicator.objects.create(output=output, benchmark=benchmark, name="People trained"),
        "risk": Risk.objects.create(output=output, title="Funding gap", owner=ca),
        "election plan": election,
        "security plan (draft)": draft,
        "security plan (submitted)": submitted,
        "polling site": site,
        "threat": Threat.objects.create(
            security_plan=draft, actor="Armed group", threat_type="armed_group", likelihood=3, impact=4
        ),
        "security task": SecurityTask.objects.create(
            security_plan=draft,
            task_type=SecurityTask.TaskType.ESCORT,
            provider=SecurityTask.Provider.MISSION_MILITARY,
            component=military,
            site=site,
            phase="polling",
            start=now,
            end=now + datetime.timedelta(hours=6),
        ),
        "incident": Incident.objects.create(
            election_plan=election,
            occurred_at=now,
            district=district,
            incident_type="violence",
            severity=2,
            description="Clash at a rally",
        ),
        "partner": partner_a,
        "engagement (shareable)": shareable,
        "engagement (internal)": EngagementFactory(mission=mission, component=ca, partners=[partner_a]),
        "follow-up": FollowUpFactory(engagement=shareable, owner=None, partner=partner_a),
        "follow-up (done)": FollowUpFactory(
            engagement=shareable, owner=None, partner=partner_a, status=FollowUp.Status.DONE, completed_at=now
        ),
        "report (draft)": _report(mission),
        "report (released)": _report(mission, approval=Report.Approval.RELEASED),
        "report (election security)": _report(
            mission, kind=ReportKind.ELECTION_SECURITY, approval=Report.Approval.RELEASED
        ),
    }


def _fresh(user):
    # access.py caches memberships and grants on the user object; a fresh object reads them again.
    return get_user_model().objects.get(pk=user.pk)


def _visible_in_scope(user, obj) -> bool:
    return access.scope(user, type(obj).objects.filter(pk=obj.pk)).exists()


def test_the_matrix_covers_every_object_kind_with_at_least_view_and_edit(objects):
    assert set(objects) == set(EXPECTED)
    for kind, actions in EXPECTED.items():
        assert {VIEW, EDIT} <= set(actions), kind
        for roles in actions.values():
            assert set(roles) <= set(ROLES), kind


def test_each_role_may_do_exactly_what_the_matrix_says(objects, users):
    # One test walks the whole matrix (a fixture setup per kind would cost more than the checks) and
    # lists every disagreement, so a failure reads as the rows of the matrix that are wrong.
    wrong = []
    for kind, actions in EXPECTED.items():
        obj = objects[kind]
        for role in ROLES:
            user = users[role]
            for action, allowed in actions.items():
                expected = role in allowed
                if access.can(user, action, obj) != expected:
                    wrong.append(f"{kind} / {role} / {action}: expected {expected}")
            if _visible_in_scope(user, obj) != (role in actions[VIEW]):
                wrong.append(f"{kind} / {role} / scope(): expected {role in actions[VIEW]}")
    assert wrong == []


# --- the rules the issue names explicitly ------------------------------------------------------------


def test_partner_cannot_see_or_act_on_another_partners_records(objects, partner_b, mission, components, users):
    partner1, partner2 = users["partner1"], users["partner2"]
    engagement_b = EngagementFactory(
        mission=mission, component=components[Kind.CIVIL_AFFAIRS], shareable=True, partners=[partner_b]
    )
    follow_up_b = FollowUpFactory(engagement=engagement_b, owner=None, partner=partner_b)
    for obj in (partner_b, engagement_b, follow_up_b):
        assert access.can(partner2, VIEW, obj), obj
        assert not access.can(partner1, VIEW, obj), obj
        assert not _visible_in_scope(partner1, obj), obj
        with pytest.raises(Http404):
            access.get_for_user(partner1, type(obj), obj.pk)
    assert not access.can(partner1, COMPLETE, follow_up_b)
    assert access.can(partner2, COMPLETE, follow_up_b)


def test_partner_sees_an_engagement_with_two_partners_once(objects, partner_a, partner_b, mission, components, users):
    joint = EngagementFactory(
        mission=mission, component=components[Kind.CIVIL_AFFAIRS], shareable=True, partners=[partner_a, partner_b]
    )
    for role in ("partner1", "partner2"):
        assert list(access.scope(users[role], type(joint).objects.filter(pk=joint.pk))) == [joint]


def test_civil_affairs_cannot_see_a_security_plan_and_gets_404_not_403(objects, users):
    plan = objects["security plan (draft)"]
    civilaffairs = users["civilaffairs"]
    assert not access.can(civilaffairs, VIEW, plan)
    with pytest.raises(Http404):
        access.get_for_user(civilaffairs, SecurityPlan, plan.pk)
    with pytest.raises(Http404):
        access.get_for_user(civilaffairs, SecurityPlan, plan.pk, Action.EDIT)


def test_visible_but_not_allowed_is_permission_denied(objects, users):
    benchmark = objects["benchmark"]
    # The electoral officer reads the Civil Affairs benchmark but may not assess it.
    assert access.get_for_user(users["electoral"], type(benchmark), benchmark.pk) == benchmark
    with pytest.raises(PermissionDenied):
        access.get_for_user(users["electoral"], type(benchmark), benchmark.pk, Action.ASSESS)


def test_a_guardian_grant_opens_one_security_plan_to_civil_affairs_and_not_another(objects, users):
    granted, other = objects["security plan (draft)"], objects["security plan (submitted)"]
    site, threat = objects["polling site"], objects["threat"]
    assign_perm("elections.view_securityplan", users["civilaffairs"], granted)
    civilaffairs = _fresh(users["civilaffairs"])

    assert access.can(civilaffairs, VIEW, granted)
    assert _visible_in_scope(civilaffairs, granted)
    # The grant covers the plan's rows too, as a reader of the plan needs them.
    assert access.can(civilaffairs, VIEW, site) and access.can(civilaffairs, VIEW, threat)
    assert list(access.scope(civilaffairs, SecurityPlan.objects.all())) == [granted]
    assert not access.can(civilaffairs, VIEW, other)
    with pytest.raises(Http404):
        access.get_for_user(civilaffairs, SecurityPlan, other.pk)
    # Viewing is not editing.
    assert not access.can(civilaffairs, EDIT, granted)
    assert not access.can(civilaffairs, SUBMIT, granted)
    # Nobody else gained anything from it.
    assert not access.can(_fresh(users["hq"]), VIEW, granted)


def test_a_grant_through_a_group_opens_the_plan_and_no_grant_asks_guardian_nothing(
    objects, users, django_assert_num_queries
):
    plan = objects["security plan (draft)"]
    observers = Group.objects.create(name="Observers")
    users["civilaffairs"].groups.add(observers)
    assign_perm("elections.view_securityplan", observers, plan)
    civilaffairs = _fresh(users["civilaffairs"])
    assert list(access.scope(civilaffairs, SecurityPlan.objects.all())) == [plan]
    assert "security" in access.sections_for(civilaffairs, plan.election_plan.mission_id)

    # Without any grant, the memberships query (which says so) is the only one asked.
    other = _fresh(users["hq"])
    with django_assert_num_queries(1):
        assert access._granted_security_plan_ids(other) == set()
        assert access._granted_security_plan_ids(other, "elections.change_securityplan") == set()
    assert list(access.scope(other, SecurityPlan.objects.all())) == []


def test_a_change_grant_lets_the_grantee_edit_that_plan_while_it_is_a_draft(objects, users):
    plan = objects["security plan (draft)"]
    assign_perm("elections.view_securityplan", users["civilaffairs"], plan)
    assign_perm("elections.change_securityplan", users["civilaffairs"], plan)
    civilaffairs = _fresh(users["civilaffairs"])
    assert access.can(civilaffairs, EDIT, plan)
    assert access.can(civilaffairs, EDIT, objects["polling site"])
    assert not access.can(civilaffairs, APPROVE, plan)


def test_a_grant_to_someone_outside_the_mission_shows_the_plan_but_allows_no_edit(objects, users):
    plan = objects["security plan (draft)"]
    assign_perm("elections.view_securityplan", users["outsider"], plan)
    assign_perm("elections.change_securityplan", users["outsider"], plan)
    outsider = _fresh(users["outsider"])
    assert access.can(outsider, VIEW, plan)
    assert not access.can(outsider, EDIT, plan)


def test_a_retired_benchmark_can_no_longer_be_assessed(objects, users):
    benchmark = objects["benchmark"]
    benchmark.retired_at = timezone.now()
    benchmark.save(update_fields=["retired_at"])
    assert access.can(users["civilaffairs"], VIEW, benchmark)
    assert not access.can(users["civilaffairs"], ASSESS, benchmark)


def test_an_approved_security_plan_is_frozen_for_everyone(objects, users):
    plan = objects["security plan (draft)"]
    plan.status = SecurityPlan.Status.APPROVED
    plan.save(update_fields=["status"])
    site = type(objects["polling site"]).objects.get(pk=objects["polling site"].pk)
    for role in ROLES:
        assert not access.can(users[role], EDIT, plan), role
        assert not access.can(users[role], EDIT, site), role
        assert not access.can(users[role], APPROVE, plan), role


def test_anonymous_users_can_do_nothing(objects):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    for kind, obj in objects.items():
        assert not access.can(anonymous, VIEW, obj), kind
        assert not _visible_in_scope(anonymous, obj), kind
