"""The partners pages as their users work with them: the done-when of issue 5, the fast form, conflicts,
exports and the import preview."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from missions.models import Component, Location, Membership, Profile
from partners.models import Engagement, FollowUp, Partner
from tests.factories import (
    BenchmarkFactory,
    EngagementFactory,
    FollowUpFactory,
    LocationFactory,
    OutputFactory,
    PartnerFactory,
)

Kind = Component.Kind
TODAY = timezone.localdate()


def engagement_post(components, partners, **extra):
    """What the fast form sends: the engagement, and one follow-up row of the inline formset."""
    data = {
        "date": TODAY.isoformat(),
        "engagement_type": "meeting",
        "partners": [p.pk for p in partners],
        "component": components[Kind.CIVIL_AFFAIRS].pk,
        "participants_women": "6",
        "participants_men": "4",
        "participants_youth": "3",
        "topics": "land, water",
        "summary": "Agreed a schedule for the borehole committee",
        "outcomes": "Committee to meet monthly",
        "fu-TOTAL_FORMS": "2",
        "fu-INITIAL_FORMS": "0",
        "fu-MIN_NUM_FORMS": "0",
        "fu-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


def test_civil_affairs_logs_finds_and_counts_an_engagement(client, civilaffairs, components, partner_a, partner_b):
    client.force_login(civilaffairs)
    form = client.get(reverse("partners:engagement-create"))
    assert form.context["form"].initial["date"] == TODAY
    assert form.context["form"].initial["component"] == components[Kind.CIVIL_AFFAIRS].pk

    response = client.post(
        reverse("partners:engagement-create"),
        engagement_post(
            components, [partner_a, partner_b],
            **{"fu-0-action": "Send the minutes", "fu-0-owner": civilaffairs.pk, "fu-0-due_date": "2030-01-31"},
        ),
    )  # fmt: skip
    engagement = Engagement.objects.get()
    assert response.status_code == 302 and response.url == reverse("partners:engagement-detail", args=[engagement.pk])
    assert set(engagement.partners.all()) == {partner_a, partner_b}
    assert engagement.follow_ups.get().owner == civilaffairs

    found = client.get(reverse("partners:engagement-list"), {"q": "borehole"})
    assert [e.pk for e in found.context["page"].rows] == [engagement.pk]
    assert client.get(reverse("partners:engagement-list"), {"q": "volcano"}).context["page"].rows == []

    overview = client.get(reverse("partners:overview"))
    overall = overview.context["indicators"][0]
    assert (overall.engagements, overall.partners_engaged, overall.follow_ups) == (1, 2, 1)
    # "My open follow-ups" links the action to its engagement's page.
    link = f'<a href="{reverse("partners:engagement-detail", args=[engagement.pk])}">Send the minutes</a>'
    assert link in overview.content.decode()


def test_the_overview_says_when_its_follow_up_lists_show_only_the_first(client, civilaffairs, mission):
    engagement = EngagementFactory(mission=mission)
    first = TODAY - datetime.timedelta(days=200)
    FollowUp.objects.bulk_create(
        FollowUp(
            engagement=engagement,
            mission=mission,
            action=f"Act {i}",
            owner=civilaffairs,
            due_date=first + datetime.timedelta(days=i),
        )
        for i in range(101)
    )
    client.force_login(civilaffairs)
    page = client.get(reverse("partners:overview"))
    body = page.content.decode()
    assert len(page.context["mine"].items) == 100 and page.context["mine"].more
    assert "The 100 due first; the others are due later." in body
    assert page.context["overdue"]["total"] == 101
    assert "The 100 oldest of 101 overdue follow-ups." in body

    Profile.objects.update_or_create(user=civilaffairs, defaults={"language": "fr"})
    client.force_login(civilaffairs)  # the language of the profile, from the next sign-in
    body = client.get(reverse("partners:overview")).content.decode()
    assert "Les 100 plus proches échéances ; les autres viennent plus tard." in body
    assert "Les 100 plus anciens des 101 suivis en retard." in body

    FollowUp.objects.filter(action="Act 100").delete()
    body = client.get(reverse("partners:overview")).content.decode()
    assert "plus proches échéances" not in body and "plus anciens des" not in body
    assert body.count("Act 99<") == 2  # in both lists, whole


def test_support_to_unscreened_security_partner_is_refused_on_the_partners_field(
    client, civilaffairs, components, mission
):
    army = PartnerFactory(
        mission=mission, name="Gendarmerie", partner_type=Partner.PartnerType.SECURITY_INSTITUTION,
        screening_status=Partner.Screening.NOT_CLEARED,
    )  # fmt: skip
    client.force_login(civilaffairs)
    response = client.post(
        reverse("partners:engagement-create"), engagement_post(components, [army], engagement_type="training")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["partners"]
    assert "Gendarmerie" in errors[0] and "Not cleared" in errors[0]
    assert "Gendarmerie is a security institution" in response.content.decode()
    assert not Engagement.objects.exists()


def test_youth_above_the_participants_is_a_field_error(client, civilaffairs, components, partner_a):
    client.force_login(civilaffairs)
    response = client.post(
        reverse("partners:engagement-create"),
        engagement_post(components, [partner_a], participants_women="1", participants_men="0", participants_youth="2"),
    )
    assert "participants_youth" in response.context["form"].errors


def test_form_defaults_to_my_district(client, civilaffairs, district, components):
    Membership.objects.filter(user=civilaffairs).update(district=district)
    client.force_login(civilaffairs)
    assert client.get(reverse("partners:engagement-create")).context["form"].initial["district"] == district.pk


def test_partner1_sees_its_shareable_engagements_and_follow_ups_and_nothing_of_partner2(
    client, partner1, mission, components, partner_a, partner_b
):
    shared = EngagementFactory(mission=mission, partners=[partner_a], shareable=True, summary="Shared with A")
    internal = EngagementFactory(mission=mission, partners=[partner_a], shareable=False, summary="Internal note on A")
    other = EngagementFactory(mission=mission, partners=[partner_b], shareable=True, summary="Shared with B")
    EngagementFactory(mission=mission, partners=[partner_a, partner_b], shareable=True, summary="Joint")
    mine = FollowUpFactory(engagement=shared, partner=partner_a, owner=None, action="A must send the list")
    theirs = FollowUpFactory(engagement=other, partner=partner_b, owner=None, action="B must call")
    client.force_login(partner1)

    body = client.get(reverse("partners:portal")).content.decode()
    assert "Shared with A" in body and "Joint" in body and "A must send the list" in body
    assert "Internal note on A" not in body and "Shared with B" not in body and "B must call" not in body
    assert partner_b.name not in body  # not even as the other partner of a joint engagement

    assert client.get(reverse("partners:portal-engagement", args=[shared.pk])).status_code == 200
    for pk in (internal.pk, other.pk):
        assert client.get(reverse("partners:portal-engagement", args=[pk])).status_code == 404
        assert client.get(reverse("partners:engagement-detail", args=[pk])).status_code == 404
    assert client.get(reverse("partners:partner-detail", args=[partner_b.pk])).status_code == 404
    assert client.post(reverse("partners:follow-up-complete", args=[theirs.pk])).status_code == 404

    response = client.post(reverse("partners:follow-up-complete", args=[mine.pk]), {"comment": "Sent", "version": "1"})
    assert response.status_code == 302 and response.url == reverse("partners:portal")
    mine.refresh_from_db()
    assert (mine.status, mine.completion_comment) == (FollowUp.Status.DONE, "Sent")


def test_concurrent_edit_of_an_engagement_is_shown_not_overwritten(
    client, civilaffairs, mission, components, partner_a
):
    engagement = EngagementFactory(
        mission=mission, component=components[Kind.CIVIL_AFFAIRS], partners=[partner_a], summary="First"
    )
    client.force_login(civilaffairs)
    url = reverse("partners:engagement-edit", args=[engagement.pk])
    assert client.get(url).context["form"].initial["version"] == 1
    stale = engagement_post(components, [partner_a], summary="Mine", version="1")
    Engagement.objects.filter(pk=engagement.pk).update(version=2, summary="Theirs")  # someone else saved

    response = client.post(url, stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this record" in body and "Theirs" in body
    assert Engagement.objects.get().summary == "Theirs"
    # The form now carries the current version: saving again knowingly replaces their change.
    assert client.post(url, {**stale, "version": "2"}).status_code == 302
    assert Engagement.objects.get().summary == "Mine"


def test_edit_form_keeps_follow_ups_and_removes_a_deleted_one(client, civilaffairs, mission, components, partner_a):
    engagement = EngagementFactory(mission=mission, component=components[Kind.CIVIL_AFFAIRS], partners=[partner_a])
    keep = FollowUpFactory(engagement=engagement, owner=civilaffairs, action="Keep")
    drop = FollowUpFactory(engagement=engagement, owner=civilaffairs, action="Drop")
    client.force_login(civilaffairs)
    data = engagement_post(components, [partner_a], version="1", **{
        "fu-TOTAL_FORMS": "3", "fu-INITIAL_FORMS": "2",
        "fu-0-id": keep.pk, "fu-0-action": "Kept", "fu-0-owner": civilaffairs.pk, "fu-0-due_date": "2030-01-01",
        "fu-1-id": drop.pk, "fu-1-action": "Drop", "fu-1-owner": civilaffairs.pk, "fu-1-due_date": "2030-01-01",
        "fu-1-DELETE": "on",
    })  # fmt: skip
    assert client.post(reverse("partners:engagement-edit", args=[engagement.pk]), data).status_code == 302
    assert list(engagement.follow_ups.values_list("action", flat=True)) == ["Kept"]


def test_export_follows_the_page_filters(client, civilaffairs, mission, components, partner_a, partner_b):
    EngagementFactory(mission=mission, partners=[partner_a], summary="About wells", date=datetime.date(2026, 5, 1))
    EngagementFactory(mission=mission, partners=[partner_b], summary="About roads", date=datetime.date(2026, 5, 2))
    client.force_login(civilaffairs)
    response = client.get(reverse("partners:engagement-export", args=["csv"]), {"partner": partner_a.pk})
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert lines[0][:3] == ["id", "date", "type"]
    assert [row[11] for row in lines[1:]] == ["About wells"]
    assert lines[1][3] == partner_a.name

    response = client.get(reverse("partners:engagement-export", args=["xlsx"]), {"q": "roads"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[11] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["About roads"]
    assert client.get(reverse("partners:engagement-export", args=["pdf"])).status_code == 404


def test_registry_filters_expired_screenings(client, civilaffairs, mission):
    PartnerFactory(mission=mission, name="Lapsed", screening_review_due=TODAY - datetime.timedelta(days=1))
    PartnerFactory(mission=mission, name="Current", screening_review_due=TODAY + datetime.timedelta(days=1))
    client.force_login(civilaffairs)
    page = client.get(reverse("partners:index"), {"screening": "expired"}).context["page"]
    assert [p.name for p in page.object_list] == ["Lapsed"]


def test_partner_page_shows_timeline_open_follow_ups_and_expired_screening(
    client, civilaffairs, mission, partner_a, partner_b
):
    partner_a.screening_review_due = TODAY - datetime.timedelta(days=3)
    partner_a.save()
    joint = EngagementFactory(mission=mission, partners=[partner_a, partner_b], summary="Joint visit")
    EngagementFactory(mission=mission, partners=[partner_b], summary="Only B")
    FollowUpFactory(engagement=joint, owner=civilaffairs, action="Write to the governor")
    client.force_login(civilaffairs)
    response = client.get(reverse("partners:partner-detail", args=[partner_a.pk]))
    body = response.content.decode()
    assert "Joint visit" in body and "Only B" not in body and "Write to the governor" in body
    assert response.context["screening_expired"] is True and "review overdue" in body


def test_partner_edit_conflict_shows_the_other_change(client, civilaffairs, partner_a):
    client.force_login(civilaffairs)
    url = reverse("partners:partner-edit", args=[partner_a.pk])
    data = {"name": "Renamed", "partner_type": "civil_society", "relationship": "active",
            "screening_status": "pending", "version": "1"}  # fmt: skip
    Partner.objects.filter(pk=partner_a.pk).update(version=2, name="Renamed by someone else")
    response = client.post(url, data)
    assert response.status_code == 409 and "Renamed by someone else" in response.content.decode()
    assert Partner.objects.get(pk=partner_a.pk).name == "Renamed by someone else"


@pytest.mark.parametrize("cursor", ["", "garbage", "2026-01-01_x"])
def test_log_ignores_a_malformed_cursor(client, civilaffairs, mission, partner_a, cursor):
    EngagementFactory(mission=mission, partners=[partner_a])
    client.force_login(civilaffairs)
    assert len(client.get(reverse("partners:engagement-list"), {"after": cursor}).context["page"].rows) == 1


def test_log_pages_by_keyset(client, civilaffairs, mission, partner_a):
    for day in range(1, 56):
        EngagementFactory(
            mission=mission, partners=[partner_a], date=datetime.date(2026, 1, 1) + datetime.timedelta(days=day)
        )
    client.force_login(civilaffairs)
    first = client.get(reverse("partners:engagement-list")).context["page"]
    assert len(first.rows) == 50 and first.count == 55 and first.next_cursor
    second = client.get(reverse("partners:engagement-list"), {"after": first.next_cursor}).context["page"]
    assert len(second.rows) == 5 and second.next_cursor is None
    assert {e.pk for e in first.rows}.isdisjoint({e.pk for e in second.rows})


def test_long_selects_render_escaped_and_keep_the_selection(client, civilaffairs, mission, components, partner_a):
    tricky = PartnerFactory(mission=mission, name='Radio "<Peace>" & Co')
    client.force_login(civilaffairs)
    body = client.get(reverse("partners:engagement-create"), {"partner": tricky.pk}).content.decode()
    assert f'<option value="{tricky.pk}" selected>Radio &quot;&lt;Peace&gt;&quot; &amp; Co</option>' in body
    assert f'<option value="{partner_a.pk}">{partner_a.name.replace(chr(39), "&#x27;")}</option>' in body
    listing = client.get(reverse("partners:engagement-list"), {"partner": partner_a.pk}).content.decode()
    assert '<option value="">All partners</option>' in listing
    assert f'<option value="{partner_a.pk}" selected>' in listing


def test_area_and_benchmark_selects_render_their_labels_and_keep_the_selection(
    client, civilaffairs, mission, components, district
):
    region = LocationFactory(mission=mission, name="Nord & Sahel", level=Location.Level.REGION)
    Location.objects.filter(pk=district.pk).update(parent=region)
    benchmark = BenchmarkFactory(output=OutputFactory(mission=mission), statement="B" * 79 + "<cut here>")
    client.force_login(civilaffairs)
    form = client.get(reverse("partners:engagement-create")).content.decode()
    assert f'<option value="{region.pk}">Nord &amp; Sahel</option>' in form
    assert f'<option value="{district.pk}">Nord &amp; Sahel › Northern District</option>' in form
    assert f'<option value="{benchmark.pk}">{"B" * 79}&lt;</option>' in form  # as str(benchmark): 80 characters
    listing = client.get(reverse("partners:engagement-list"), {"district": district.pk}).content.decode()
    assert '<option value="">All areas</option>' in listing
    assert f'<option value="{district.pk}" selected>Nord &amp; Sahel › Northern District</option>' in listing
    registry = client.get(reverse("partners:index"), {"district": district.pk}).content.decode()
    assert f'<option value="{district.pk}" selected>Northern District</option>' in registry
