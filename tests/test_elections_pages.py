"""Election pages: forms, the import flow, conflicts, the workflow as users click it, and query counts."""

import datetime

import pytest
from django.urls import reverse

from elections.models import (
    ElectionPlan,
    PollingSite,
    RiskLevel,
    SecurityPlan,
    SecurityTask,
)
from missions.models import Location
from tests.elections_support import build_election, second_district
from tests.factories import IncidentFactory, PollingSiteFactory

Status = SecurityPlan.Status


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def _body(response) -> str:
    return response.content.decode()


# --- election plan ---------------------------------------------------------------------------------


def test_electoral_creates_a_plan_then_dates_its_phases(client, electoral, mission):
    client.force_login(electoral)
    response = client.post(
        reverse("elections:plan-create"),
        {
            "name": "Referendum 2027",
            "election_type": "referendum",
            "scope": "national",
            "polling_start": "2027-05-02",
            "polling_end": "2027-05-01",
        },
    )
    assert response.status_code == 200
    assert "The last polling day cannot be before the first." in _body(response)
    response = client.post(
        reverse("elections:plan-create"),
        {
            "name": "Referendum 2027",
            "election_type": "referendum",
            "scope": "national",
            "polling_start": "2027-05-02",
            "polling_end": "2027-05-02",
        },
    )
    plan = ElectionPlan.objects.get(name="Referendum 2027")
    assert response.status_code == 302 and response.url == reverse("elections:plan-phases", args=[plan.pk])
    bad = {"version": plan.version, "polling_start": "2027-05-03", "polling_end": "2027-05-05"}
    response = client.post(reverse("elections:plan-phases", args=[plan.pk]), bad)
    assert "must fall inside the polling phase" in _body(response)
    response = client.post(
        reverse("elections:plan-phases", args=[plan.pk]),
        {"version": plan.version, "campaign_start": "2027-05-01", "campaign_end": "2027-04-01"},
    )
    assert "Campaign ends before it starts." in _body(response)
    good = {
        "version": plan.version,
        "campaign_start": "2027-04-01",
        "campaign_end": "2027-04-30",
        "polling_start": "2027-05-01",
        "polling_end": "2027-05-03",
    }
    response = client.post(reverse("elections:plan-phases", args=[plan.pk]), good)
    assert response.status_code == 302
    assert sorted(plan.phases.values_list("kind", flat=True)) == ["campaign", "polling"]


def test_civil_affairs_reads_the_election_plan_but_not_its_security_plan(client, civilaffairs, e):
    client.force_login(civilaffairs)
    body = _body(client.get(reverse("elections:plan-detail", args=[e["plan"].pk])))
    assert e["plan"].name in body
    assert reverse("elections:security-plan-detail", args=[e["security"].pk]) not in body
    assert reverse("elections:incident-list", args=[e["plan"].pk]) not in body
    index = _body(client.get(reverse("elections:index")))
    assert "Security plans" not in index


# --- no lost edits ---------------------------------------------------------------------------------


def test_second_save_of_a_site_is_refused_showing_the_other_persons_values(client, electoral, mlt, e, district):
    site = e["site"]
    url = reverse("elections:site-edit", args=[site.pk])
    form = {
        "version": site.version,
        "code": site.code,
        "name": "Name by electoral",
        "district": district.pk,
        "registered_voters": 900,
    }
    client.force_login(electoral)
    assert client.post(url, form).status_code == 302
    client.force_login(mlt)
    response = client.post(url, {**form, "name": "Name by mlt", "registered_voters": 1000})
    assert response.status_code == 409
    body = _body(response)
    assert "Someone else changed this record" in body
    assert "Name by electoral" in body  # their value, shown
    assert 'value="Name by mlt"' in body  # the user's input is kept
    assert f'name="version" value="{site.version + 1}"' in body  # a deliberate second save is possible
    site.refresh_from_db()
    assert site.name == "Name by electoral"


def test_stale_phase_edit_is_refused(client, electoral, e):
    plan = e["plan"]
    client.force_login(electoral)
    response = client.post(reverse("elections:plan-phases", args=[plan.pk]), {"version": plan.version - 1 + 7})
    assert response.status_code == 409


# --- workflow as clicked ---------------------------------------------------------------------------


def test_submit_return_and_approve_through_the_pages(client, electoral, hom, e):
    security = e["security"]
    detail = reverse("elections:security-plan-detail", args=[security.pk])
    client.force_login(electoral)
    assert "Submit for approval" in _body(client.get(detail))
    client.post(reverse("elections:security-plan-submit", args=[security.pk]))
    security.refresh_from_db()
    assert security.status == Status.SUBMITTED
    assert client.get(reverse("elections:site-edit", args=[e["site"].pk])).status_code == 403  # frozen
    client.force_login(hom)
    assert "Return with comments" in _body(client.get(detail))
    client.post(reverse("elections:security-plan-return", args=[security.pk]), {"comment": "Add escorts"})
    security.refresh_from_db()
    assert (security.status, security.decision_comment) == (Status.RETURNED, "Add escorts")
    client.force_login(electoral)
    assert "Add escorts" in _body(client.get(detail))
    client.post(reverse("elections:security-plan-submit", args=[security.pk]))
    client.force_login(hom)
    client.post(reverse("elections:security-plan-approve", args=[security.pk]))
    security.refresh_from_db()
    assert security.status == Status.APPROVED
    client.force_login(electoral)
    response = client.post(reverse("elections:security-plan-revise", args=[security.pk]))
    new = SecurityPlan.objects.get(previous=security)
    assert response.url == reverse("elections:security-plan-detail", args=[new.pk])


def test_return_without_comment_is_refused_with_a_message(client, hom, electoral, e):
    client.force_login(electoral)
    client.post(reverse("elections:security-plan-submit", args=[e["security"].pk]))
    client.force_login(hom)
    response = client.post(reverse("elections:security-plan-return", args=[e["security"].pk]), follow=True)
    assert "Say what needs to change" in _body(response)
    e["security"].refresh_from_db()
    assert e["security"].status == Status.SUBMITTED


def test_compare_page_lists_added_removed_and_changed_items(client, electoral, mission, district):
    from elections import services

    e = build_election(mission, district, sites=3, status=Status.APPROVED)
    new = services.security_plan_new_revision(security_plan=e["security"], user=electoral)
    s0, s1, s2 = new.sites.order_by("code")
    s1.registered_voters = 4321
    s1.save()
    s2.delete()
    PollingSiteFactory(security_plan=new, district=district, code="NEW-9", name="Added school")
    task = new.tasks.get()
    task.provider = SecurityTask.Provider.NATIONAL_POLICE
    task.save()
    client.force_login(electoral)
    body = _body(client.get(reverse("elections:security-plan-compare", args=[new.pk])))
    assert "NEW-9 Added school" in body
    assert s2.code in body  # removed
    assert "4321" in body and "800" in body  # changed, before and after
    assert "National police" in body


def test_military_can_add_a_task_for_their_component_only(client, military, components, e):
    from missions.models import Component

    client.force_login(military)
    response = client.get(reverse("elections:task-create", args=[e["security"].pk]))
    assert response.status_code == 200
    options = response.context["form"].fields["component"].queryset
    assert list(options) == [components[Component.Kind.MILITARY]]
    response = client.post(
        reverse("elections:task-create", args=[e["security"].pk]),
        {
            "task_type": "patrol",
            "provider": "mission_military",
            "component": components[Component.Kind.MILITARY].pk,
            "phase": "polling",
            "start": "2027-03-14T06:00",
            "end": "2027-03-14T18:00",
            "site_code": e["site"].code,
        },
    )
    assert response.status_code == 302
    assert SecurityTask.objects.filter(component=components[Component.Kind.MILITARY], site=e["site"]).exists()


def test_task_form_reports_dates_outside_the_phase_on_the_field(client, electoral, e):
    client.force_login(electoral)
    response = client.post(
        reverse("elections:task-create", args=[e["security"].pk]),
        {
            "task_type": "patrol",
            "provider": "mission_police",
            "phase": "polling",
            "start": "2027-04-14T06:00",
            "end": "2027-04-14T18:00",
        },
    )
    assert response.status_code == 200
    assert "must fall inside the Polling phase" in str(response.context["form"].errors["start"])


def test_history_page_shows_who_changed_what(client, electoral, e, district):
    site = e["site"]
    client.force_login(electoral)
    client.post(
        reverse("elections:site-edit", args=[site.pk]),
        {"version": site.version, "code": site.code, "name": "Renamed school", "district": district.pk,
         "registered_voters": 800},
    )  # fmt: skip
    body = _body(client.get(reverse("elections:plan-history", args=[e["plan"].pk])))
    assert "Renamed school" in body and "electoral" in body
    assert "<del>" in body  # the field-level change is shown


def test_map_is_an_svg_with_sites_coloured_by_risk_and_district_labels(client, electoral, e, district):
    client.force_login(electoral)
    response = client.get(reverse("elections:site-map", args=[e["security"].pk]))
    assert response["Content-Type"].startswith("image/svg+xml")
    body = _body(response)
    assert body.count("<circle") >= len(e["sites"])
    assert district.name in body and "http://" not in body.replace("http://www.w3.org/2000/svg", "")


# --- query counts at two sizes ---------------------------------------------------------------------


def _grow(security, district, n):
    other = second_district(security.election_plan.mission)
    PollingSite.objects.bulk_create(
        [
            PollingSite(
                security_plan=security,
                code=f"B-{i:05d}",
                name=f"Bulk {i}",
                district=district if i % 2 else other,
                latitude=8 + (i % 100) / 50,
                longitude=1 + (i // 100) / 50,
                suggested_risk=RiskLevel.values[i % 4],
            )
            for i in range(n)
        ]
    )
    sites = list(security.sites.all()[: n // 3])
    SecurityTask.objects.bulk_create(
        [
            SecurityTask(
                security_plan=security,
                site=s,
                task_type="static_guard",
                provider="mission_police",
                phase="polling",
                start=datetime.datetime(2027, 3, 14, 6, tzinfo=datetime.UTC),
                end=datetime.datetime(2027, 3, 14, 18, tzinfo=datetime.UTC),
            )
            for s in sites
        ]
    )
    for _ in range(n // 100 + 1):
        IncidentFactory(election_plan=security.election_plan, district=district)


def _page_queries(client, user, url, django_assert_num_queries, expected):
    client.force_login(user)
    # Warm the process-wide content-type cache that guardian's grant lookup uses; each request still
    # reloads its session, user, memberships and grants.
    client.get(url)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    return response


# Queries shared by every page: session, user, memberships (access + navigation; they also say that no
# security plan is shared with the user one by one, which would take a query of its own).
BASE_QUERIES = 3


@pytest.mark.parametrize("size", [10, 1000])
def test_readiness_runs_in_constant_queries(client, electoral, mission, district, size, django_assert_num_queries):
    e = build_election(mission, district, sites=1)
    _grow(e["security"], district, size)
    # + 1 the security plan (scoped, with its election), + 7 readiness: sites by district/risk/coverage,
    # uncovered high-risk sites, tasks per phase and type, covered sites per phase, phase dates, open
    # incidents by district and severity, latest open incidents; + 1 the mission's regions and districts
    # (area filter), + 2 the boundaries' fingerprint (whether the map has district boundaries).
    response = _page_queries(
        client, electoral, reverse("elections:readiness", args=[e["security"].pk]), django_assert_num_queries,
        BASE_QUERIES + 1 + 7 + 3,
    )  # fmt: skip
    assert response.context["r"].total_sites == size + 1


@pytest.mark.parametrize("size", [10, 1000])
def test_site_list_runs_in_constant_queries(client, electoral, mission, district, size, django_assert_num_queries):
    e = build_election(mission, district, sites=1)
    _grow(e["security"], district, size)
    url = reverse("elections:site-list", args=[e["security"].pk]) + f"?district={district.pk}&has_tasks=no&q=B"
    # + 1 the security plan, + 1 the district choice (filter validation), + 1 district options (render),
    # + 1 count, + 1 the page of sites (district joined, risk and task count annotated), + 1 the number of
    # sites whose coordinates look wrong (the notice above the list).
    response = _page_queries(client, electoral, url, django_assert_num_queries, BASE_QUERIES + 6)
    assert len(response.context["page"].object_list) == min(50, response.context["page"].paginator.count)


@pytest.mark.parametrize("size", [10, 1000])
def test_readiness_by_region_runs_in_constant_queries(
    client, electoral, mission, district, size, django_assert_num_queries
):
    region = Location.objects.create(mission=mission, name="Northern Region", level=Location.Level.REGION)
    Location.objects.filter(pk=district.pk).update(parent=region)
    e = build_election(mission, district, sites=1)
    _grow(e["security"], district, size)
    url = reverse("elections:readiness", args=[e["security"].pk]) + f"?region={region.pk}"
    # As the whole plan's page: the region narrows the seven readiness queries (subqueries), adds none.
    response = _page_queries(client, electoral, url, django_assert_num_queries, BASE_QUERIES + 1 + 7 + 3)
    in_region = e["security"].sites.filter(district=district).count()
    assert response.context["r"].total_sites == in_region < e["security"].sites.count()


@pytest.mark.parametrize("size", [10, 1000])
def test_map_runs_in_constant_queries(client, electoral, mission, district, size, django_assert_num_queries):
    e = build_election(mission, district, sites=1)
    _grow(e["security"], district, size)
    # + 1 the security plan, + 1 the sites' counts per district, risk and state of the coordinates, + 2 the
    # boundaries' fingerprint (their parsed geometries are cached by geo.mission_areas), + 1 the mission's
    # areas, + 1 the sites.
    response = _page_queries(
        client, electoral, reverse("elections:site-map", args=[e["security"].pk]), django_assert_num_queries,
        BASE_QUERIES + 6,
    )  # fmt: skip
    assert response.content.decode().count("<circle") >= size


@pytest.mark.parametrize("size", [10, 300])
def test_compare_runs_in_constant_queries(electoral, mission, district, size, django_assert_num_queries):
    from elections import selectors, services

    e = build_election(mission, district, sites=1, status=Status.APPROVED)
    _grow(e["security"], district, size)
    new = services.security_plan_new_revision(security_plan=e["security"], user=electoral)
    # Two per kind (sites, threats, tasks, legs) and one per revision for the sites of threats.
    with django_assert_num_queries(10):
        diffs = selectors.compare_revisions(e["security"], new)
    assert all(d.empty for d in diffs)


@pytest.mark.parametrize("size", [3, 60])
def test_history_runs_in_bounded_queries(client, electoral, mission, district, size, django_assert_max_num_queries):
    e = build_election(mission, district, sites=size)
    for site in e["sites"]:
        site.name += " (renamed)"
        site.save()
    # + 1 plan, + 1 grants check for security, + 1 security plan ids, + 1 count, + 1 page, + 1 users,
    # + 1 per kind of changed record on the page (at most 9 kinds).
    client.force_login(electoral)
    client.get(reverse("elections:plan-history", args=[e["plan"].pk]))
    with django_assert_max_num_queries(BASE_QUERIES + 6 + 9):
        response = client.get(reverse("elections:plan-history", args=[e["plan"].pk]))
    assert response.status_code == 200
    assert len(response.context["entries"]) == min(50, response.context["total"])


def test_site_list_filters_by_district_risk_tasks_and_search(client, electoral, mission, district):
    e = build_election(mission, district, sites=1)
    other = second_district(mission)
    PollingSiteFactory(security_plan=e["security"], district=other, code="S-HIGH", suggested_risk=RiskLevel.HIGH)
    PollingSiteFactory(security_plan=e["security"], district=other, code="S-CRIT", suggested_risk=RiskLevel.CRITICAL)
    PollingSiteFactory(
        security_plan=e["security"], district=other, code="S-OVR", suggested_risk=RiskLevel.CRITICAL,
        risk_override=RiskLevel.LOW, risk_reason="Inside the camp", name="Camp school",
    )  # fmt: skip
    client.force_login(electoral)
    url = reverse("elections:site-list", args=[e["security"].pk])

    def codes(query):
        return {s.code for s in client.get(f"{url}?{query}").context["page"].object_list}

    assert codes(f"district={other.pk}") == {"S-HIGH", "S-CRIT", "S-OVR"}
    assert codes(f"district={other.pk}&risk=high_plus") == {"S-HIGH", "S-CRIT"}
    assert codes(f"district={other.pk}&risk=low") == {"S-OVR"}  # the override counts
    assert codes("has_tasks=yes") == {e["site"].code}
    assert e["site"].code not in codes("has_tasks=no")
    assert codes("q=camp") == {"S-OVR"}


def test_stale_threat_edit_shows_their_sites_and_scores(client, electoral, hom, e, district):
    threat, other_site = e["threat"], e["sites"][1]
    url = reverse("elections:threat-edit", args=[threat.pk])
    form = {
        "version": threat.version, "actor": threat.actor, "threat_type": "armed_group", "district": district.pk,
        "likelihood": 2, "impact": 2, "site_codes": other_site.code,
    }  # fmt: skip
    client.force_login(hom)
    assert client.post(url, {**form, "likelihood": 5}).status_code == 302
    client.force_login(electoral)
    response = client.post(url, form)
    assert response.status_code == 409
    rows = {label: (theirs, yours, differs) for label, theirs, yours, differs in response.context["conflict"]["rows"]}
    assert rows["Likelihood (1-5)"] == ("5", "2", True)
    assert rows["Impact (1-5)"] == ("2", "2", False)
    assert rows["Sites (codes)"] == (other_site.code, other_site.code, False)


def test_history_shows_security_records_only_to_the_security_circle(client, civilaffairs, electoral, e):
    url = reverse("elections:plan-history", args=[e["plan"].pk])
    client.force_login(electoral)
    assert e["site"].code in _body(client.get(url))
    client.force_login(civilaffairs)
    body = _body(client.get(url))
    assert e["plan"].name in body and e["milestone"].title in body
    assert e["site"].code not in body and e["threat"].actor not in body


def test_milestone_links_only_to_benchmarks_of_the_elections_output(client, electoral, e, components):
    from elections.models import Milestone
    from missions.models import Component
    from tests.factories import BenchmarkFactory, OutputFactory

    mission = e["plan"].mission
    elections_output = OutputFactory(mission=mission, lead_component=components[Component.Kind.ELECTORAL])
    other_output = OutputFactory(mission=mission, lead_component=components[Component.Kind.CIVIL_AFFAIRS])
    ours, theirs = BenchmarkFactory(output=elections_output), BenchmarkFactory(output=other_output)
    url = reverse("elections:milestone-create", args=[e["plan"].pk])
    form = {"title": "Voter roll published", "phase": "voter_registration", "due_date": "2026-12-01", "status": "done"}
    client.force_login(electoral)
    response = client.post(url, {**form, "benchmark": theirs.pk})
    assert response.status_code == 200 and "benchmark" in response.context["form"].errors
    assert client.post(url, {**form, "benchmark": ours.pk}).status_code == 302
    assert Milestone.objects.get(title="Voter roll published").benchmark == ours


def test_site_map_may_be_embedded_by_the_readiness_page_of_the_same_site(client, electoral, mission, district):
    """The readiness page shows the map in an <object>; X-Frame-Options DENY would leave it blank."""
    from django.urls import reverse

    from tests.factories import PollingSiteFactory

    site = PollingSiteFactory(security_plan__election_plan__mission=mission, district=district)
    client.force_login(electoral)
    response = client.get(reverse("elections:site-map", args=[site.security_plan_id]))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_readiness_counts_carry_the_languages_thousands_separator(client, electoral, mission, district):
    from django.utils import translation

    from missions.formats import format_count
    from missions.services import profile_language_set

    e = build_election(mission, district, sites=1)
    e["sites"][0].__class__.objects.filter(pk=e["sites"][0].pk).update(registered_voters=12480)
    profile_language_set(user=electoral, language="fr")
    client.force_login(electoral)

    page = client.get(reverse("elections:readiness", args=[e["security"].pk])).content.decode()

    with translation.override("fr"):
        french = format_count(12480)
    assert french != "12480" and french in page  # "12 480" (a narrow no-break space)
    assert ">12480<" not in page
