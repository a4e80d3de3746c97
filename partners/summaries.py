"""The partner overview's period figures, read from monthly summaries kept exact by the writes.

`partners.models.EngagementMonth` sums each month of the engagement log per area (the engagement's own
district, region or none) and output, plus mission-wide rows per month and output. Every figure the
overview, its map and the reports' partnership indicators show is a sum of such rows: counters add up,
and the `partners` / `districts` / `areas` tallies (engagements per key) add up too, their keys giving
the distinct partners and districts of a period, and `areas` the coverage table (per area and partner type).

Kept exact in the writing transaction: `places_refresh(mission_id, places)` recomputes, from the log,
the (month, area) rows of the (date, area) places a write touched (an engagement's before and after, its
follow-ups', a re-typed partner's engagements) and moves the month's mission-wide rows by the difference.
The partners services (engagement create/update, follow-up create/complete, partner update and import)
and the admin (`partners.admin.EngagementSummaryAdmin`, on `missions.admin.SummaryKeepingAdmin`) call it;
bulk loaders (seed_demo, seed_scale, the migration that last changed the table) call `rebuild`. The
mission's row is locked first, so two writers in one mission refresh one after the other and the second
reads what the first committed.

`period_cells` answers for any period of days: whole months from the summary; a month the period cuts
from the log of the part inside it, or, when that is the larger part, the month's summary less the log
of the part outside. A reader who does not see the whole log (`access.sees_whole_mission`) gets sums of
their own view of the log instead.
"""

from __future__ import annotations

import calendar
import datetime
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from mandate import access
from missions.models import Mission
from partners.models import Engagement, EngagementMonth, FollowUp, Partner

COUNTERS = ("engagements", "with_women", "with_youth", "follow_ups", "follow_ups_done")
TALLIES = ("partners", "districts", "areas")
# The tallies a summary row also keeps packed, and the field that holds each: the partners' and districts'
# keys as bitmaps (`pack`), the coverage table's counts as fixed-width fields (`pack_areas`).
PACKED = {"partners": "partner_set", "districts": "district_set", "areas": "area_counts"}
# Beyond this many (month, area) places, a refresh recomputes whole months instead (a large import).
MAX_PLACES = 200

# A summary row's key: (month, mission_wide, area id or None, output id or None).
Key = tuple[datetime.date, bool, int | None, int | None]


@dataclass
class Cell:
    """The sums of some engagements: counters, and engagements per partner, district, and area and partner type.

    The tallies' keys are strings (partner and area ids written out), as JSON keeps them: a summary row
    reads without converting thousands of keys."""

    engagements: int = 0
    with_women: int = 0
    with_youth: int = 0
    follow_ups: int = 0
    follow_ups_done: int = 0
    partners: Counter = field(default_factory=Counter)
    districts: Counter = field(default_factory=Counter)
    # The coverage table's cells, on the rows of every engagement (output None): engagements per
    # "<area id>|<partner type>", and per "<area id>|" in all ("" for no area). On the mission-wide rows, the
    # whole mission's table is a dozen rows' sum.
    areas: Counter = field(default_factory=Counter)

    def add(self, other: Cell, sign: int = 1) -> Cell:
        """Add (or with `sign` -1, take away) `other`'s sums; keys whose count falls to zero go."""
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + sign * getattr(other, name))
        for name in TALLIES:
            tally = getattr(self, name)
            if sign > 0:
                tally.update(getattr(other, name))
            else:
                taken = getattr(other, name)
                tally.subtract(taken)
                for gone in [k for k in taken if tally[k] <= 0]:
                    del tally[gone]
        return self

    @classmethod
    def of_row(cls, values: dict) -> Cell:
        """The cell of a summary row's values (tallies left out of `values` stay empty)."""
        return cls(
            **{name: values[name] for name in COUNTERS},
            **{name: Counter(values[name]) for name in TALLIES if name in values},
        )

    def row(self, mission_id: int, key: Key) -> EngagementMonth:
        month, mission_wide, district_id, output_id = key
        return EngagementMonth(
            mission_id=mission_id,
            month=month,
            mission_wide=mission_wide,
            district_id=district_id,
            output_id=output_id,
            **{name: getattr(self, name) for name in (*COUNTERS, *TALLIES)},
            partner_set=pack(self.partners),
            district_set=pack(self.districts),
            area_counts=pack_areas(self.areas),
        )


def pack(keys: Iterable[str | int]) -> bytes:
    """Integer keys (non-negative ids) as a bitmap, what a summary row's `partner_set` holds: the first id
    rounded down to a multiple of 8, as 8 bytes little-endian, then one bit per id from there (bit j of
    byte k: id first + 8k + j). A month's partners fit in a few hundred bytes; a union is one OR."""
    ids = sorted({int(key) for key in keys})
    if not ids:
        return b""
    base = ids[0] - ids[0] % 8
    bits = bytearray((ids[-1] - base) // 8 + 1)
    for i in ids:
        bits[(i - base) >> 3] |= 1 << ((i - base) & 7)
    return base.to_bytes(8, "little") + bytes(bits)


def unpack(data: bytes | memoryview) -> list[int]:
    """The ids `pack` wrote, ascending (a database may hand the bytes over as a memoryview)."""
    ids = IdSet()
    ids.add_packed(data)
    return list(ids)


class IdSet:
    """Distinct ids as the bits of one integer from a base id (bit i: id base + i): adding a summary row's
    packed set is one shift and one OR, however many ids it holds; `len` counts them. The integer spans the
    ids seen, not the largest id: a mission's partners take a few hundred bytes in a database of millions."""

    __slots__ = ("base", "bits")

    def __init__(self) -> None:
        self.base: int | None = None
        self.bits = 0

    def add_packed(self, data: bytes | memoryview) -> None:
        data = bytes(data)
        if not data:
            return
        base, bits = int.from_bytes(data[:8], "little"), int.from_bytes(data[8:], "little")
        if self.base is None:
            self.base, self.bits = base, bits
        elif base >= self.base:
            self.bits |= bits << (base - self.base)
        else:
            self.bits = (self.bits << (self.base - base)) | bits
            self.base = base

    def update(self, keys: Iterable[str | int]) -> None:
        self.add_packed(pack(keys))

    def __len__(self) -> int:
        return self.bits.bit_count()

    def __iter__(self) -> Iterator[int]:
        bits = self.bits
        while bits:
            lowest = bits & -bits
            yield self.base + lowest.bit_length() - 1
            bits ^= lowest

    def __eq__(self, other) -> bool:
        return isinstance(other, IdSet) and list(other) == list(self)

    def __repr__(self) -> str:
        return f"IdSet({list(self)})"


# The `areas` tally's partner types, in the order of their fields: "" for all types (an area's engagements).
# Changing Partner.PartnerType changes this layout: the migration that does must rebuild the summary.
AREA_SLOTS = ("", *Partner.PartnerType.values)
_SLOT = {kind: slot for slot, kind in enumerate(AREA_SLOTS)}
_FIELD = 4  # bytes per count: an unsigned 32-bit integer


def _counts(data: bytes) -> array:
    counts = array("I")
    assert counts.itemsize == _FIELD
    counts.frombytes(data)
    if sys.byteorder == "big":
        counts.byteswap()
    return counts


def _counts_bytes(counts: array) -> bytes:
    if sys.byteorder == "big":
        counts = array("I", counts)
        counts.byteswap()
    return counts.tobytes()


def pack_areas(tally: dict[str, int]) -> bytes:
    """The `areas` tally ({"<area id>|<partner type>": engagements}, "" for no area or for all types) as
    what a summary row's `area_counts` holds: the first area id (8 bytes little-endian), the no-area counts,
    then for each area id from the first to the last one count per `AREA_SLOTS`, 32-bit little-endian.
    Read as one integer, a row's counts add to another's in one addition (`AreaCounts`)."""
    if not tally:
        return b""
    none = array("I", [0]) * len(AREA_SLOTS)
    cells = {}
    for key, n in tally.items():
        area, _bar, kind = key.partition("|")
        if area:
            cells[(int(area), _SLOT[kind])] = n
        else:
            none[_SLOT[kind]] = n
    base = min((area for area, _slot in cells), default=0)
    span = max((area for area, _slot in cells), default=base - 1) - base + 1
    fields = array("I", [0]) * (span * len(AREA_SLOTS))
    for (area, slot), n in cells.items():
        fields[(area - base) * len(AREA_SLOTS) + slot] = n
    return base.to_bytes(8, "little") + _counts_bytes(none) + _counts_bytes(fields)


class AreaCounts:
    """Engagements per area and partner type, summed from summary rows' `area_counts` (`pack_areas`): the
    counts of all areas are the fixed-width fields of one integer, so adding a row is one addition of
    integers (no count reaches 2**32: they are engagements of one period)."""

    __slots__ = ("base", "bits", "none")

    def __init__(self) -> None:
        self.base: int | None = None
        self.bits = 0
        self.none = [0] * len(AREA_SLOTS)

    def add_packed(self, data: bytes | memoryview) -> None:
        data = bytes(data)
        if not data:
            return
        header = 8 + _FIELD * len(AREA_SLOTS)
        for slot, n in enumerate(_counts(data[8:header])):
            self.none[slot] += n
        base, value = int.from_bytes(data[:8], "little"), int.from_bytes(data[header:], "little")
        if self.base is None:
            self.base, self.bits = base, value
        elif base >= self.base:
            self.bits += value << (8 * _FIELD * len(AREA_SLOTS) * (base - self.base))
        else:
            self.bits = (self.bits << (8 * _FIELD * len(AREA_SLOTS) * (self.base - base))) + value
            self.base = base

    def update(self, tally: dict[str, int]) -> None:
        self.add_packed(pack_areas(tally))

    def cells(self) -> Iterator[tuple[int | None, str, int]]:
        """(area id, None for no area; partner type, "" for all; engagements), the non-zero counts."""
        for slot, n in enumerate(self.none):
            if n:
                yield None, AREA_SLOTS[slot], n
        data = self.bits.to_bytes(-(-self.bits.bit_length() // (8 * _FIELD)) * _FIELD, "little")
        for i, n in enumerate(_counts(data)):
            if n:
                area, slot = divmod(i, len(AREA_SLOTS))
                yield self.base + area, AREA_SLOTS[slot], n

    def tally(self) -> dict[str, int]:
        """The counts as the `areas` tally writes them."""
        return {f"{'' if area is None else area}|{kind}": n for area, kind, n in self.cells()}


@dataclass
class Totals:
    """What some engagements add up to, as `period_cells` answers: the counters, the distinct partners and
    areas (as `IdSet` bitmaps, which merge far faster than tallies), and the coverage table's cells (`areas`)."""

    engagements: int = 0
    with_women: int = 0
    with_youth: int = 0
    follow_ups: int = 0
    follow_ups_done: int = 0
    partners: IdSet = field(default_factory=IdSet)
    districts: IdSet = field(default_factory=IdSet)
    areas: AreaCounts = field(default_factory=AreaCounts)

    def add_row(self, row: dict) -> None:
        """Add a summary row's values, its tallies read from their packed fields (`PACKED`); what `row`
        leaves out adds nothing."""
        self._count(row)
        for name, packed in PACKED.items():
            if packed in row:
                getattr(self, name).add_packed(row[packed])

    def add_cell(self, cell: Cell) -> None:
        self._count(vars(cell))
        for name in PACKED:
            getattr(self, name).update(getattr(cell, name))

    def _count(self, values: dict) -> None:
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + values[name])

    def coverage(self) -> dict[int | None, tuple[int, dict[str, int]]]:
        """The `areas` tally as {area id (None: no area): (engagements, {partner type: engagements})}."""
        table: dict[int | None, tuple[int, dict[str, int]]] = {}
        for area, partner_type, n in self.areas.cells():
            total, types = table.setdefault(area, (0, {}))
            if partner_type:
                types[partner_type] = n
            else:
                table[area] = (n, types)
        return table


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _days_q(ranges: Iterable[tuple[datetime.date, datetime.date]]) -> Q:
    """Engagements dated within any of these inclusive (first, last) ranges."""
    q = Q(pk__in=[])
    for first, last in ranges:
        q |= Q(date__gte=first, date__lte=last)
    return q


def cells_from_log(log: QuerySet[Engagement], *, wide: bool, per_area: bool, outputs: bool = True) -> dict[Key, Cell]:
    """The sums of these engagements per summary key (`wide`: the mission-wide keys; `per_area`: the per-area
    ones; `outputs`: the per-output keys besides the output-None ones). Four queries (three without outputs)."""
    ids = log.values("pk")
    rows = list(log.order_by().values_list("pk", "date", "district_id", "participants_women", "participants_youth"))
    if not rows:
        return {}
    partner_types: dict[int, dict[int, str]] = defaultdict(dict)
    links = Engagement.partners.through.objects.filter(engagement_id__in=ids)
    for engagement_id, partner_id, partner_type in links.values_list(
        "engagement_id", "partner_id", "partner__partner_type"
    ):
        partner_types[engagement_id][partner_id] = partner_type
    linked: dict[int, list[int]] = defaultdict(list)
    if outputs:
        output_links = Engagement.outputs.through.objects.filter(engagement_id__in=ids)
        for engagement_id, output_id in output_links.values_list("engagement_id", "operationaloutput_id"):
            linked[engagement_id].append(output_id)
    follow_ups = {
        engagement_id: (n, done)
        for engagement_id, n, done in FollowUp.objects.filter(engagement_id__in=ids)
        .values_list("engagement_id")
        .annotate(n=Count("id"), done=Count("id", filter=Q(status=FollowUp.Status.DONE)))
        .values_list("engagement_id", "n", "done")
        .order_by()
    }
    cells: dict[Key, Cell] = defaultdict(Cell)
    for pk, day, district_id, women, youth in rows:
        types = partner_types.get(pk, {})
        n, done = follow_ups.get(pk, (0, 0))
        kinds = set(types.values())
        one = Cell(
            engagements=1,
            with_women=int(women > 0),
            with_youth=int(youth > 0),
            follow_ups=n,
            follow_ups_done=done,
            partners=Counter(map(str, types)),
            districts=Counter([str(district_id)] if district_id is not None else []),
        )
        area = "" if district_id is None else str(district_id)
        covered = replace(one, areas=Counter([f"{area}|", *(f"{area}|{kind}" for kind in kinds)]))
        month = month_of(day)
        for output_id in (None, *linked.get(pk, ())):
            cell = covered if output_id is None else one  # the coverage table counts every engagement once
            if per_area:
                cells[(month, False, district_id, output_id)].add(cell)
            if wide:
                cells[(month, True, None, output_id)].add(cell)
    return cells


def _place_q(places: Iterable[tuple[datetime.date, int | None]], *, month_field: str | None) -> Q:
    """Rows of these (month, area) places: summary rows (`month_field` "month") or engagements (None)."""
    q = Q(pk__in=[])
    for month, district_id in places:
        area = Q(district_id=district_id) if district_id is not None else Q(district__isnull=True)
        if month_field:
            q |= Q(**{month_field: month}) & area
        else:
            q |= Q(date__gte=month, date__lt=next_month(month)) & area
    return q


def _lock(mission_id: int) -> None:
    list(Mission.objects.select_for_update().filter(pk=mission_id).values_list("pk"))


def _write(mission_id: int, cells: dict[Key, Cell]) -> None:
    EngagementMonth.objects.bulk_create(
        [cell.row(mission_id, key) for key, cell in cells.items() if cell.engagements], batch_size=2000
    )


@transaction.atomic
def places_refresh(mission_id: int, places: Iterable[tuple[datetime.date, int | None] | None]) -> None:
    """Bring the summary up to date for these (engagement date, area id) places, inside the writing
    transaction and after the write: the places' rows are recomputed from the log and the mission-wide
    rows of their months move by the difference. About ten queries, whatever the size of the log."""
    keys = {(month_of(place[0]), place[1]) for place in places if place is not None and place[0] is not None}
    if not keys:
        return
    if len(keys) > MAX_PLACES:
        months_rebuild(mission_id, {month for month, _district in keys})
        return
    _lock(mission_id)
    rows = EngagementMonth.objects.filter(mission_id=mission_id)
    old = list(rows.filter(_place_q(keys, month_field="month"), mission_wide=False).values())
    new = cells_from_log(
        Engagement.objects.filter(mission_id=mission_id).filter(_place_q(keys, month_field=None)),
        wide=False,
        per_area=True,
    )
    months = {month for month, _district in keys}
    wide_rows = rows.filter(mission_wide=True, month__in=months)
    wide: dict[Key, Cell] = defaultdict(Cell)
    for row in wide_rows.values():
        wide[(row["month"], True, None, row["output_id"])] = Cell.of_row(row)
    for row in old:
        wide[(row["month"], True, None, row["output_id"])].add(Cell.of_row(row), -1)
    for (month, _wide, _district, output_id), cell in new.items():
        wide[(month, True, None, output_id)].add(cell)
    EngagementMonth.objects.filter(pk__in=[row["id"] for row in old]).delete()
    wide_rows.delete()
    _write(mission_id, {**new, **wide})


@transaction.atomic
def months_rebuild(mission_id: int, months: Iterable[datetime.date] | None = None) -> None:
    """Recompute these months of a mission's summary (None: every month) from the log."""
    _lock(mission_id)
    rows = EngagementMonth.objects.filter(mission_id=mission_id)
    log = Engagement.objects.filter(mission_id=mission_id)
    if months is not None:
        months = sorted(set(months))
        rows = rows.filter(month__in=months)
        log = log.filter(_days_q((m, next_month(m) - datetime.timedelta(days=1)) for m in months))
    rows.delete()
    _write(mission_id, cells_from_log(log, wide=True, per_area=True))


def rebuild(mission: Mission) -> None:
    """Rebuild a mission's whole summary from the log: after a bulk load."""
    months_rebuild(mission.pk)


def partner_places(partner_ids: Iterable[int]) -> set[tuple[datetime.date, int | None]]:
    """The (date, area) places of these partners' engagements: what re-typing or removing them changes."""
    return set(Engagement.objects.filter(partners__in=list(partner_ids)).values_list("date", "district_id").distinct())


Days = tuple[datetime.date, datetime.date]  # an inclusive range of days


Cut = tuple[datetime.date, Days, list[Days]]  # a month a period cuts, its days inside, its days outside


def _month_parts(start: datetime.date, end: datetime.date) -> tuple[Days | None, list[Cut]]:
    """[start, end] in months: (the first and last of the months wholly inside, None when there is none;
    and the months it cuts, at most two, each with its days inside and its day ranges outside). Constant
    work whatever the length of the period."""
    one_day = datetime.timedelta(days=1)
    first, last = month_of(start), month_of(end)
    cut = []
    for month in sorted({first, last}):
        month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])  # also in year 9999
        inside = (max(start, month), min(end, month_end))
        if inside != (month, month_end):
            outside = [(month, inside[0] - one_day)] if inside[0] > month else []
            if inside[1] < month_end:
                outside.append((inside[1] + one_day, month_end))
            cut.append((month, inside, outside))
    cut_months = {month for month, _inside, _outside in cut}
    whole_first = first if first not in cut_months else next_month(first)
    whole_last = last if last not in cut_months else month_of(last - one_day)
    return ((whole_first, whole_last) if whole_first <= whole_last else None), cut


def _days(ranges: Iterable[Days]) -> int:
    return sum((last - first).days + 1 for first, last in ranges)


def period_cells(
    mission: Mission,
    user,
    start: datetime.date,
    end: datetime.date,
    *,
    where: Q | None = None,
    per_area: bool = False,
    outputs: bool = False,
    tallies: tuple[str, ...] = TALLIES,
) -> dict[tuple[int | None, int | None], Totals]:
    """The totals of the engagements dated within [start, end], keyed by (area id, output id): the area is
    None unless `per_area`; the output None (every engagement) and, with `outputs`, each linked output.

    `where` narrows the engagements by their `district` (e.g. `AreaFilter.q("district")`); `user` is whose
    view of the log counts; `tallies` are those the caller reads (the others may come out empty).

    A month the period cuts reads from the summary as a whole month when none of its engagements (within
    `where`) lies outside the period (the current month, up to today, is usually so); else from the log
    of its smaller part: the days inside, or the summary less the days outside. At most eleven queries,
    whatever the period: which cut months have engagements outside it, the summary rows, and the log
    of the cut months' parts.
    """
    log = Engagement.objects.filter(mission=mission)
    if where is not None:
        log = log.filter(where)
    wide = not per_area and where is None
    result: dict[tuple[int | None, int | None], Totals] = defaultdict(Totals)

    def key(district_id, output_id) -> tuple[int | None, int | None]:
        return (district_id if per_area else None, output_id)

    def total(cells: dict[Key, Cell]) -> None:
        for (_month, _wide, district_id, output_id), cell in cells.items():
            result[key(district_id, output_id)].add_cell(cell)

    if not access.sees_whole_mission(user, Engagement, mission.pk):
        scoped = access.scope(user, log.filter(date__gte=start, date__lte=end))
        total(cells_from_log(scoped, wide=wide, per_area=not wide, outputs=outputs))
        return result
    whole, cut = _month_parts(start, end)
    months = Q(month__gte=whole[0], month__lte=whole[1]) if whole else Q(pk__in=[])
    reduced, added, removed = [], [], []
    if cut:
        spilling = set(log.filter(_days_q(r for _m, _in, out in cut for r in out)).dates("date", "month"))
        for month, inside, outside in cut:
            if month not in spilling:
                months |= Q(month=month)
            elif _days([inside]) <= _days(outside):
                added.append(inside)
            else:
                reduced.append(month)
                months |= Q(month=month)
                removed.extend(outside)
    less: dict[tuple[int | None, int | None], Cell] = defaultdict(Cell)  # the reduced months, as multisets
    if whole or len(cut) > len(added):
        rows = EngagementMonth.objects.filter(months, mission=mission, mission_wide=wide)
        if where is not None:
            rows = rows.filter(where)
        if not outputs:
            rows = rows.filter(output__isnull=True)
        fields = ("month", "district_id", "output_id", *COUNTERS)
        # Whole months add their sets; the reduced ones their tallies (a multiset less the days outside).
        for row in rows.exclude(month__in=reduced).values(*fields, *(PACKED[t] for t in tallies)):
            result[key(row["district_id"], row["output_id"])].add_row(row)
        if reduced:
            for row in rows.filter(month__in=reduced).values(*fields, *tallies):
                less[key(row["district_id"], row["output_id"])].add(Cell.of_row(row))
    if added:
        total(cells_from_log(log.filter(_days_q(added)), wide=wide, per_area=not wide, outputs=outputs))
    if removed:
        outside = cells_from_log(log.filter(_days_q(removed)), wide=wide, per_area=not wide, outputs=outputs)
        for (_month, _wide, district_id, output_id), cell in outside.items():
            less[key(district_id, output_id)].add(cell, -1)
        for k, cell in less.items():
            result[k].add_cell(cell)
    return result
