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
from partners.models import Engagement, Partner
from tests.factories import EngagementFactory, FollowUpFactory, OutputFactory, PartnerFactory

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
    # 1-3 session, user, memberships; 4 security-plan grants (navigation sections);
    # 5 the partner filter's chosen partner; 6 the output filter's chosen output;
    # 7 the page of engagements (component, district, creator joined); 8 their partners;
    # 9 the capped match count; 10-13 the filter form's choices: partners, components, districts, outputs.
    response = measure(
        client,
        reverse("partners:engagement-list"),
        {"partner": partner_a.pk, "q": "item", "output": output.pk, "date_from": "2000-01-01"},
        django_assert_num_queries,
        13,
    )
    assert len(response.context["page"].rows) == size


@pytest.mark.parametrize("size", [2, 15])
def test_partner_page_runs_constant_queries(client, civilaffairs, partner_a, log_data, size, django_assert_num_queries):
    log_data(size)
    client.force_login(civilaffairs)
    # 1-3 session, user, memberships; 4 the partner (with district); 5 security-plan grants (sections);
    # 6 contacts; 7 latest engagements; 8 their partners; 9 engagement count; 10 open follow-ups
    # (with engagement, owner, partner); 11 the latest history records.
    response = measure(
        client, reverse("partners:partner-detail", args=[partner_a.pk]), {}, django_assert_num_queries, 11
    )
    assert response.context["page"].engagement_count == size


@pytest.mark.parametrize("size", [2, 15])
def test_registry_runs_constant_queries(client, civilaffairs, log_data, size, django_assert_num_queries):
    log_data(size)
    client.force_login(civilaffairs)
    # 1-3 session, user, memberships; 4 security-plan grants; 5 partner count (paginator);
    # 6 the page of partners (with district); 7 their latest engagement dates; 8 their open follow-ups;
    # 9 district choices of the filter form.
    measure(client, reverse("partners:index"), {}, django_assert_num_queries, 9)


@pytest.mark.parametrize("size", [2, 15])
def test_overview_runs_constant_queries(client, civilaffairs, log_data, size, django_assert_num_queries):
    log_data(size)
    client.force_login(civilaffairs)
    # 1-3 session, user, memberships; 4 security-plan grants; 5 the mission's regions and districts (area
    # filter); the period ends today, so each summary read first asks whether the current month has
    # engagements after today (partners.summaries.period_cells): indicators: 6 outputs, 7 after today?,
    # 8 the summary rows; coverage: 9 after today?, 10 the summary rows, 11 registered partners per type;
    # overdue: 12 per owner, 13 the owners, 14 per partner, 15 the oldest items; 16 my open follow-ups;
    # the coverage map: 17 after today?, 18 the summary rows, 19-20 the boundaries' fingerprint
    # (geo.mission_areas, parsed once per process).
    response = measure(
        client, reverse("partners:overview"), {"period_start": "2000-01-01"}, django_assert_num_queries, 20
    )
    assert response.context["indicators"][0].engagements == size


@pytest.mark.parametrize("size", [2, 15])
def test_overview_by_region_runs_constant_queries(
    client, civilaffairs, mission, district, log_data, size, django_assert_num_queries
):
    log_data(size)
    region = Location.objects.create(mission=mission, name="Northern Region", level=Location.Level.REGION)
    Location.objects.filter(pk=district.pk).update(parent=region)
    Engagement.objects.filter(mission=mission).update(district=district)
    summaries.rebuild(mission)
    client.force_login(civilaffairs)
    # The same 20 queries as the whole mission's overview: the area is a subquery in each.
    response = measure(
        client,
        reverse("partners:overview"),
        {"period_start": "2000-01-01", "region": region.pk},
        django_assert_num_queries,
        20,
    )
    assert response.context["indicators"][0].engagements == size


@pytest.mark.parametrize("size", [2, 15])
def test_portal_runs_constant_queries(client, partner1, log_data, size, django_assert_num_queries):
    log_data(size)
    client.force_login(partner1)
    # 1-3 session, user, memberships; 4 security-plan grants; 5 the partner; 6 shared engagements;
    # 7 contacts; 8 open follow-ups; 9 done follow-ups; 10 the partner named in the page header.
    response = measure(client, reverse("partners:portal"), {}, django_assert_num_queries, 10)
    assert len(response.context["page"].engagements) == size


@pytest.mark.parametrize("size", [2, 15])
def test_api_engagement_list_runs_constant_queries(
    client, civilaffairs, partner_a, log_data, size, django_assert_num_queries
):
    log_data(size)
    client.force_login(civilaffairs)
    # 1-3 session, user, memberships; 4 count; 5 the page; 6-10 partners, officers, outputs, benchmarks,
    # follow-ups of the page; 11 security-plan grants (whether internal fields are shown).
    response = measure(client, "/api/v1/engagements/", {"partner": partner_a.pk}, django_assert_num_queries, 11)
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [2, 15])
def test_api_partner_and_follow_up_lists_run_constant_queries(
    client, civilaffairs, log_data, size, django_assert_num_queries
):
    log_data(size)
    client.force_login(civilaffairs)
    # 1-3 session, user, memberships; 4 count; 5 the page of partners (with district);
    # 6 security-plan grants (whether screening fields are shown).
    measure(client, "/api/v1/partners/", {}, django_assert_num_queries, 6)
    # 1-3 session, user, memberships; 4 count; 5 the page of follow-ups (with engagement).
    response = measure(client, "/api/v1/follow-ups/", {"overdue": "true"}, django_assert_num_queries, 5)
    assert response.json()["count"] == 2 * size  # both follow-ups of each engagement are past due
