"""The "Done when" journey of issue 12, through the real pages and services (Celery in-process, mail in
Django's outbox):

electoral submits a plan -> hom sees it on the home page with its gaps, gets one email and one notification;
approving it notifies electoral; a follow-up assigned to a partner appears in partner1's portal inbox and
mail; a daily digest of overdue assessments reaches each component's staff once, not twice when beat runs again.
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from missions.models import Component
from notifications import reminders, services
from notifications.models import Kind, Notification
from partners import services as partner_services
from tests.factories import BenchmarkFactory, EngagementFactory, OutputFactory
from tests.notifications_support import days, submitted_plan
from tests.reports_support import eager_tasks  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]
Kind_ = Component.Kind


def _mine(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind))


def _mail_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def test_a_submitted_plan_reaches_the_hom_and_its_approval_reaches_electoral(
    client, electoral, hom, mlt, civilaffairs, mission, district, django_capture_on_commit_callbacks
):
    e = submitted_plan(mission, district, high_risk_sites=12)
    plan = e["security"]
    plan.status = "draft"
    plan.save(update_fields=["status"])
    client.force_login(electoral)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("elections:security-plan-submit", args=[plan.pk]), {"version": plan.version})

    plan.refresh_from_db()
    assert plan.status == "submitted"
    assert len(_mine(hom, Kind.PLAN_SUBMITTED)) == 1
    assert len(_mail_to(hom)) == 1 and "A security plan awaits your decision." in _mail_to(hom)[0].body
    assert _mine(civilaffairs, Kind.PLAN_SUBMITTED) == [] and _mine(electoral, Kind.PLAN_SUBMITTED) == []
    client.force_login(hom)
    home = client.get(reverse("home")).content.decode()
    assert "12 high-risk sites without a task" in home and "1 transport leg without escort" in home
    assert reverse("elections:security-plan-detail", args=[plan.pk]) in home

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("elections:security-plan-approve", args=[plan.pk]), {"version": plan.version})

    plan.refresh_from_db()
    assert plan.status == "approved"
    assert len(_mine(electoral, Kind.PLAN_APPROVED)) == 1
    assert len(_mail_to(electoral)) == 1 and _mail_to(hom) == []


def test_a_returned_plan_comes_back_to_electoral_with_the_comment(
    client, electoral, hom, mission, district, django_capture_on_commit_callbacks
):
    plan = submitted_plan(mission, district, submitter=electoral)["security"]
    client.force_login(hom)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("elections:security-plan-return", args=[plan.pk]),
                    {"version": plan.version, "comment": "Escort the ballot convoy."})  # fmt: skip

    assert len(_mine(electoral, Kind.PLAN_RETURNED)) == 1
    client.force_login(electoral)
    assert "Escort the ballot convoy." in client.get(reverse("home")).content.decode()


def test_a_follow_up_assigned_to_a_partner_reaches_its_focal_point_in_the_portal_and_by_mail(
    client, civilaffairs, partner1, partner2, partner_a, mission, components, django_capture_on_commit_callbacks
):
    engagement = EngagementFactory(mission=mission, component=components[Kind_.CIVIL_AFFAIRS], partners=[partner_a],
                                   created_by=civilaffairs)  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        follow_up = partner_services.follow_up_create(
            user=civilaffairs, engagement=engagement, action="Send the list of trainees", due_date=days(10),
            partner=partner_a,
        )  # fmt: skip

    (told,) = _mine(partner1, Kind.FOLLOW_UP_ASSIGNED)
    assert told.url == f"{reverse('partners:portal')}#follow-up-{follow_up.pk}"
    assert len(_mail_to(partner1)) == 1 and "Send the list of trainees" in _mail_to(partner1)[0].body
    assert _mine(partner2, Kind.FOLLOW_UP_ASSIGNED) == [] and _mail_to(civilaffairs) == []
    client.force_login(partner1)
    assert f'id="follow-up-{follow_up.pk}"' in client.get(reverse("partners:portal")).content.decode()
    assert "Send the list of trainees" in client.get(reverse("home")).content.decode()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        partner_services.follow_up_complete(user=partner1, follow_up=follow_up, comment="Sent.")

    assert len(_mine(civilaffairs, Kind.FOLLOW_UP_DONE)) == 1 and _mine(partner1, Kind.FOLLOW_UP_DONE) == []


def test_a_daily_digest_of_overdue_assessments_reaches_each_components_staff_once(
    civilaffairs, electoral, military, hom, mission, components, django_capture_on_commit_callbacks
):
    for kind in (Kind_.CIVIL_AFFAIRS, Kind_.ELECTORAL):
        output = OutputFactory(mission=mission, lead_component=components[kind])
        for _ in range(2):
            b = BenchmarkFactory(output=output)
            type(b).objects.filter(pk=b.pk).update(created_at=timezone.now() - datetime.timedelta(days=200))

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.reminders_record() == 4
        assert reminders.reminders_record() == 0  # the hourly beat runs again: nothing new
    assert mail.outbox == []  # reminders wait for the digest by default

    morning = datetime.datetime.combine(timezone.localdate(), datetime.time(9), tzinfo=datetime.UTC)
    assert services.digests_send_due(now=morning) == 2
    assert services.digests_send_due(now=morning) == 0

    for user in (civilaffairs, electoral):
        (digest,) = _mail_to(user)
        assert digest.body.count("Benchmark assessment due") == 2
    assert _mail_to(military) == [] and _mail_to(hom) == []


def test_the_demo_starts_with_work_waiting_for_people():
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from missions.models import Mission
    from notifications.selectors import my_work

    call_command("seed_demo", stdout=io.StringIO())
    demo = Mission.objects.get(acronym="UNMSV")
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["hom", "civilaffairs", "electoral"])}

    hom = {a.key: a for a in my_work(user=users["hom"], mission=demo)}
    (plan,) = hom["plans_to_decide"].items
    assert any("high-risk sites without a task" in gap for gap in plan.gaps)
    assert any("without escort" in gap for gap in plan.gaps)
    assert len(_mine(users["hom"], Kind.PLAN_SUBMITTED)) == 1
    civil = {a.key: a for a in my_work(user=users["civilaffairs"], mission=demo)}
    assert civil["screenings"].count >= 2 and civil["own_follow_ups"].count >= 1
    assert civil["benchmarks_to_assess"].count >= 1
    # The general election's plan is still a draft: electoral can submit it (the journey).
    assert demo.election_plans.get(name__startswith="General").security_plans.get().status == "draft"
