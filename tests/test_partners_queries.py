"""Every list and page of the partners app runs a fixed number of queries, whatever the size of the log.

Each test measures at two data sizes with the same expected count. A first request warms the
per-process caches (content types for the object-permission lookup) so that only per-request
queries are counted. The first three queries of every page are the request's own:
session, user, the user's memberships (mandate.access, once per request).
"""

import datetime

import pytest
from django.urls import reverse

from missions.models import Location
from partners import summaries
from partners.models import Engagement, FollowUp, Partner
from tests.factories import EngagementFactory, FollowUpFactory, LocationFactory, OutputFactory, PartnerFactory

PAST = datetime.date(2020, 1, 1)


def grow(mission, partners, officer, output, n):
    """n more engagements, each with two partners, an output, a contact and two follow-ups (one overdue)."""
    for i in range(n):
        extra = PartnerFactory(mission=mission, partner_type=list(Partner.PartnerType)[i % 14].value)
        engagement = EngagementFactory(
            mission=mission, partners=[partners[0], extra], shareable=True, summary=f"item {i}"
        )
        engagement.outputs.add(output)
        FollowUpFactory(engagement=engagement, owner=officer, due_date=PAST)
        FollowUpFactory(engagement=engagement, owner=None, partner=partners[0])
        partners[0].contacts.create(name=f"Contact {i}")
    summaries.rebuild(mission)  # the outputs were linked past the services


@pytest.fixture
def log_data(mission, partner_a, civilaffairs, components):
    output = OutputFactory(mission=mission)
    return lambda n: grow(mission, [partner_a], civilaffairs, output, n) or output


def measure(client, url, params, django_assert_num_queries, expected):
    client.get(url, params)  # warm-up
    with django_assert_num_queries(expected):
        response = client.get(url, params)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("size", [2, 15])
def test_engagement_log_with_filters_runs_constant_queries(
    client, civilaffairs, partner_a, log_data, size, django_assert_num_queries
):
    output = log_data(size)
    client.force_login(civilaffairs)
    # 1-3 session, user, memberships (which also say that no security plan is shared with the user);
    # 4 the partner filter's chosen partner; 5 the output filter's chosen output;
    # 6 the page of engagements (component, district, creator joined); 7 their partners;
    # 8 the capped match count; 9-12 the filter form's choices: partners, components, districts, outputs.
    response = measure(
        client,
        reverse("partners:engagement-list"),
        {"partner": partner_a.pk, "q": "item", "output": output.pk, "date_from": "2000-01-01"},
        django_assert_num_queries,
        12,
    )
    assert len(response.context["page"].rows) == size


@pytest.mark.parametrize("size", [2, 15])
def test_partner_page_runs_constant_queries(client, civilaffairs, partner_a, log_data, size, django_assert_num_queries):
    log_data(size)
    client.force_login(civilaffairs)
    # 1-3 session, user, memberships; 4 the partner (with district); 5 contacts; 6 latest engagements;
    # 7 their partners; 8 engagement count; 9 open follow-ups (with engagement, owner, partner); 10 the
    # latest history records.
    response = measure(
        client, reverse("partners:partner-detail", args=[partner_a.pk]), {}, django_assert_num_queries, 10
    )
    assert response.context["page"].engagement_count == size


@pytest.mark.parametrize("size", [2, 15])
def test_registry_runs_constant_queries(client, civilaffairs, log_data, size, django_assert_num_queries):
    log_data(size)
    client.force_login(civilaffairs)
    # 1-3 session, user, memberships; 4 partner count (paginator); 5 the page of partners (with district);
    # 6 their latest engagement dates; 7 their open follow-ups; 8 district choices of the filter form.
    measure(client, reverse("partners:index"), {}, django_assert_num_queries, 8)


@pytest.mark.parametrize("size", [2, 15])
def test_overview_runs_constant_queries(client, civilaffairs, log_data, size, django_assert_num_queries):
    log_data(size)
    client.force_login(civilaffairs)
    # 1-3 session, user, memberships; 4 the mission's regions and districts (area filter); the period ends
    # today, so each summary read first asks whether the current month has engagements after today
    # (partners.summaries.period_cells): indicators: 5 outputs, 6 after today?, 7 the summary rows;
    # coverage: 8 after today?, 9 the summary rows, 10 registered partners per type; overdue: 11 per owner
    # and partner, 12 the owners, 13 the partners' names, 14 the oldest items; 15 my open follow-ups; the
    # coverage map: 16 after today?, 17 the summary rows, 18-19 the boundaries' fingerprint
    # (geo.mission_areas, parsed once per process).
    response = measure(
        client, reverse("partners:overview"), {"period_start": "2000-01-01"}, django_assert_num_queries, 19
    )
    assert response.context["indicators"][0].engagements == size
    assert len(response.context["overdue"]["items"]) == 2 * size  # both follow-ups of each engagement


@pytest.mark.parametrize("size", [2, 15])
def test_overview_by_region_runs_constant_queries(
    client, civilaffairs, mission, district, log_data, size, django_assert_num_queries
):
    log_data(size)
    region = Location.objects.create(mission=mission, name="Northern Region", level=Location.Level.REGION)
    Location.objects.filter(pk=district.pk).update(parent=region)
    Engagement.objects.filter(mission=mission).update(district=district)
    FollowUp.objects.filter(mission=mission).update(district=district)  # they keep their engagement's area
    summaries.rebuild(mission)
    client.force_login(civilaffairs)
    # The same 19 queries as the whole mission's overview: the area is a subquery in each.
    response = measure(
        client,
        reverse("partners:overview"),
        {"period_start": "2000-01-01", "region": region.pk},
        django_assert_num_queries,
        19,
    )
    assert response.context["indicators"][0].engagements == size
    assert len(response.context["overdue"]["items"]) == 2 * size  # both follow-ups of each engagement


@pytest.mark.parametrize("size", [2, 15])
def test_portal_runs_constant_queries(client, partner1, mission, log_data, size, django_assert_num_queries):
    log_data(size)
    for i, engagement in enumerate(Engagement.objects.filter(mission=mission)):
        # Each in its own district, whose name (in the reader's language) the list shows.
        engagement.district = LocationFactory(mission=mission, name=f"District {i}", name_fr=f"District {i} (fr)")
        engagement.save(update_fields=["district"])
    client.force_login(partner1)
    # 1-3 session, user, memberships; 4 the partner; 5 shared engagements; 6 contacts; 7 open follow-ups;
    # 8 done follow-ups; 9 the partner named in the page header.
    response = measure(client, reverse("partners:portal"), {}, django_assert_num_queries, 9)
    assert len(response.context["page"].engagements) == size
    assert "District 0" in response.content.decode()


@pytest.mark.parametrize("size", [2, 15])
def test_api_engagement_list_runs_constant_queries(
    client, civilaffairs, partner_a, log_data, size, django_assert_num_queries
):
    log_data(size)
    client.force_login(civilaffairs)
    # 1-3 session, user, memberships; 4 count; 5 the page; 6-10 partners, officers, outputs, benchmarks,
    # follow-ups of the page.
    response = measure(client, "/api/v1/engagements/", {"partner": partner_a.pk}, django_assert_num_queries, 10)
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [2, 15])
def test_api_partner_and_follow_up_lists_run_constant_queries(
    client, civilaffairs, log_data, size, django_assert_num_queries
):
    log_data(size)
    client.force_login(civilaffairs)
    # 1-3 session, user, memberships; 4 count; 5 the page of partners (with district).
    measure(client, "/api/v1/partners/", {}, django_assert_num_queries, 5)
    # 1-3 session, user, memberships; 4 count; 5 the page of follow-ups (with engagement).
    response = measure(client, "/api/v1/follow-ups/", {"overdue": "true"}, django_assert_num_queries, 5)
    assert response.json()["count"] == 2 * size  # both follow-ups of each engagement are past due
