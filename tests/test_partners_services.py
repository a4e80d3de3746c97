"""The partners services: due diligence, the one-post engagement log, history, concurrency, follow-ups, import."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mandate import access
from missions.concurrency import ConcurrentEditError
from missions.imports import ROW
from missions.models import Component
from missions.pipeline import Report
from partners import services
from partners.importers import partners_validate
from partners.models import Engagement, FollowUp, Partner
from partners.selectors import partnership_indicators
from tests.factories import BenchmarkFactory, LocationFactory, OutputFactory, PartnerFactory

Kind = Component.Kind
Type = Engagement.EngagementType
TODAY = timezone.localdate()


@pytest.fixture
def army(mission, district):
    return PartnerFactory(
        mission=mission,
        name="National Army",
        partner_type=Partner.PartnerType.SECURITY_INSTITUTION,
        screening_status=Partner.Screening.PENDING,
        district=district,
    )


def log(user, mission, components, partners, **extra):
    args = {
        "date": TODAY,
        "engagement_type": Type.MEETING,
        "partners": partners,
        "component": components[Kind.CIVIL_AFFAIRS],
        "summary": "Discussed the water point dispute",
    }
    args.update(extra)
    return services.engagement_create(user=user, mission=mission, **args)


# --- due diligence ------------------------------------------------------------------------------


def test_support_to_unscreened_security_institution_is_refused_with_its_reason(civilaffairs, mission, components, army):
    with pytest.raises(ValidationError) as exc:
        log(civilaffairs, mission, components, [army], engagement_type=Type.TRAINING)
    message = " ".join(exc.value.message_dict["partners"])
    assert "National Army" in message and "Pending" in message
    assert not Engagement.objects.exists()


def test_support_to_security_institution_with_lapsed_screening_is_refused(civilaffairs, mission, components, army):
    army.screening_status = Partner.Screening.CLEARED
    army.screening_review_due = TODAY - datetime.timedelta(days=1)
    army.save()
    with pytest.raises(ValidationError) as exc:
        log(civilaffairs, mission, components, [army], engagement_type=Type.LOGISTICS_SUPPORT)
    assert "expired" in exc.value.message_dict["partners"][0]


def test_backdating_does_not_get_around_a_lapsed_screening(civilaffairs, mission, components, army):
    army.screening_status = Partner.Screening.CLEARED
    army.screening_review_due = TODAY - datetime.timedelta(days=5)
    army.save()
    with pytest.raises(ValidationError):
        log(civilaffairs, mission, components, [army], engagement_type=Type.QUICK_IMPACT_PROJECT,
            date=TODAY - datetime.timedelta(days=30))  # fmt: skip


def test_meetings_with_unscreened_security_institutions_stay_allowed(civilaffairs, mission, components, army):
    engagement = log(civilaffairs, mission, components, [army], engagement_type=Type.CONSULTATION)
    assert list(engagement.partners.all()) == [army]


def test_support_to_cleared_security_institution_and_to_unscreened_civil_society_is_allowed(
    civilaffairs, mission, components, army, partner_a
):
    army.screening_status = Partner.Screening.CLEARED_WITH_MITIGATION
    army.screening_review_due = TODAY
    army.save()
    partner_a.screening_status = Partner.Screening.PENDING
    partner_a.save()
    engagement = log(civilaffairs, mission, components, [army, partner_a], engagement_type=Type.JOINT_PROGRAMME)
    assert engagement.partners.count() == 2


def test_adding_an_unscreened_security_institution_to_a_support_engagement_is_refused(
    civilaffairs, mission, components, army, partner_a
):
    engagement = log(civilaffairs, mission, components, [partner_a], engagement_type=Type.TRAINING)
    with pytest.raises(ValidationError) as exc:
        services.engagement_update(
            user=civilaffairs, engagement=engagement, expected_version=engagement.version, partners=[partner_a, army]
        )
    assert "National Army" in exc.value.message_dict["partners"][0]
    assert list(Engagement.objects.get().partners.all()) == [partner_a]


def test_correcting_an_old_training_stays_possible_after_the_screening_lapsed(civilaffairs, mission, components, army):
    army.screening_status = Partner.Screening.CLEARED
    army.save()
    engagement = log(civilaffairs, mission, components, [army], engagement_type=Type.TRAINING)
    army.screening_review_due = TODAY - datetime.timedelta(days=1)
    army.save()
    services.engagement_update(
        user=civilaffairs, engagement=engagement, expected_version=engagement.version, summary="Typo fixed"
    )
    assert Engagement.objects.get().summary == "Typo fixed"


# --- logging ------------------------------------------------------------------------------------


def test_one_post_logs_two_partners_a_follow_up_and_one_history_record_with_the_partners(
    civilaffairs, mission, components, partner_a, partner_b, district
):
    output = OutputFactory(mission=mission)
    benchmark = BenchmarkFactory(output=output)
    engagement = log(
        civilaffairs, mission, components, [partner_a, partner_b],
        district=district, officers=[civilaffairs], outputs=[output], benchmarks=[benchmark],
        participants_women=4, participants_men=3, participants_youth=2,
        follow_ups=[services.FollowUpInput(action="Share the minutes", due_date=TODAY, partner=partner_a),
                    services.FollowUpInput(action="Call the mayor", due_date=TODAY, owner=civilaffairs)],
    )  # fmt: skip
    assert set(engagement.partners.all()) == {partner_a, partner_b}
    assert engagement.follow_ups.count() == 2
    history = list(engagement.history.all())
    assert len(history) == 1
    assert history[0].history_user == civilaffairs
    assert {p.partner_id for p in history[0].partners.all()} == {partner_a.pk, partner_b.pk}


def test_every_change_of_an_engagement_is_kept_in_history(civilaffairs, mission, components, partner_a, partner_b):
    engagement = log(civilaffairs, mission, components, [partner_a])
    services.engagement_update(
        user=civilaffairs, engagement=engagement, expected_version=1, partners=[partner_b], summary="Moved"
    )
    old, new = engagement.history.order_by("history_id")
    assert (old.history_type, new.history_type) == ("+", "~")  # logged, then changed
    assert (old.summary, [p.partner_id for p in old.partners.all()]) == (
        "Discussed the water point dispute",
        [partner_a.pk],
    )
    assert (new.summary, [p.partner_id for p in new.partners.all()], new.version) == ("Moved", [partner_b.pk], 2)


def test_a_stale_version_is_refused_and_nothing_is_overwritten(civilaffairs, mission, components, partner_a):
    engagement = log(civilaffairs, mission, components, [partner_a])
    services.engagement_update(
        user=civilaffairs, engagement=Engagement.objects.get(), expected_version=1, summary="Mine"
    )
    with pytest.raises(ConcurrentEditError) as exc:
        services.engagement_update(user=civilaffairs, engagement=engagement, expected_version=1, summary="Theirs")
    assert exc.value.current.summary == "Mine"
    assert Engagement.objects.get().summary == "Mine"


def test_staff_log_only_for_their_own_component(electoral, mission, components, partner_a):
    with pytest.raises(PermissionDenied):
        log(electoral, mission, components, [partner_a])
    assert log(electoral, mission, components, [partner_a], component=components[Kind.ELECTORAL]).pk


def test_partners_and_hq_cannot_log(partner1, hq, mission, components, partner_a):
    for user in (partner1, hq):
        with pytest.raises(PermissionDenied):
            log(user, mission, components, [partner_a])


def test_partners_of_another_mission_are_refused(civilaffairs, mission, other_mission, components):
    stranger = PartnerFactory(mission=other_mission, name="Elsewhere")
    with pytest.raises(ValidationError) as exc:
        log(civilaffairs, mission, components, [stranger])
    assert "partners" in exc.value.message_dict


def test_youth_are_counted_among_the_participants(civilaffairs, mission, components, partner_a):
    with pytest.raises(ValidationError):
        log(civilaffairs, mission, components, [partner_a], participants_women=1, participants_men=1,
            participants_youth=3)  # fmt: skip


def test_a_follow_up_goes_to_a_partner_of_the_engagement(civilaffairs, mission, components, partner_a, partner_b):
    with pytest.raises(ValidationError) as exc:
        log(civilaffairs, mission, components, [partner_a],
            follow_ups=[services.FollowUpInput(action="x", due_date=TODAY, partner=partner_b)])  # fmt: skip
    assert "Youth Forum" in exc.value.message_dict["follow_ups"][0]


# --- follow-ups ---------------------------------------------------------------------------------


def test_a_partner_completes_its_follow_up_with_a_comment(
    civilaffairs, partner1, partner2, mission, components, partner_a
):
    task = services.FollowUpInput(action="Send list", due_date=TODAY, partner=partner_a)
    engagement = log(civilaffairs, mission, components, [partner_a], follow_ups=[task])
    follow_up = engagement.follow_ups.get()
    with pytest.raises(PermissionDenied):
        services.follow_up_complete(user=partner2, follow_up=follow_up, comment="not mine")
    services.follow_up_complete(user=partner1, follow_up=follow_up, comment="Sent on Monday")
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.completed_by, follow_up.completion_comment) == (
        FollowUp.Status.DONE, partner1, "Sent on Monday")  # fmt: skip
    with pytest.raises(PermissionDenied):  # already done
        services.follow_up_complete(user=partner1, follow_up=follow_up)


# --- indicators ---------------------------------------------------------------------------------


def test_partnership_indicators_count_the_log_per_output_and_period(
    civilaffairs, mission, components, partner_a, partner_b, district
):
    output = OutputFactory(mission=mission)
    other_district = LocationFactory(mission=mission, name="South")
    log(civilaffairs, mission, components, [partner_a, partner_b], outputs=[output], district=district,
        participants_women=2, participants_men=2, participants_youth=1,
        follow_ups=[services.FollowUpInput(action="a", due_date=TODAY, owner=civilaffairs),
                    services.FollowUpInput(action="b", due_date=TODAY, owner=civilaffairs)])  # fmt: skip
    log(civilaffairs, mission, components, [partner_a], district=other_district, participants_men=5)
    log(civilaffairs, mission, components, [partner_b], date=TODAY - datetime.timedelta(days=400))  # out of period
    services.follow_up_complete(user=civilaffairs, follow_up=FollowUp.objects.first())
    start = TODAY - datetime.timedelta(days=30)

    overall = partnership_indicators(mission, civilaffairs, start, TODAY)
    assert (overall.engagements, overall.partners_engaged, overall.districts_reached) == (2, 2, 2)
    assert (overall.share_with_women, overall.share_with_youth, overall.follow_up_completion) == (50.0, 50.0, 50.0)
    per_output = partnership_indicators(mission, civilaffairs, start, TODAY, output=output)
    assert (per_output.engagements, per_output.partners_engaged, per_output.districts_reached) == (1, 2, 1)
    assert per_output.share_with_women == 100.0
    assert (
        partnership_indicators(
            mission, civilaffairs, TODAY + datetime.timedelta(days=1), TODAY + datetime.timedelta(days=2)
        ).share_with_women
        is None
    )


def test_indicators_follow_the_viewers_scope(civilaffairs, partner1, mission, components, partner_a):
    log(civilaffairs, mission, components, [partner_a], shareable=False)
    log(civilaffairs, mission, components, [partner_a], shareable=True)
    assert partnership_indicators(mission, civilaffairs, TODAY, TODAY).engagements == 2
    assert partnership_indicators(mission, partner1, TODAY, TODAY).engagements == 1
    assert partnership_indicators(mission, access.SYSTEM, TODAY, TODAY).engagements == 2
    assert partnership_indicators(mission, None, TODAY, TODAY).engagements == 0


# --- import -------------------------------------------------------------------------------------


def rows(*dicts):
    return [{ROW: i + 2, **d} for i, d in enumerate(dicts)]


def _validate(mission, data, mode="create"):
    report = Report()
    return report, partners_validate(mission=mission, rows=data, mode=mode, report=report)


def test_import_reports_every_bad_row_and_imports_nothing(civilaffairs, mission, district, partner_a):
    report, plan = _validate(mission, rows(
        {"name": "Market Women", "type": "Women's group", "district": district.name},
        {"name": partner_a.name, "type": "civil_society"},
        {"name": "Police", "type": "guards", "screening_date": "31/02/2026"},
        {"name": "Radio", "type": "media", "district": "Atlantis"},
    ))  # fmt: skip
    assert not report.ok
    assert {(row, column) for row, column, *_rest in report.problems} == {
        (3, "name"), (4, "type"), (4, "screening_date"), (5, "district")}  # fmt: skip
    assert len(plan.creates) == 1


def test_import_creates_all_rows_or_none(civilaffairs, mission, district):
    report, plan = _validate(mission, rows(
        {"name": "Market Women", "type": "womens_group", "district": district.name.upper(),
         "screening_status": "Cleared", "screening_date": "2026-01-10", "screening_review_due": "10/01/2027"},
        {"name": "Chiefs Council", "type": "Traditional or religious leader"},
    ))  # fmt: skip
    assert report.ok
    services.partners_import(user=civilaffairs, mission=mission, creates=plan.creates, updates=plan.updates)
    market = Partner.objects.get(name="Market Women")
    assert (market.district, market.screening_review_due) == (district, datetime.date(2027, 1, 10))
    assert Partner.objects.filter(name="Chiefs Council").exists()
    # A name registered meanwhile: the unique constraint refuses the batch, and nothing of it is kept.
    PartnerFactory(mission=mission, name="Newcomer")
    with pytest.raises(IntegrityError), transaction.atomic():
        services.partners_import(
            user=civilaffairs,
            mission=mission,
            creates=[Partner(mission=mission, name="Fresh", partner_type="media"),
                     Partner(mission=mission, name="Newcomer", partner_type="media")],
            updates=[],
        )  # fmt: skip
    assert not Partner.objects.filter(name="Fresh").exists()


def test_only_partner_keepers_import(military, mission):
    with pytest.raises(PermissionDenied):
        services.partners_import(user=military, mission=mission, creates=[], updates=[])


def test_a_partner_with_open_follow_ups_stays_on_the_engagement(
    civilaffairs, mission, components, partner_a, partner_b
):
    task = services.FollowUpInput(action="Send list", due_date=TODAY, partner=partner_a)
    engagement = log(civilaffairs, mission, components, [partner_a, partner_b], follow_ups=[task])
    with pytest.raises(ValidationError) as exc:
        services.engagement_update(user=civilaffairs, engagement=engagement, expected_version=1, partners=[partner_b])
    assert partner_a.name in exc.value.message_dict["partners"][0]
    follow_up = engagement.follow_ups.get()
    drop = services.FollowUpInput(id=follow_up.pk, action="", due_date=TODAY, delete=True)
    services.engagement_update(
        user=civilaffairs, engagement=engagement, expected_version=1, partners=[partner_b], follow_ups=[drop]
    )
    assert list(engagement.partners.all()) == [partner_b] and not FollowUp.objects.exists()
