"""The named predicates of mandate/access.py, role by role, and the SYSTEM actor of trusted callers.

Pages, templates and serializers ask these questions instead of comparing roles or section names;
this matrix is what they rest on (the pages have their own role-matrix tests).
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from benchmarks import services as benchmark_services
from benchmarks.models import Benchmark, OperationalOutput
from elections.models import SecurityPlan
from mandate import access
from missions.models import Component
from tests.factories import BenchmarkFactory, ElectionPlanFactory, OutputFactory, SecurityPlanFactory

Kind = Component.Kind
ROLES = ["hom", "mlt", "electoral", "civilaffairs", "military", "police", "partner1", "partner2", "hq", "outsider"]
LEADERSHIP = {"hom", "mlt"}
MISSION_STAFF = LEADERSHIP | {"electoral", "civilaffairs", "military", "police"}
PLAN_READERS = MISSION_STAFF | {"hq"}
SECURITY = LEADERSHIP | {"electoral", "military", "police"}
NOBODY: set[str] = set()

# predicate name -> the roles for which it answers True in `mission`.
PER_MISSION = {
    "can_open_dashboard": PLAN_READERS,
    "can_open_elections": MISSION_STAFF,
    "can_open_security": SECURITY,
    "can_open_partners": MISSION_STAFF,
    "can_open_portal": {"partner1", "partner2"},
    "can_open_reports": PLAN_READERS,
    "can_request_reports": MISSION_STAFF,
    "can_see_internal_engagement_fields": MISSION_STAFF,
    "can_see_partner_screening": MISSION_STAFF,
    "can_manage_gazetteer": LEADERSHIP,
}


@pytest.fixture
def plans(mission):
    election = ElectionPlanFactory(mission=mission)
    approved = SecurityPlanFactory(election_plan=election, status=SecurityPlan.Status.APPROVED)
    return {"election": election, "draft": SecurityPlanFactory(election_plan=ElectionPlanFactory(mission=mission)),
            "approved": approved}  # fmt: skip


def test_each_mission_predicate_answers_true_for_exactly_its_roles(mission, users):
    wrong = [
        f"{name} / {role}: expected {role in allowed}"
        for name, allowed in PER_MISSION.items()
        for role in ROLES
        if getattr(access, name)(users[role], mission.pk) != (role in allowed)
    ]
    assert wrong == []


def test_navigation_shows_the_areas_of_the_predicates(mission, users):
    for role in ROLES:
        nav = access.navigation(users[role], mission.pk)
        user = users[role]
        assert nav.dashboard == access.can_open_dashboard(user, mission.pk), role
        assert nav.elections == (
            access.can_open_elections(user, mission.pk) or access.can_open_security(user, mission.pk)
        ), role
        assert nav.portal == access.can_open_portal(user, mission.pk), role
        assert nav.gazetteer == access.can_manage_gazetteer(user, mission.pk), role
        assert nav.admin is False, role


def _fresh(user):
    # access caches a user's memberships (and grants) on the user object: ask as on a new request.
    return type(user).objects.get(pk=user.pk)


def test_the_gazetteer_permission_on_the_mission_opens_the_gazetteer_to_a_member(mission, other_mission, electoral):
    from guardian.shortcuts import assign_perm

    assert not access.can_manage_gazetteer(electoral, mission.pk)
    assign_perm("missions.gazetteer", electoral, other_mission)
    assert not access.can_manage_gazetteer(_fresh(electoral), mission.pk)  # a grant elsewhere opens nothing here

    assign_perm("missions.gazetteer", electoral, mission)

    granted = _fresh(electoral)
    assert access.can_manage_gazetteer(granted, mission.pk)
    assert access.navigation(granted, mission.pk).gazetteer
    assert not access.can_manage_gazetteer(granted, other_mission.pk)  # not a member there


def test_a_gazetteer_grant_through_a_group_counts_too(mission, civilaffairs):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    group = Group.objects.create(name="GIS unit")
    civilaffairs.groups.add(group)
    assign_perm("missions.gazetteer", group, mission)

    assert access.can_manage_gazetteer(_fresh(civilaffairs), mission.pk)


def test_asking_about_the_gazetteer_costs_no_query_beyond_the_memberships(
    mission, electoral, django_assert_num_queries
):
    user = _fresh(electoral)
    with django_assert_num_queries(1):  # the memberships, with the grant as a subquery
        assert not access.can_manage_gazetteer(user, mission.pk)
        assert not access.navigation(user, mission.pk).gazetteer


def test_only_superusers_get_the_admin_link(mission, hom):
    hom.is_superuser = True
    assert access.navigation(hom, mission.pk).admin
    assert access.navigation(hom, None).admin
    assert not access.can_open_admin(access.SYSTEM)


def test_planners_and_the_security_components_may_add_tasks_to_a_draft(plans, users):
    allowed = {role for role in ROLES if access.can_add_task(users[role], plans["draft"])}
    # Military and police staff add tasks for their own component; planners for any.
    assert allowed == SECURITY


def test_no_one_adds_tasks_to_an_approved_plan(plans, users):
    assert {role for role in ROLES if access.can_add_task(users[role], plans["approved"])} == NOBODY


def test_only_electoral_planners_may_revise_the_latest_approved_plan(plans, users):
    assert {role for role in ROLES if access.can_revise_plan(users[role], plans["approved"])} == LEADERSHIP | {
        "electoral"
    }
    assert {role for role in ROLES if access.can_revise_plan(users[role], plans["draft"])} == NOBODY


def test_a_superseded_revision_cannot_be_revised_again(plans, electoral):
    approved = plans["approved"]
    SecurityPlanFactory(election_plan=approved.election_plan, revision=approved.revision + 1, previous=approved)
    assert not access.can_revise_plan(electoral, approved)


def test_incidents_open_to_the_security_circle_only(plans, users):
    assert {role for role in ROLES if access.can_view_incidents(users[role], plans["election"])} == SECURITY


def test_mission_officers_are_leadership_and_staff_of_that_mission(mission, users):
    officers = set(access.mission_officers(mission.pk).values_list("username", flat=True))
    assert officers == {users[role].username for role in MISSION_STAFF}


def test_head_of_mission_is_the_hom(mission, hom, other_mission):
    assert access.head_of_mission(mission.pk) == hom
    assert access.head_of_mission(other_mission.pk + 1000) is None


# --- the SYSTEM actor -----------------------------------------------------------------------------


def test_system_sees_every_row_and_may_do_everything(mission, other_mission):
    mine, theirs = OutputFactory(mission=mission), OutputFactory(mission=other_mission)
    assert set(access.scope(access.SYSTEM, OperationalOutput.objects.all())) == {mine, theirs}
    assert access.can(access.SYSTEM, access.Action.EDIT, theirs)
    assert access.can_add(access.SYSTEM, OperationalOutput, other_mission)
    assert access.history_user(access.SYSTEM) is None


def test_none_is_not_a_trusted_caller_but_a_nobody(mission):
    output = OutputFactory(mission=mission)
    assert not access.scope(None, OperationalOutput.objects.all()).exists()
    assert not access.can(None, access.Action.VIEW, output)
    assert not access.can_add(None, OperationalOutput, mission)


# --- benchmarks services ask access (they used to leave it to the caller) ------------------------------


@pytest.fixture
def output(mission, components):
    return OutputFactory(mission=mission, lead_component=components[Kind.CIVIL_AFFAIRS])


@pytest.mark.parametrize("role", ["partner1", "hq", "military", "outsider"])
def test_benchmark_services_refuse_who_may_not_write_the_plan(role, users, mission, output):
    user = users[role]
    benchmark = BenchmarkFactory(output=output)
    with pytest.raises(PermissionDenied):
        benchmark_services.output_create(mission=mission, user=user, title="Ours")
    with pytest.raises(PermissionDenied):
        benchmark_services.benchmark_create(output=output, user=user, term="short", statement="S")
    with pytest.raises(PermissionDenied):
        benchmark_services.plan_item_update(item=output, user=user, expected_version=output.version, title="X")
    with pytest.raises(PermissionDenied):
        benchmark_services.plan_item_retire(item=benchmark, user=user, expected_version=benchmark.version)
    with pytest.raises(PermissionDenied):
        benchmark_services.assessment_create(
            benchmark=benchmark, user=user, assessed_on=mission.start_date, status="on_track", progress=10
        )
    with pytest.raises(PermissionDenied):
        benchmark_services.plan_instantiate(mission=mission, user=user, library_outputs=[])
    assert Benchmark.objects.filter(output=output).count() == 1


def test_the_lead_component_may_write_its_output(civilaffairs, output):
    benchmark = benchmark_services.benchmark_create(output=output, user=civilaffairs, term="short", statement="S")
    assert benchmark.output == output


def test_the_framework_library_is_loaded_by_system_or_a_superuser_only(hom):
    with pytest.raises(PermissionDenied):
        benchmark_services.framework_load(user=hom)
    with pytest.raises(PermissionDenied):
        benchmark_services.framework_load(user=AnonymousUser())
