"""Reads of the partners app: the registry, the engagement log, follow-ups, coverage and indicators.

Every function takes the user whose view it is and goes through `mandate.access.scope`, so pages,
the API, the exports and the PDF report show the same rows. Each runs a fixed number of queries,
whatever the size of the log (see tests/test_partners_queries.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from benchmarks.models import OperationalOutput
from mandate import access
from missions.area_filter import AreaFilter, within_q
from missions.models import Location, Mission
from missions.search import search_filter, search_q, search_words
from partners import summaries
from partners.models import Contact, Engagement, FollowUp, Partner, follow_up_overdue_q, screening_lapsed_q

PAGE_SIZE = 50
# Counting every match of a broad filter over 100,000 engagements costs more than the page itself;
# past this many the page says "more than N".
COUNT_CAP = 1000
SEARCH_CONFIG = "simple"  # no stemming: missions log in English, French and local languages
# What the registry's search box (and the API's ?search= and ?q=) looks in: "cedeao" finds CEDEAO.
SEARCH_FIELDS = ["name", "acronym"]


# --- the registry -------------------------------------------------------------------------------


def partner_list(
    *,
    user,
    mission: Mission,
    partner_type: str = "",
    district: Location | None = None,
    relationship: str = "",
    screening: str = "",
    q: str = "",
) -> QuerySet[Partner]:
    """The mission's partners the user may see, filtered. `screening="expired"` selects cleared partners
    whose review date has passed."""
    qs = access.scope(user, Partner.objects.filter(mission=mission)).select_related("district")
    if partner_type:
        qs = qs.filter(partner_type=partner_type)
    if district is not None:
        qs = qs.filter(district=district)
    if relationship:
        qs = qs.filter(relationship=relationship)
    if screening == "expired":
        qs = qs.filter(screening_lapsed_q(timezone.localdate()))
    elif screening:
        qs = qs.filter(screening_status=screening)
    qs = search_filter(qs, q, SEARCH_FIELDS)
    return qs.order_by("name")


def with_registry_columns(partners: list[Partner]) -> list[Partner]:
    """Sets `last_engaged` (date of the latest engagement) and `open_follow_ups` on one page of the registry.

    Two grouped queries over the page's partners only (not correlated subqueries per row, which cost a
    sort of each partner's engagements). Registry readers are mission members, who see the whole log,
    so these counts need no access filter of their own.
    """
    ids = [p.pk for p in partners]
    latest = dict(
        Engagement.partners.through.objects.filter(partner_id__in=ids)
        .values("partner_id")
        .annotate(last=Max("engagement__date"))
        .values_list("partner_id", "last")
    )
    open_counts = dict(
        FollowUp.objects.filter(partner_id__in=ids, status=FollowUp.Status.OPEN)
        .values("partner_id")
        .annotate(n=Count("id"))
        .values_list("partner_id", "n")
    )
    for p in partners:
        p.last_engaged = latest.get(p.pk)
        p.open_follow_ups = open_counts.get(p.pk, 0)
    return partners


@dataclass
class PartnerPage:
    partner: Partner
    contacts: list[Contact]
    engagements: list[Engagement]
    engagement_count: int
    open_follow_ups: list[FollowUp]
    history: list = field(default_factory=list)


TIMELINE_SIZE = 50


def partner_page(*, user, partner: Partner) -> PartnerPage:
    """Everything the partner page shows, in six queries whatever the partner's history:

    1. contacts; 2. the latest engagements (with component and district); 3. their partners;
    4. the engagement count; 5. open follow-ups of its engagements or assigned to it; 6. the latest changes.
    """
    engagements_qs = access.scope(user, Engagement.objects.filter(mission_id=partner.mission_id))
    involving = Engagement.partners.through.objects.filter(partner_id=partner.pk).values("engagement_id")
    timeline = engagements_qs.filter(pk__in=involving)
    contacts = list(partner.contacts.all())
    engagements = list(
        timeline.select_related("component", "district")
        .prefetch_related(Prefetch("partners", queryset=Partner.objects.only("id", "name", "acronym")))
        .order_by("-date", "-id")[:TIMELINE_SIZE]
    )
    engagement_count = timeline.count()
    follow_ups = list(
        access.scope(user, FollowUp.objects.filter(mission_id=partner.mission_id))
        .filter(status=FollowUp.Status.OPEN)
        # Follow-ups assigned to a partner always belong to one of its engagements (partners.services keeps
        # it so), so one indexed subquery finds both kinds.
        .filter(engagement_id__in=involving)
        .select_related("engagement", "owner", "partner")
        .order_by("due_date", "id")[:100]
    )
    history = list(
        partner.history.select_related("history_user").only(
            "history_id", "history_date", "history_type", "history_user__username", "screening_status", "version"
        )[:10]
    )
    return PartnerPage(
        partner=partner,
        contacts=contacts,
        engagements=engagements,
        engagement_count=engagement_count,
        open_follow_ups=follow_ups,
        history=history,
    )


# --- the engagement log -------------------------------------------------------------------------


def _linked_to(output: OperationalOutput) -> QuerySet:
    return Engagement.outputs.through.objects.filter(operationaloutput=output).values("engagement_id")


def engagement_log(
    *,
    user,
    mission: Mission,
    partner: Partner | None = None,
    engagement_type: str = "",
    component=None,
    district: Location | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    output: OperationalOutput | None = None,
    q: str = "",
) -> QuerySet[Engagement]:
    """The engagements the user may see, filtered; newest first. Lazy: callers page, export or count it.

    Many-to-many filters (partner, output) are subqueries, never joins, so no row repeats and no
    DISTINCT over the log is needed. Text search: `search_engagements`.
    """
    qs = access.scope(user, Engagement.objects.filter(mission=mission))
    if partner is not None:
        qs = qs.filter(pk__in=Engagement.partners.through.objects.filter(partner=partner).values("engagement_id"))
    if engagement_type:
        qs = qs.filter(engagement_type=engagement_type)
    if component is not None:
        qs = qs.filter(component=component)
    if district is not None:  # a region, or a district: the engagements of the area and of the areas under it
        qs = qs.filter(within_q("district", district.pk))
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if output is not None:
        qs = qs.filter(pk__in=_linked_to(output))
    qs = search_engagements(qs, q)
    return qs.order_by("-date", "-id")


def search_engagements(qs: QuerySet[Engagement], q: str, *, by_partner: bool = True) -> QuerySet[Engagement]:
    """Engagements whose summary, outcomes or topics match `q`, or with a partner `q` names; accents and
    case aside ("solidarite" finds "Solidarité"; missions.search).

    Text: on PostgreSQL full-text search (websearch syntax: words, "a phrase", -excluded) on the stored,
    GIN-indexed `search_document` column that migrations 0003/0005 add and a trigger keeps from the
    normalised text (it is not a model field, so it is named here in SQL); elsewhere every word must be in
    one of the three fields (missions.search.search_q).
    Partners: the log shows partners by acronym, so the whole query equal to a partner's acronym, or every
    word of it in its name, finds that partner's engagements too (a subquery over the few matching
    partners, so no row repeats). `by_partner=False` leaves that out, for readers who may not see the
    partners of the engagements.
    """
    q = " ".join(search_words(q))
    if not q:
        return qs
    named = Engagement.partners.through.objects.filter(
        Q(partner__acronym__normalised=q) | search_q(q, ["partner__name"])
    ).values("engagement_id")
    if not by_partner:
        named = named.none()
    if connection.vendor == "postgresql":
        document = RawSQL("search_document", [], output_field=SearchVectorField())
        return qs.alias(document=document).filter(
            Q(document=SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")) | Q(pk__in=named)
        )
    return qs.filter(search_q(q, ["summary", "outcomes", "topics"]) | Q(pk__in=named))


@dataclass
class LogPage:
    rows: list[Engagement]
    next_cursor: str | None
    count: int
    count_capped: bool
    is_first: bool


def _parse_cursor(cursor: str | None) -> tuple[datetime.date, int] | None:
    if not cursor:
        return None
    try:
        day, pk = cursor.split("_", 1)
        return datetime.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def engagement_log_page(qs: QuerySet[Engagement], *, cursor: str | None = None, size: int = PAGE_SIZE) -> LogPage:
    """One page of the log by keyset (`cursor` = "<date>_<id>" of the last row seen), in three queries:

    1. the page (engagement, component, district, creator), LIMIT size + 1;
    2. the partners of the page's engagements (prefetch);
    3. the match count, capped at COUNT_CAP (COUNT over a LIMITed subquery).

    Keyset rather than OFFSET: page 1,000 of 100,000 rows costs the same as page 1.
    """
    position = _parse_cursor(cursor)
    page_qs = qs
    if position is not None:
        day, pk = position
        page_qs = qs.filter(Q(date__lt=day) | Q(date=day, pk__lt=pk))
    rows = list(
        page_qs.select_related("component", "district", "created_by")
        .prefetch_related(Prefetch("partners", queryset=Partner.objects.only("id", "name", "acronym")))
        .order_by("-date", "-id")[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = f"{rows[-1].date.isoformat()}_{rows[-1].pk}" if more else None
    capped = qs.order_by().values("pk")[: COUNT_CAP + 1].count()
    return LogPage(
        rows=rows,
        next_cursor=next_cursor,
        count=min(capped, COUNT_CAP),
        count_capped=capped > COUNT_CAP,
        is_first=position is None,
    )


def engagement_detail(*, user, engagement: Engagement) -> Engagement:
    """An engagement with what its page shows: partners, officers, outputs, benchmarks, follow-ups (5 queries)."""
    return (
        Engagement.objects.filter(pk=engagement.pk)
        .select_related("component", "district", "created_by")
        .prefetch_related(
            "partners",
            "officers",
            Prefetch("outputs", queryset=access.scope(user, OperationalOutput.objects.all())),
            "benchmarks",
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("owner", "partner", "completed_by")),
        )
        .get()
    )


def engagement_export_rows(qs: QuerySet[Engagement]):
    """The rows of an export, streamed in chunks (one query for each 2,000 engagements and their M2M)."""
    return (
        qs.select_related("component", "district", "created_by")
        .prefetch_related(
            Prefetch("partners", queryset=Partner.objects.only("id", "name")),
            Prefetch("outputs", queryset=OperationalOutput.objects.only("id", "title")),
            Prefetch("officers", queryset=get_user_model().objects.only("id", "username", "first_name", "last_name")),
        )
        .iterator(chunk_size=2000)
    )


# --- follow-ups ---------------------------------------------------------------------------------


@dataclass
class OfficerOverdue:
    owner: object
    count: int
    oldest_due: datetime.date


def overdue_follow_ups(
    *,
    user,
    mission: Mission,
    today: datetime.date | None = None,
    limit: int = 25,
    area: AreaFilter | None = None,
) -> dict:
    """Open follow-ups past their due date, per officer (mission owners) and per partner, the `limit`
    with most overdue of each, the 100 oldest items and how many there are in all (`total`); with `area`,
    of the engagements in that region or district.

    Queries: 1. counts per owner and partner; 2. the owners; 3. the partners' names; 4. the 100 oldest items.
    """
    today = today or timezone.localdate()
    overdue = access.scope(user, FollowUp.objects.filter(mission=mission)).filter(follow_up_overdue_q(today))
    if area:
        overdue = overdue.filter(area.q("district"))  # the engagement's, kept on the follow-up
    # One pass over the overdue follow-ups, grouped by (owner, partner): a follow-up with an owner counts for
    # the owner, one without for its partner. A few thousand groups at most, summed and ranked here.
    officers: dict[int, list] = {}
    partners: dict[int, list] = {}
    for owner, partner, n, oldest in (
        overdue.values_list("owner", "partner").annotate(n=Count("*"), oldest=Min("due_date")).order_by()
    ):
        counts = (
            officers.setdefault(owner, [0, oldest]) if owner is not None else partners.setdefault(partner, [0, oldest])
        )
        counts[0] += n
        counts[1] = min(counts[1], oldest)

    def top(counts: dict[int, list]) -> list[tuple[int, int, datetime.date]]:
        return sorted(((pk, n, oldest) for pk, (n, oldest) in counts.items()), key=lambda r: (-r[1], r[2], r[0]))[
            :limit
        ]

    per_owner, by_partner = top(officers), top(partners)
    owners = get_user_model().objects.in_bulk([pk for pk, _n, _oldest in per_owner])
    names = dict(Partner.objects.filter(pk__in=[pk for pk, _n, _oldest in by_partner]).values_list("pk", "name"))
    per_partner = [
        {"partner": pk, "partner__name": names[pk], "n": n, "oldest": oldest} for pk, n, oldest in by_partner
    ]
    # The page links each item to its engagement by id: the engagement rows (with their search document)
    # are not read.
    items = list(overdue.select_related("owner", "partner").order_by("due_date", "id")[:100])
    return {
        "officers": [OfficerOverdue(owners[pk], n, oldest) for pk, n, oldest in per_owner],
        "partners": per_partner,
        "items": items,
        "total": sum(n for n, _oldest in (*officers.values(), *partners.values())),
        "today": today,
    }


MY_FOLLOW_UPS_SHOWN = 100


@dataclass
class MyFollowUps:
    """The user's open follow-ups, the MY_FOLLOW_UPS_SHOWN due first; `more`: whether others are due later."""

    items: list[FollowUp]
    more: bool


def my_follow_ups(*, user, mission: Mission) -> MyFollowUps:
    """Open follow-ups the user owns in this mission (one query)."""
    found = list(
        access.scope(user, FollowUp.objects.filter(mission=mission))
        .filter(owner=user, status=FollowUp.Status.OPEN)
        .order_by("due_date", "id")[: MY_FOLLOW_UPS_SHOWN + 1]
    )
    return MyFollowUps(items=found[:MY_FOLLOW_UPS_SHOWN], more=len(found) > MY_FOLLOW_UPS_SHOWN)


# --- coverage and indicators --------------------------------------------------------------------


def coverage(
    *,
    user,
    mission: Mission,
    period_start: datetime.date,
    period_end: datetime.date,
    area: AreaFilter | None = None,
) -> dict:
    """Engagements in the period by district (rows) and partner type (columns), with registry counts;
    with `area`, the districts of that region or the one district (engagements naming no district left out).
    An engagement with partners of two types counts in both columns and once in its district's total.

    Queries: the period's sums (`summaries.period_cells`: a dozen mission-wide rows for the whole mission)
    and the registered partners per type (the areas' names come from `area.places`, else one more query).
    """
    cells = summaries.period_cells(
        mission, user, period_start, period_end, where=area.q("district") if area else None, tallies=("areas",)
    )
    table = cells.get((None, None), summaries.Totals()).coverage()
    # The areas' names in the reader's language, from the mission's areas the page loaded (`area.places`).
    places = dict(area.places) if area is not None else {}
    missing = [d for d in table if d is not None and d not in places]
    places.update(Location.objects.in_bulk(missing) if missing else {})
    registered = {
        r["partner_type"]: r["n"]
        for r in access.scope(user, Partner.objects.filter(mission=mission))
        .values("partner_type")
        .annotate(n=Count("id"))
        .order_by()
    }
    labels = dict(Partner.PartnerType.choices)
    types_seen = sorted({t for _total, types in table.values() for t in types}, key=str)
    rows = [
        {
            "name": places[district_id].display_name if district_id is not None else None,
            "cells": types,
            "total": total,
        }
        for district_id, (total, types) in table.items()
        if total
    ]
    rows.sort(key=lambda r: (r["name"] is None, r["name"] or ""))
    for row in rows:
        row["values"] = [row["cells"].get(t, 0) for t in types_seen]
    return {
        "types": [(t, labels.get(t, t), registered.get(t, 0)) for t in types_seen],
        "rows": rows,
        "period_start": period_start,
        "period_end": period_end,
    }


def engagements_per_district(
    *,
    user,
    mission: Mission,
    period_start: datetime.date,
    period_end: datetime.date,
    region_id: int | None = None,
    places: dict[int, Location] | None = None,
) -> dict[int, int]:
    """Engagements in the period per district id (of `region_id` when given): the coverage map.

    Engagements naming a whole region, or none, are on no district of the map. Read from the summary's
    coverage counts (`summaries.period_cells`: a dozen mission-wide rows for the whole mission). `places`,
    the mission's areas by id (`AreaFilter.places`), says which areas are districts; else one more query."""
    where = within_q("district", region_id) if region_id is not None else None
    cells = summaries.period_cells(mission, user, period_start, period_end, where=where, tallies=("areas",))
    counts = {
        area: total
        for area, (total, _types) in cells.get((None, None), summaries.Totals()).coverage().items()
        if area is not None and total
    }
    if places is None:
        districts = set(
            Location.objects.filter(pk__in=list(counts), level=Location.Level.DISTRICT).values_list("pk", flat=True)
        )
    else:
        districts = {pk for pk, place in places.items() if place.level == Location.Level.DISTRICT}
    return {area: n for area, n in counts.items() if area in districts}


@dataclass(frozen=True)
class PartnershipIndicators:
    """Partnership indicators of one output (or of the whole log when `output` is None) over one period."""

    output: OperationalOutput | None
    period_start: datetime.date
    period_end: datetime.date
    engagements: int
    partners_engaged: int
    with_women: int
    with_youth: int
    follow_ups: int
    follow_ups_done: int
    districts_reached: int

    @classmethod
    def of(cls, cell: summaries.Totals, output, period_start: datetime.date, period_end: datetime.date):
        return cls(
            output=output,
            period_start=period_start,
            period_end=period_end,
            engagements=cell.engagements,
            partners_engaged=len(cell.partners),
            with_women=cell.with_women,
            with_youth=cell.with_youth,
            follow_ups=cell.follow_ups,
            follow_ups_done=cell.follow_ups_done,
            districts_reached=len(cell.districts),
        )

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def share_with_women(self) -> float | None:
        """Percentage of engagements where at least one woman took part (None when there was none)."""
        return self._share(self.with_women, self.engagements)

    @property
    def share_with_youth(self) -> float | None:
        return self._share(self.with_youth, self.engagements)

    @property
    def follow_up_completion(self) -> float | None:
        return self._share(self.follow_ups_done, self.follow_ups)


def partnership_indicators(
    mission: Mission,
    user,
    period_start: datetime.date,
    period_end: datetime.date,
    output: OperationalOutput | None = None,
    area: AreaFilter | None = None,
) -> PartnershipIndicators:
    """The partnership indicators of the engagement log, for the dashboards and the PDF report.

    - engagements: engagements dated within [period_start, period_end] (inclusive);
    - partners_engaged: distinct partners taking part in them;
    - with_women / with_youth (and `share_with_*` as percentages): engagements with at least one woman /
      young person among the participants;
    - follow_ups / follow_ups_done (`follow_up_completion`, a percentage): the follow-up actions agreed at
      those engagements, and how many are done;
    - districts_reached: distinct areas (districts, or regions named as a whole) where they took place.

    `output` restricts to engagements linked to that operational output; `area` to the engagements in a
    region (its districts) or a district (`missions.area_filter`). `user` is whose view of the log
    counts (`mandate.access.scope`); trusted system code passes `access.SYSTEM` (None counts nothing).
    Read from the monthly summary (`partners.summaries.period_cells`).
    """
    return _indicators(mission, user, period_start, period_end, area, [] if output is None else [output])[-1]


def partnership_indicators_by_output(
    mission: Mission,
    user,
    period_start: datetime.date,
    period_end: datetime.date,
    area: AreaFilter | None = None,
) -> list[PartnershipIndicators]:
    """`partnership_indicators` for the whole log (first) and for each current output of the mission,
    from one read of the summary whatever the number of outputs. Outputs come from the same scope as
    the dashboard.
    """
    outputs_qs = OperationalOutput.objects.filter(mission=mission, retired_at__isnull=True).order_by("order", "id")
    outputs = list(access.scope(user, outputs_qs))
    return _indicators(mission, user, period_start, period_end, area, outputs)


def _indicators(mission, user, period_start, period_end, area, outputs) -> list[PartnershipIndicators]:
    """The indicators of the whole log, then of each of `outputs`, from one read of the summary."""
    cells = summaries.period_cells(
        mission,
        user,
        period_start,
        period_end,
        where=area.q("district") if area else None,
        outputs=bool(outputs),
        tallies=("partners", "districts"),
    )
    empty = summaries.Totals()
    return [
        PartnershipIndicators.of(cells.get((None, o.pk if o else None), empty), o, period_start, period_end)
        for o in [None, *outputs]
    ]


# --- choices for forms ----------------------------------------------------------------------------


def mission_officers(mission: Mission) -> QuerySet:
    """Users who can be officers present or follow-up owners (`access.mission_officers`), by name."""
    return access.mission_officers(mission.pk).order_by("last_name", "first_name", "username")


# --- the partner portal ---------------------------------------------------------------------------


@dataclass
class PortalPage:
    partner: Partner
    contacts: list[Contact]
    engagements: list[Engagement]
    open_follow_ups: list[FollowUp]
    done_follow_ups: list[FollowUp]


def portal_page(*, user, partner: Partner) -> PortalPage:
    """What a partner focal point sees of its own organisation (four queries): its contacts, the
    engagements shared with it (latest 100), its open follow-ups and its 20 latest completed ones.

    The engagement rows carry no partner list: other partners of a joint engagement stay private.
    """
    engagements = list(
        access.scope(user, Engagement.objects.filter(mission_id=partner.mission_id))
        .select_related("district")
        .only(
            "id",
            "date",
            "engagement_type",
            "district__name",
            "district__name_fr",
            "place",
            "topics",
            "summary",
            "outcomes",
            "mission_id",
        )
        .order_by("-date", "-id")[:100]
    )
    follow_ups = access.scope(user, FollowUp.objects.filter(mission_id=partner.mission_id)).select_related("engagement")
    return PortalPage(
        partner=partner,
        contacts=list(partner.contacts.all()),
        engagements=engagements,
        open_follow_ups=list(follow_ups.filter(status=FollowUp.Status.OPEN).order_by("due_date", "id")),
        done_follow_ups=list(follow_ups.filter(status=FollowUp.Status.DONE).order_by("-completed_at")[:20]),
    )
