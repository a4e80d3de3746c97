"""The "my work" inbox: each role sees the work that awaits it, scoped by mandate.access, in constant queries."""

import pytest
from django.urls import reverse

from missions.models import Component
from notifications.selectors import my_work, my_work_count
from tests.notifications_support import (
    component_work,
    fill_value,
    follow_ups,
    reports,
    screenings,
    submitted_plan,
)

Kind = Component.Kind


def areas(user, mission):
    return {a.key: a for a in my_work(user=user, mission=mission)}


def titles(area):
    return [i.title for i in area.items]


def test_hom_sees_a_submitted_plan_with_its_readiness_gaps(hom, mission, district):
    e = submitted_plan(mission, district, high_risk_sites=12)

    area = areas(hom, mission)["plans_to_decide"]

    assert area.count == 1
    item = area.items[0]
    assert item.url == reverse("elections:security-plan-detail", args=[e["security"].pk])
    gaps = " | ".join(item.gaps)
    assert "12 high-risk sites without a task" in gaps
    assert "1 transport leg without escort" in gaps
    assert "no task in:" in gaps and "Voter registration" in gaps and "Polling" not in gaps.split("no task in:")[1]


def test_hom_sees_reports_awaiting_sign_off_and_staff_do_not(hom, electoral, mission):
    made = reports(mission, n=2)

    hom_area = areas(hom, mission)["reports_to_sign"]

    assert hom_area.count == 2
    assert {i.url for i in hom_area.items} == {reverse("reports:detail", args=[r.pk]) for r in made["draft"]}
    assert "reports_to_sign" not in areas(electoral, mission)


def test_staff_see_only_their_components_overdue_benchmarks_risks_and_indicators(civilaffairs, mission, components):
    made = component_work(mission, components, n=2)
    fill_value(made["mine"]["indicators"][1])

    mine = areas(civilaffairs, mission)

    assert mine["benchmarks_to_assess"].count == 2
    assert all(i.late for i in mine["benchmarks_to_assess"].items)
    assert set(titles(mine["risks_to_review"])) == {r.title for r in made["mine"]["risks"]}
    assert titles(mine["indicators_to_report"]) == [made["mine"]["indicators"][0].name]


def test_electoral_sees_a_returned_plan_with_the_homs_comment(electoral, hom, mission, district):
    e = submitted_plan(mission, district)
    plan = e["security"]
    plan.status, plan.decision_comment = "returned", "Cover the northern sites."
    plan.save(update_fields=["status", "decision_comment"])

    area = areas(electoral, mission)["plans_returned"]

    assert area.count == 1 and "Cover the northern sites." in area.items[0].detail
    assert "plans_returned" not in areas(hom, mission)


def test_civil_affairs_sees_own_follow_ups_due_and_screenings_lapsing_or_lapsed(
    civilaffairs, mission, components, partner_a
):
    made = follow_ups(mission, components, owner=civilaffairs, partner=partner_a)
    s = screenings(mission)

    mine = areas(civilaffairs, mission)

    assert [i.title for i in mine["own_follow_ups"].items] == [made["mine"][0].action[:120]]
    assert mine["own_follow_ups"].items[0].late
    names = titles(mine["screenings"])
    assert names == [s["lapsed"][0].name, s["soon"][0].name]  # neither the later review nor the pending one


def test_partner_sees_follow_ups_of_their_organisation_only(partner1, partner2, mission, components, civilaffairs,
                                                              partner_a):  # fmt: skip
    made = follow_ups(mission, components, owner=civilaffairs, partner=partner_a)

    area = areas(partner1, mission)["partner_follow_ups"]

    assert area.count == 1
    assert area.items[0].url == f"{reverse('partners:portal')}#follow-up-{made['partner'][0].pk}"
    assert areas(partner2, mission)["partner_follow_ups"].count == 0
    assert set(areas(partner1, mission)) == {"partner_follow_ups"}


def test_hq_sees_newly_released_reports_but_not_security_reports(hq, mission):
    made = reports(mission, n=1)

    area = areas(hq, mission)["released_reports"]

    assert [i.url for i in area.items] == [reverse("reports:detail", args=[made["released"][0].pk])]


def test_nobody_is_told_about_other_missions(outsider, mission, district, other_mission):
    submitted_plan(mission, district)

    assert areas(outsider, other_mission)["plans_to_decide"].count == 0
    assert my_work(user=outsider, mission=mission) == []


def test_the_count_adds_up_the_areas(civilaffairs, mission, components, partner_a):
    component_work(mission, components, n=2)
    follow_ups(mission, components, owner=civilaffairs, partner=partner_a)

    total = sum(a.count for a in my_work(user=civilaffairs, mission=mission))

    assert my_work_count(user=civilaffairs, mission=mission) == total == 2 + 2 + 2 + 1


# Queries shared by every page: session, user, memberships (access + navigation; they also say that no
# security plan is shared with the user one by one, which would take a query of its own).
BASE_QUERIES = 3


@pytest.mark.parametrize("size", [1, 6])
def test_home_page_of_the_hom_runs_in_constant_queries(client, hom, mission, district, components, size,
                                                         django_assert_num_queries):  # fmt: skip
    for _ in range(size):
        submitted_plan(mission, district)
    reports(mission, n=size)
    follow_ups(mission, components, owner=hom, partner=mission.partners.first() or __import__(
        "tests.factories", fromlist=["PartnerFactory"]).PartnerFactory(mission=mission), n=size)  # fmt: skip
    client.force_login(hom)
    client.get(reverse("home"))  # warm-up (translations, content types)
    # session, user, memberships, grants; plans: count, rows, 4 gap queries; reports: count, rows;
    # narratives to validate, HQ comments awaiting an answer: a count each (none here);
    # own follow-ups: count, rows; the unread notifications for the header.
    with django_assert_num_queries(BASE_QUERIES + 2 + 4 + 2 + 1 + 1 + 2 + 1):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"My work" in response.content


@pytest.mark.parametrize("size", [1, 6])
def test_home_page_of_staff_runs_in_constant_queries(client, civilaffairs, mission, components, partner_a, size,
                                                      django_assert_num_queries):  # fmt: skip
    component_work(mission, components, n=size)
    follow_ups(mission, components, owner=civilaffairs, partner=partner_a, n=size)
    screenings(mission, n=size)
    client.force_login(civilaffairs)
    client.get(reverse("home"))
    # base; benchmarks, risks, indicators, own follow-ups, screenings: a count and the rows each;
    # narratives returned to the component: a count (none here); the unread notifications for the header.
    with django_assert_num_queries(BASE_QUERIES + 2 * 5 + 1 + 1):
        response = client.get(reverse("home"))
    assert response.status_code == 200


def test_dates_in_the_inbox_and_in_notifications_read_as_the_readers_date(hom, mission, district):
    import datetime

    from django.utils import translation

    from missions.formats import format_day
    from notifications import messages
    from notifications.models import Kind as NotificationKind
    from notifications.models import Notification

    e = submitted_plan(mission, district)
    with translation.override("fr"):
        detail = areas(hom, mission)["plans_to_decide"].items[0].detail
        assert detail == f"soumis le {format_day(e['security'].submitted_at)}" and "-" not in detail
        params = {"action": "Call", "due": "2026-12-01"}
        assigned = Notification(kind=NotificationKind.FOLLOW_UP_ASSIGNED, params=params)
        assert format_day(datetime.date(2026, 12, 1)) in messages.text(assigned)
        assert "2026-12-01" not in messages.text(assigned)


def test_a_report_is_named_in_the_readers_language_whoever_caused_the_event(hom, mission):
    import datetime

    from django.utils import translation

    from missions.formats import format_day
    from notifications import events, messages
    from notifications.models import Kind as NotificationKind
    from notifications.models import Notification
    from reports.models import Report, ReportKind

    report = Report(mission=mission, kind=ReportKind.PROGRESS, period_start=datetime.date(2026, 1, 1),
                    period_end=datetime.date(2026, 3, 31), requested_by=hom)  # fmt: skip
    with translation.override("en"):  # the actor's language
        params = events._report_params(report)
    ready = Notification(kind=NotificationKind.REPORT_READY, params=params)

    with translation.override("fr"):
        text = messages.text(ready)
        assert str(ReportKind.PROGRESS.label) in text and format_day(datetime.date(2026, 3, 31)) in text
    assert "Progress report" not in text and "2026-03-31" not in text
    old = Notification(kind=NotificationKind.REPORT_READY, params={"report": "Progress report 2026-01-01"})
    assert "Progress report 2026-01-01" in messages.text(old)  # stored by an earlier release
