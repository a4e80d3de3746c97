"""The partner overview's summary (partners.summaries, issue 14 point 6): exact after every write, for any period.

Each write path (the services, the admin) is followed by two checks: the summary rows the writes kept up to
date equal a rebuild from the log, and every figure the overview, its map and the reports read (indicators
per output, coverage per area and partner type, engagements per district) equals a reference computed
straight from the log with SQL aggregates, over periods that cut months in every way.
"""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from mandate import access
from missions.area_filter import AreaFilter, area_filter
from missions.models import Location
from partners import selectors, services, summaries
from partners.models import Engagement, EngagementMonth, FollowUp, Partner
from tests.admin_support import admin_post_data
from tests.factories import (
    EngagementFactory,
    FollowUpFactory,
    LocationFactory,
    MissionFactory,
    OutputFactory,
    PartnerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
# Periods: whole months, a year, months cut at the start and at the end (where the summary less the
# outside part is read, and where the inside part is read from the log), a single day, one month's middle.
PERIODS = [
    (D(2026, 3, 1), D(2026, 5, 31)),
    (D(2025, 12, 3), D(2026, 12, 2)),
    (D(2026, 3, 4), D(2026, 4, 27)),
    (D(2026, 3, 28), D(2026, 4, 3)),
    (D(2026, 4, 10), D(2026, 4, 10)),
    (D(2026, 4, 2), D(2026, 4, 29)),
    (D(2000, 1, 1), D(2030, 12, 31)),
    (D(1, 1, 1), D(9999, 12, 31)),  # any date the period form accepts: constant work, no overflow
]


def reference(mission, start, end, *, output=None, where: Q | None = None) -> dict:
    """The indicators straight from the log (what the selectors computed before the summary)."""
    log = Engagement.objects.filter(mission=mission, date__gte=start, date__lte=end).filter(where or Q())
    if output is not None:
        log = log.filter(outputs=output)
    counts = log.aggregate(
        engagements=Count("id", distinct=True),
        partners_engaged=Count("partners", distinct=True),
        with_women=Count("id", filter=Q(participants_women__gt=0), distinct=True),
        with_youth=Count("id", filter=Q(participants_youth__gt=0), distinct=True),
        districts_reached=Count("district", distinct=True),
    )
    follow = FollowUp.objects.filter(engagement__in=log.values("pk")).aggregate(
        follow_ups=Count("id"), follow_ups_done=Count("id", filter=Q(status=FollowUp.Status.DONE))
    )
    return {**counts, **follow}


FIGURES = (
    "engagements",
    "partners_engaged",
    "with_women",
    "with_youth",
    "districts_reached",
    "follow_ups",
    "follow_ups_done",
)


def figures(indicators) -> dict:
    return {name: getattr(indicators, name) for name in FIGURES}


def reference_coverage(mission, start, end, where: Q | None = None) -> dict:
    log = Engagement.objects.filter(mission=mission, date__gte=start, date__lte=end).filter(where or Q())
    totals = dict(log.values_list("district_id").annotate(n=Count("id")).order_by())
    cells = {}
    for district_id, partner_type, n in (
        log.values_list("district_id", "partners__partner_type").annotate(n=Count("id", distinct=True)).order_by()
    ):
        cells.setdefault(district_id, {})[partner_type] = n
    return {d: (totals[d], cells.get(d, {})) for d in totals}


def stored(mission) -> list[tuple]:
    """The summary rows' values; each row's packed sets checked against its tallies' keys on the way."""
    rows = EngagementMonth.objects.filter(mission=mission).values(
        "month",
        "mission_wide",
        "district_id",
        "output_id",
        *summaries.COUNTERS,
        *summaries.TALLIES,
        *summaries.PACKED.values(),
    )
    for row in rows:
        for tally in ("partners", "districts"):
            assert summaries.unpack(row.pop(summaries.PACKED[tally])) == sorted(map(int, row[tally])), (tally, row)
        counts = summaries.AreaCounts()
        counts.add_packed(row.pop(summaries.PACKED["areas"]))
        assert counts.tally() == row["areas"], row
    return sorted((tuple(row.values()) for row in rows), key=lambda row: tuple(str(v) for v in row[:4]))


def assert_exact(mission, user, region, district, outputs):
    """The kept summary equals a rebuild, and every figure read from it equals the log's; every follow-up
    keeps its engagement's area (what the overdue follow-ups of an area read)."""
    areas = FollowUp.objects.filter(mission=mission).values_list("district_id", "engagement__district_id")
    assert [kept for kept, engagement in areas if kept != engagement] == []
    kept = stored(mission)
    summaries.rebuild(mission)
    assert kept == stored(mission)
    area_of = {
        "mission": None,
        "region": AreaFilter(mission.pk, region=region),
        "district": AreaFilter(mission.pk, district=district),
    }
    for start, end in PERIODS:
        for name, area in area_of.items():
            where = area.q("district") if area else Q()
            listed = selectors.partnership_indicators_by_output(mission, user, start, end, area=area)
            assert [i.output for i in listed] == [None, *outputs]
            for indicators in listed:
                expected = reference(mission, start, end, output=indicators.output, where=where)
                assert figures(indicators) == expected, (start, end, name, indicators.output)
            coverage = selectors.coverage(user=user, mission=mission, period_start=start, period_end=end, area=area)
            expected = reference_coverage(mission, start, end, where)
            names = {d: Location.objects.get(pk=d).display_name if d else None for d in expected}
            assert {r["name"]: (r["total"], r["cells"]) for r in coverage["rows"]} == {
                names[d]: value for d, value in expected.items()
            }, (start, end, name)
        log = Engagement.objects.filter(mission=mission, date__gte=start, date__lte=end, district__level="district")
        for region_id, engagements in ((region.pk, log.filter(district__parent=region)), (None, log)):
            expected = dict(engagements.values_list("district_id").annotate(n=Count("id")).order_by())
            for places in (None, area_filter({}, mission.pk).places):
                per_district = selectors.engagements_per_district(
                    user=user, mission=mission, period_start=start, period_end=end, region_id=region_id, places=places
                )
                assert per_district == expected, (start, end, region_id)


@pytest.fixture
def places(mission, district):
    region = Location.objects.create(mission=mission, name="Northern Region", level=Location.Level.REGION)
    Location.objects.filter(pk=district.pk).update(parent=region)
    district.refresh_from_db()
    other = LocationFactory(mission=mission, name="Southern District", parent=region)
    elsewhere = LocationFactory(mission=mission, name="Eastern District")
    return region, district, other, elsewhere


def _log(user, components, partners, outputs, places, n):
    """n engagements spread over eight months, areas, partners, outputs, women and youth, with follow-ups."""
    region, district, other, elsewhere = places
    areas = [district, other, elsewhere, region, None]
    made = []
    for i in range(n):
        made.append(
            services.engagement_create(
                user=user,
                mission=partners[0].mission,
                date=D(2026, 1 + i % 8, 1 + (i * 7) % 28),
                engagement_type=Engagement.EngagementType.MEETING,
                partners=partners[i % 3 : i % 3 + 1 + i % 2],
                component=components["civil_affairs"],
                district=areas[i % len(areas)],
                summary=f"Meeting {i}",
                participants_women=i % 3,
                participants_men=2,
                participants_youth=i % 2,
                outputs=outputs[: i % 3],
                follow_ups=[services.FollowUpInput(action=f"Act {i}", due_date=D(2026, 9, 1), owner=user)]
                if i % 4 == 0
                else [],
            )
        )
    return made


@pytest.fixture
def world(mission, civilaffairs, components, partner_a, partner_b, places):
    partners = [partner_a, partner_b, PartnerFactory(mission=mission, partner_type=Partner.PartnerType.YOUTH_GROUP)]
    outputs = [OutputFactory(mission=mission), OutputFactory(mission=mission)]
    return partners, outputs


@pytest.mark.parametrize(
    "ids", [[], [0], [7], [8], [3, 9, 17], [1_000_003, 1_000_000, 5], list(range(2000, 2600, 3)), ["12", "4"]]
)
def test_packed_sets_give_back_their_ids_and_union_by_or(ids):
    packed = summaries.pack(ids)
    assert summaries.unpack(packed) == sorted({int(i) for i in ids})
    assert summaries.unpack(memoryview(packed)) == summaries.unpack(packed)  # as PostgreSQL hands bytea over
    both = summaries.IdSet()
    both.add_packed(packed)
    both.add_packed(summaries.pack([4, 9, 2_000_001]))
    assert list(both) == sorted({int(i) for i in ids} | {4, 9, 2_000_001})
    assert len(both) == len({int(i) for i in ids} | {4, 9, 2_000_001})


def test_packed_area_counts_add_up_like_their_tallies():
    first = {"|": 5, "|civil_society": 2, "12|": 3, "12|media": 3, "40|un_agency": 1, "40|": 1}
    second = {"7|": 4, "7|youth_group": 4, "12|": 2, "12|media": 1, "12|government": 1, "|": 1, "|media": 1}
    summed = summaries.AreaCounts()
    for tally in (first, second, {}):
        counts = summaries.AreaCounts()
        counts.add_packed(summaries.pack_areas(tally))
        assert counts.tally() == tally
        summed.add_packed(memoryview(summaries.pack_areas(tally)))
    assert summed.tally() == dict(Counter(first) + Counter(second))
    in_order = summaries.AreaCounts()
    in_order.update(second)  # a lower first area after a higher one, and the other way round
    in_order.update(first)
    assert in_order.tally() == summed.tally()
    with pytest.raises(KeyError):
        summaries.pack_areas({"3|no_such_type": 1})


@pytest.mark.parametrize("n", [6, 25])
def test_the_summary_is_exact_after_every_service_write(mission, civilaffairs, components, world, places, n):
    partners, outputs = world
    region, district, other, _elsewhere = places
    made = _log(civilaffairs, components, partners, outputs, places, n)
    assert_exact(mission, civilaffairs, region, district, outputs)

    # An edit moving an engagement to another month and area, with other partners and outputs.
    moved = made[1]
    services.engagement_update(
        user=civilaffairs,
        engagement=moved,
        expected_version=moved.version,
        date=D(2026, 7, 30),
        district=other,
        participants_women=4,
        partners=partners[1:],
        outputs=outputs[1:],
    )
    # A follow-up added after the fact, one completed.
    services.follow_up_create(
        user=civilaffairs,
        engagement=made[2],
        action="Call back",
        due_date=D(2026, 10, 1),
        partner=made[2].partners.first(),
    )
    done = FollowUp.objects.filter(mission=mission).first()
    services.follow_up_complete(user=civilaffairs, follow_up=done, expected_version=done.version)
    assert_exact(mission, civilaffairs, region, district, outputs)

    # A partner re-typed: every engagement of it counts under its new type.
    hom_like = access.SYSTEM
    retyped = partners[0]
    services.partner_update(
        user=civilaffairs, partner=retyped, expected_version=retyped.version, partner_type=Partner.PartnerType.MEDIA
    )
    assert_exact(mission, hom_like, region, district, outputs)


def test_a_partner_import_that_retypes_partners_keeps_the_summary_exact(
    mission, civilaffairs, components, world, places
):
    partners, outputs = world
    region, district, *_rest = places
    _log(civilaffairs, components, partners, outputs, places, 10)
    services.partners_import(
        user=civilaffairs,
        mission=mission,
        creates=[],
        updates=[(partners[1].pk, {"partner_type": Partner.PartnerType.TRADITIONAL_LEADER})],
    )
    assert_exact(mission, civilaffairs, region, district, outputs)


def test_a_partner_reads_only_what_is_shared_with_it(mission, civilaffairs, components, world, places, partner1):
    partners, outputs = world
    made = _log(civilaffairs, components, partners, outputs, places, 12)
    Engagement.objects.filter(pk__in=[e.pk for e in made[:6]]).update(shareable=True)
    start, end = D(2026, 1, 1), D(2026, 12, 31)
    seen = selectors.partnership_indicators(mission, partner1, start, end)
    shared = Q(shareable=True, partners=partner1.memberships.get().partner)
    assert figures(seen) == reference(mission, start, end, where=Q(pk__in=Engagement.objects.filter(shared)))
    assert seen.engagements < selectors.partnership_indicators(mission, civilaffairs, start, end).engagements


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_changes_and_deletions_keep_the_summary_exact(
    superuser_client, mission, civilaffairs, components, world, places
):
    partners, outputs = world
    region, district, other, _elsewhere = places
    made = _log(civilaffairs, components, partners, outputs, places, 10)

    engagement = made[4]  # with a follow-up, which moves with it
    url = reverse("admin:partners_engagement_change", args=[engagement.pk])
    data = admin_post_data(superuser_client.get(url))
    data.update(date="2026-08-15", district=str(other.pk), partners=str(partners[2].pk))
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    engagement.refresh_from_db()
    assert (engagement.date, engagement.district_id) == (D(2026, 8, 15), other.pk)
    assert_exact(mission, civilaffairs, region, district, outputs)

    partner = partners[1]
    url = reverse("admin:partners_partner_change", args=[partner.pk])
    data = admin_post_data(superuser_client.get(url))
    data["partner_type"] = Partner.PartnerType.ACADEMIA
    assert superuser_client.post(url, data).status_code == 302
    assert_exact(mission, civilaffairs, region, district, outputs)

    follow_up = FollowUp.objects.filter(mission=mission).first()
    url = reverse("admin:partners_followup_delete", args=[follow_up.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    url = reverse("admin:partners_engagement_delete", args=[made[0].pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert_exact(mission, civilaffairs, region, district, outputs)

    # The change list's bulk deletion.
    changelist = reverse("admin:partners_engagement_changelist")
    chosen = [str(e.pk) for e in made[4:7]]
    response = superuser_client.post(
        changelist, {"action": "delete_selected", "_selected_action": chosen, "post": "yes"}
    )
    assert response.status_code == 302
    assert not Engagement.objects.filter(pk__in=chosen).exists()
    assert_exact(mission, civilaffairs, region, district, outputs)


def test_the_current_month_reads_from_the_summary_unless_engagements_lie_after_the_period(
    mission, civilaffairs, components, world, places, django_assert_num_queries
):
    partners, outputs = world
    _log(civilaffairs, components, partners, outputs, places, 10)
    start, end = D(2026, 1, 1), D(2026, 8, 20)  # engagements are dated up to the 28th of each month
    # 1 which cut months have engagements outside the period, 2 the whole months' rows (their sets), 3 the
    # cut month's rows (its tallies), 4-6 the log of its part outside, the smaller (engagements, partners,
    # follow-ups: no outputs are asked for).
    with django_assert_num_queries(6):
        inside = summaries.period_cells(mission, civilaffairs, start, end)
    expected = reference(mission, start, end)
    assert inside[(None, None)].engagements == expected["engagements"]
    Engagement.objects.filter(mission=mission, date__gt=end).delete()
    summaries.rebuild(mission)
    with django_assert_num_queries(2):  # nothing after the 20th: August reads from the summary
        assert (
            summaries.period_cells(mission, civilaffairs, start, end)[(None, None)].engagements
            == expected["engagements"]
        )


def test_overdue_follow_ups_are_counted_per_officer_and_per_partner(mission, civilaffairs, hom, partner_a, partner_b):
    """A follow-up with an owner counts for the owner (even when it names a partner too), one without for
    its partner; done and not yet due ones count for nobody; the oldest due date goes with each."""
    engagement = EngagementFactory(mission=mission, partners=[partner_a, partner_b])
    late = [D(2026, 5, 1), D(2026, 3, 1), D(2026, 4, 1)]
    for day in late:
        FollowUpFactory(engagement=engagement, owner=civilaffairs, due_date=day)
    FollowUpFactory(engagement=engagement, owner=civilaffairs, partner=partner_a, due_date=D(2026, 2, 1))
    FollowUpFactory(engagement=engagement, owner=hom, due_date=D(2026, 6, 1))
    FollowUpFactory(engagement=engagement, owner=None, partner=partner_a, due_date=D(2026, 5, 5))
    FollowUpFactory(engagement=engagement, owner=None, partner=partner_a, due_date=D(2026, 1, 5))
    FollowUpFactory(engagement=engagement, owner=None, partner=partner_b, due_date=D(2026, 5, 5))
    FollowUpFactory(engagement=engagement, owner=hom, due_date=D(2026, 12, 1))  # not yet due
    FollowUpFactory(engagement=engagement, owner=hom, due_date=D(2026, 1, 1), status=FollowUp.Status.DONE,
                    completed_at=timezone.now())  # fmt: skip
    overdue = selectors.overdue_follow_ups(user=hom, mission=mission, today=D(2026, 7, 1))
    assert [(o.owner, o.count, o.oldest_due) for o in overdue["officers"]] == [
        (civilaffairs, 4, D(2026, 2, 1)),
        (hom, 1, D(2026, 6, 1)),
    ]
    assert [(p["partner__name"], p["n"], p["oldest"]) for p in overdue["partners"]] == [
        (partner_a.name, 2, D(2026, 1, 5)),
        (partner_b.name, 1, D(2026, 5, 5)),
    ]
    assert len(overdue["items"]) == 8
    assert selectors.overdue_follow_ups(user=hom, mission=mission, today=D(2026, 7, 1), limit=1)["partners"] == [
        overdue["partners"][0]
    ]


def test_overdue_follow_ups_of_an_area_follow_their_engagement_when_it_moves(
    mission, civilaffairs, components, world, places
):
    """The overdue follow-ups of a region or district are those of its engagements, read from the area each
    follow-up keeps: a follow-up takes its engagement's area, and moves with it."""
    partners, _outputs = world
    region, district, other, elsewhere = places
    made = _log(civilaffairs, components, partners, [], places, 20)
    services.follow_up_create(
        user=civilaffairs, engagement=made[5], action="Call back", due_date=D(2026, 9, 2), owner=civilaffairs
    )
    services.engagement_update(
        user=civilaffairs, engagement=made[0], expected_version=made[0].version, district=elsewhere
    )
    today = D(2026, 12, 1)
    for area in (region, district, other, elsewhere):
        chosen = AreaFilter(mission.pk, region=area) if area == region else AreaFilter(mission.pk, district=area)
        expected = FollowUp.objects.filter(mission=mission, status=FollowUp.Status.OPEN, due_date__lt=today).filter(
            chosen.q("engagement__district")
        )
        overdue = selectors.overdue_follow_ups(user=civilaffairs, mission=mission, today=today, area=chosen)
        assert sorted(f.pk for f in overdue["items"]) == sorted(f.pk for f in expected), area
        assert sum(o.count for o in overdue["officers"]) == expected.count()
    assert FollowUp.objects.filter(engagement=made[0]).exists()
    assert set(FollowUp.objects.filter(engagement=made[0]).values_list("district", flat=True)) == {elsewhere.pk}


def test_follow_ups_keep_their_engagements_mission_and_area_whatever_saves_it(mission, civilaffairs, places):
    """Engagement.save moves its follow-ups with it (any update_fields naming the area or mission, or a full
    save as the admin's); a follow-up loaded before the move and saved in full does not write the old area back."""
    _region, district, other, elsewhere = places
    engagement = EngagementFactory(mission=mission, district=district)
    follow_up = FollowUpFactory(engagement=engagement, owner=civilaffairs)
    loaded_before = FollowUp.objects.get(pk=follow_up.pk)

    def kept():
        return tuple(FollowUp.objects.filter(pk=follow_up.pk).values_list("mission_id", "district_id").get())

    engagement.district = other
    engagement.save(update_fields=["district_id"])
    assert kept() == (mission.pk, other.pk)
    loaded_before.action = "Call back"
    loaded_before.save()
    assert kept() == (mission.pk, other.pk)

    another = MissionFactory()
    moved = LocationFactory(mission=another)
    engagement.mission, engagement.district = another, moved
    engagement.save()  # a full save, as the admin's change form does
    assert kept() == (another.pk, moved.pk)
    assert elsewhere.pk not in FollowUp.objects.values_list("district", flat=True)


def test_a_write_touching_many_places_rebuilds_whole_months_exactly(
    mission, civilaffairs, components, world, places, monkeypatch
):
    """Past MAX_PLACES (month, area) places, as after a large import re-typing busy partners, the refresh
    recomputes the months concerned instead of each place: the same rows."""
    partners, outputs = world
    region, district, *_rest = places
    _log(civilaffairs, components, partners, outputs, places, 12)
    monkeypatch.setattr(summaries, "MAX_PLACES", 1)
    services.partner_update(
        user=civilaffairs, partner=partners[0], expected_version=partners[0].version, partner_type="media"
    )
    assert len(summaries.partner_places([partners[0].pk])) > 1
    assert_exact(mission, civilaffairs, region, district, outputs)
