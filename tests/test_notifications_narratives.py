"""The narrative workflow and HQ's feedback come to people: submitted narratives in the inbox of whoever
validates them, returned ones in the lead component's, HQ comments in the leadership's until answered and the
answers in the HQ reader's; each event notified once per person, by email as they chose; the header's counts
without JavaScript."""

import pytest
from django.core import mail
from django.urls import reverse

from missions.models import Component, Membership
from narratives import services as narrative_services
from narratives.models import Narrative
from notifications import events
from notifications.models import Delivery, Kind, Notification, Preference
from notifications.selectors import my_work
from reports import services as report_services
from reports.models import ReportComment
from tests.factories import MembershipFactory, UserFactory
from tests.notifications_support import comment_threads, narratives
from tests.reports_support import eager_tasks  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
Kind_ = Component.Kind


def areas(user, mission):
    return {a.key: a for a in my_work(user=user, mission=mission)}


@pytest.fixture
def mlt_electoral(mission, components):
    """An MLT member whose area is the electoral component: validates the outputs it leads, not others."""
    user = UserFactory(username="mlt_electoral")
    MembershipFactory(user=user, mission=mission, role=Membership.Role.MLT, component=components[Kind_.ELECTORAL])
    return user


# --- the inbox ------------------------------------------------------------------------------------------


def test_submitted_narratives_await_the_hom_and_the_mlt_member_who_leads_the_output(
    hom, mlt, mlt_electoral, civilaffairs, mission, components
):
    made = narratives(mission, components, writer=civilaffairs, n=2)

    assert areas(hom, mission)["narratives_to_validate"].count == 4
    assert areas(mlt, mission)["narratives_to_validate"].count == 4  # an MLT member with no area speaks for all
    theirs = areas(mlt_electoral, mission)["narratives_to_validate"]
    assert theirs.count == 2
    assert {i.url for i in theirs.items} == {
        reverse("narratives:narrative", args=[n.output_id, "2026-01-01_2026-03-31"]) for n in made[Kind_.ELECTORAL]
    }
    assert "narratives_to_validate" not in areas(civilaffairs, mission)


def test_returned_narratives_come_back_to_the_lead_components_staff_only(
    hom, civilaffairs, electoral, mission, components
):
    narratives(mission, components, writer=hom, status=Narrative.Status.RETURNED)

    mine = areas(civilaffairs, mission)["narratives_returned"]
    assert mine.count == 1 and "Add figures." in mine.items[0].detail
    assert areas(electoral, mission)["narratives_returned"].count == 1
    assert "narratives_returned" not in areas(hom, mission)


def test_drafts_and_validated_narratives_wait_for_nobody(hom, civilaffairs, mission, components):
    narratives(mission, components, writer=civilaffairs, status=Narrative.Status.DRAFT)
    narratives(mission, components, writer=civilaffairs, status=Narrative.Status.VALIDATED)

    assert areas(hom, mission)["narratives_to_validate"].count == 0
    assert areas(civilaffairs, mission)["narratives_returned"].count == 0


def test_hq_comments_await_the_leadership_until_answered_and_the_answer_reaches_hq(hom, mlt, hq, civilaffairs, mission):
    threads = comment_threads(mission, hq=hq, n=2, answered_by=mlt)

    waiting = areas(hom, mission)["report_comments"]
    assert waiting.count == 2
    assert waiting.items[0].url.endswith(f"#comment-{threads['waiting'][0].pk}")
    assert areas(mlt, mission)["report_comments"].count == 2
    answers = areas(hq, mission)["comment_answers"]
    assert answers.count == 1 and answers.items[0].url.endswith(f"#comment-{threads['answered'].pk}")
    assert "report_comments" not in areas(civilaffairs, mission) and "comment_answers" not in areas(hom, mission)

    # HQ answers back: the thread awaits the mission again, and HQ has nothing left to read in it.
    ReportComment.objects.create(report=threads["report"], author=hq, parent=threads["answered"], body="Thanks, but?")
    assert areas(hom, mission)["report_comments"].count == 3
    assert areas(hq, mission)["comment_answers"].count == 0


def test_another_hq_reader_is_not_told_of_answers_to_someone_elses_comment(hq, mlt, mission):
    other_hq = UserFactory(username="hq2")
    MembershipFactory(user=other_hq, mission=mission, role=Membership.Role.HQ)
    comment_threads(mission, hq=hq, answered_by=mlt)

    assert areas(other_hq, mission)["comment_answers"].count == 0


def test_nobody_is_told_of_another_missions_narratives_or_comments(outsider, hom, hq, mission, components):
    narratives(mission, components, writer=hom)
    comment_threads(mission, hq=hq)

    inbox = areas(outsider, mission)
    assert inbox == {}  # not a member: no area at all


# Queries shared by every page: session, user, memberships (access + navigation; they also say that no
# security plan is shared with the user one by one, which would take a query of its own).
BASE_QUERIES = 3


@pytest.mark.parametrize("size", [1, 6])
def test_home_page_of_the_hom_with_narratives_and_comments_runs_in_constant_queries(
    client, hom, hq, civilaffairs, mission, components, size, django_assert_num_queries
):
    narratives(mission, components, writer=civilaffairs, n=size)
    comment_threads(mission, hq=hq, n=size, answered_by=hom)
    client.force_login(hom)
    client.get(reverse("home"))  # warm-up (translations, content types; the header counts saved in the session)
    # base; plans to decide: count; reports to sign: count, rows; narratives to validate: count, rows;
    # comments awaiting an answer: count, rows; own follow-ups: count; the unread notifications (header).
    with django_assert_num_queries(BASE_QUERIES + 1 + 2 + 2 + 2 + 1 + 1):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["my_work_areas"][2].count == 2 * size


@pytest.mark.parametrize("size", [1, 6])
def test_home_page_of_hq_with_answers_runs_in_constant_queries(
    client, hq, mlt, mission, size, django_assert_num_queries
):
    for _ in range(size):
        comment_threads(mission, hq=hq, answered_by=mlt)
    client.force_login(hq)
    client.get(reverse("home"))
    # base; released reports: count, rows; answers: count, rows (each thread's last
    # author and time are subqueries of the same query); the unread count.
    with django_assert_num_queries(BASE_QUERIES + 2 + 2 + 1):
        response = client.get(reverse("home"))
    assert {a.key: a.count for a in response.context["my_work_areas"]}["comment_answers"] == size


def test_the_my_work_api_lists_the_narratives_and_comments_areas(hom, hq, civilaffairs, mission, components):
    from rest_framework.test import APIClient

    narratives(mission, components, writer=civilaffairs)
    comment_threads(mission, hq=hq)
    api = APIClient()
    api.force_authenticate(hom)

    body = api.get("/api/v1/my-work/", {"mission": mission.pk}).json()

    counts = {a["key"]: a["count"] for a in body["areas"]}
    assert counts["narratives_to_validate"] == 2 and counts["report_comments"] == 2


# --- the header's counts, without JavaScript ------------------------------------------------------------


def test_the_header_shows_the_counts_in_the_html_on_every_page_after_the_home_page(
    client, hom, civilaffairs, mission, components
):
    narratives(mission, components, writer=civilaffairs, n=2)
    Notification.objects.create(recipient=hom, mission=mission, kind=Kind.REPORT_READY, event_key="x", url="/",
                                params={"report": "R"})  # fmt: skip
    client.force_login(hom)
    client.get(reverse("home"))

    page = client.get(reverse("narratives:board")).content.decode()  # another page: no inbox query of its own

    assert '<span class="count-badge" data-count="work">4</span>' in page  # 4 narratives to validate
    assert '<span class="count-badge" data-count="unread">1</span>' in page
    client.post(reverse("notifications:read-all"))
    page = client.get(reverse("narratives:board")).content.decode()
    assert '<span class="count-badge" data-count="unread" hidden></span>' in page


def test_the_header_counts_of_one_mission_are_not_shown_in_another(client, hom, mission, other_mission, components):
    MembershipFactory(user=hom, mission=other_mission, role=Membership.Role.HOM)
    narratives(mission, components, writer=hom)
    client.force_login(hom)
    client.get(reverse("home"))
    client.post(reverse("switch-mission"), {"mission": other_mission.pk})

    page = client.get(reverse("notifications:list")).content.decode()

    assert 'data-count="work" hidden' in page


# --- notifications --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("eager_tasks")
def test_submitting_a_narrative_notifies_its_validators_once_each_by_email(
    hom, mlt, mlt_electoral, civilaffairs, mission, components, django_capture_on_commit_callbacks
):
    (narrative,) = narratives(mission, components, writer=civilaffairs, status=Narrative.Status.DRAFT)[
        Kind_.CIVIL_AFFAIRS
    ]
    with django_capture_on_commit_callbacks(execute=True):
        narrative = narrative_services.narrative_submit(
            user=civilaffairs, narrative=narrative, expected_version=narrative.version
        )

    told = Notification.objects.filter(kind=Kind.NARRATIVE_SUBMITTED)
    assert {n.recipient for n in told} == {hom, mlt}  # not the electoral MLT lead, not the writer
    assert sorted(m.to[0] for m in mail.outbox) == sorted([hom.email, mlt.email])
    assert "awaits your validation" in mail.outbox[0].body
    # The task run again (a retry) records nothing twice.
    assert events.event_record(event="narrative_submitted", object_id=narrative.pk, actor_id=civilaffairs.pk,
                               key=f"v{narrative.version}") == 0  # fmt: skip
    assert told.count() == 2


@pytest.mark.usefixtures("eager_tasks")
def test_the_period_of_a_narrative_notification_is_named_in_each_readers_language(
    hom, mlt, civilaffairs, mission, components, django_capture_on_commit_callbacks
):
    from django.utils import translation

    from missions.services import profile_language_set
    from notifications import messages

    profile_language_set(user=hom, language="fr")
    (narrative,) = narratives(mission, components, writer=civilaffairs, status=Narrative.Status.DRAFT)[
        Kind_.CIVIL_AFFAIRS
    ]
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):  # the writer's language
        narrative_services.narrative_submit(user=civilaffairs, narrative=narrative, expected_version=narrative.version)

    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    assert "T1 2026" in by_recipient[hom.email] and "Q1 2026" not in by_recipient[hom.email]
    assert "Q1 2026" in by_recipient[mlt.email]
    shown = Notification.objects.get(kind=Kind.NARRATIVE_SUBMITTED, recipient=hom)
    with translation.override("fr"):
        assert "T1 2026" in messages.text(shown) and "Q1" not in messages.text(shown)


@pytest.mark.usefixtures("eager_tasks")
def test_returning_and_validating_tell_the_writer_and_the_lead_components_staff(
    hom, civilaffairs, electoral, mission, components, django_capture_on_commit_callbacks
):
    made = narratives(mission, components, writer=hom)
    returned, validated = made[Kind_.CIVIL_AFFAIRS][0], made[Kind_.ELECTORAL][0]
    with django_capture_on_commit_callbacks(execute=True):
        narrative_services.narrative_review(user=hom, narrative=returned, expected_version=returned.version,
                                            validate=False, comment="Add figures.")  # fmt: skip
        narrative_services.narrative_review(user=hom, narrative=validated, expected_version=validated.version,
                                            validate=True)  # fmt: skip

    assert {n.recipient for n in Notification.objects.filter(kind=Kind.NARRATIVE_RETURNED)} == {civilaffairs}
    assert {n.recipient for n in Notification.objects.filter(kind=Kind.NARRATIVE_VALIDATED)} == {electoral}


@pytest.mark.usefixtures("eager_tasks")
def test_an_hq_comment_reaches_the_leadership_and_the_answer_reaches_the_hq_reader(
    hom, mlt, hq, civilaffairs, mission, django_capture_on_commit_callbacks
):
    report = comment_threads(mission, hq=hq, n=0)["report"]
    Preference.objects.create(user=mlt, kind=Kind.REPORT_COMMENT, delivery=Delivery.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        comment = report_services.report_comment_add(user=hq, report=report, body="Why the delay in Kalvi?")

    told = Notification.objects.filter(kind=Kind.REPORT_COMMENT)
    assert {n.recipient for n in told} == {hom, mlt}
    assert [m.to for m in mail.outbox] == [[hom.email]]  # the MLT member chose the daily digest
    assert told.get(recipient=mlt).email == Notification.Email.DIGEST
    assert f"#comment-{comment.pk}" in told.first().url

    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_comment_add(user=hom, report=report, body="Roads were cut.", parent=comment)
    (answer,) = Notification.objects.filter(kind=Kind.COMMENT_ANSWERED)
    assert answer.recipient == hq and "answered your comment" in mail.outbox[-1].body


@pytest.mark.usefixtures("eager_tasks")
def test_notifications_of_the_new_kinds_read_in_french(hom, mission, django_capture_on_commit_callbacks):
    from missions.services import profile_language_set

    profile_language_set(user=hom, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        from notifications.services import notify

        notify(kind=Kind.NARRATIVE_SUBMITTED, mission=mission, event_key="narrative_submitted:1:v2", url="/n/",
               params={"output": "Élections", "period": "Q1 2026"}, recipients=[hom])  # fmt: skip

    assert "attend votre validation" in mail.outbox[0].body
