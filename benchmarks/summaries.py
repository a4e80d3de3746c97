"""What the dashboard reads (its twelve-month trend, its view of one region or district, its district map):
summaries kept exact by the services that write.

Two derived tables (benchmarks.models):
- `StatusChange`: for each benchmark, the months in which its month-end status changed (and from what);
- `StatusTrendCount`: those changes summed per output, term, lead component and current status, plus a
  baseline row per group counting its benchmarks as not started.

`trend_refresh(benchmark_ids=..., output_ids=...)` rebuilds both for what a write touched; the services
call it inside their transaction (assessment_create, benchmark_create, plan_instantiate,
plan_item_update, plan_item_retire), so a page read after the write commits sees it. Bulk loaders
(seed_demo, seed_scale, the migration that created the tables) call `summaries_rebuild`.

Two more hold the same per area: `AreaStatus`, each benchmark's newest assessment (status, progress,
date) in each region and district assessed for it (an assessment concerns its location and the regions
and districts above it, as `missions.area_filter.within_q` counts it), and `AreaStatusChange`, the months
its status there changed. Both come from one read of the benchmark's assessments: `area_status_refresh`
after an assessment, `area_status_rebuild` after a bulk load or when areas move under another parent
(`on_areas_moved`). The dashboard narrowed to an area reads one `AreaStatus` row per benchmark
(`selectors.Filters.apply`) and its trend the area's changes (`trend_moves(area_id=...)`); the district
map groups the district rows of `AreaStatus` by district and status.

Two rollups answer the dashboard's most read view, a whole mission without filters, in a few hundred
rows: `MissionTrendCount` (the trend's moves per month and status) and `MissionDistrictCount` (the
benchmarks per district and status, from `AreaStatus`'s district rows). `rollup_refresh` rebuilds a
mission's, at the end of every `trend_refresh` (so after every write above) and of `summaries_rebuild`.

`trend_moves` is what `selectors.status_trend` reads: one query over a few hundred summary rows for the
whole mission or any output / term / component / status filter; the "overdue" filter depends on
today's date, so it reads the per-benchmark changes of the filtered benchmarks instead (two queries);
an area's view, one query of its `AreaStatusChange` rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from benchmarks.models import (
    AreaStatus,
    AreaStatusChange,
    Assessment,
    Benchmark,
    MissionDistrictCount,
    MissionTrendCount,
    OperationalOutput,
    Status,
    StatusChange,
    StatusTrendCount,
)
from missions.area_filter import AREA_LEVELS
from missions.models import Location, Mission

# The month of the baseline rows: before any assessment, every benchmark is not started.
BASE_MONTH = datetime.date(1900, 1, 1)


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _changes_of(benchmark_ids: list[int]) -> list[StatusChange]:
    """Month-end status changes of these benchmarks, from their assessments (one query).

    A benchmark's status at a month end is that of its newest assessment on or before it, newest by
    (date, recorded at, id): a correction dated the same day wins, as it is recorded later.
    """
    month_status: dict[int, dict[datetime.date, str]] = defaultdict(dict)
    rows = (
        Assessment.objects.filter(benchmark_id__in=benchmark_ids)
        .order_by("benchmark_id", "assessed_on", "created_at", "id")
        .values_list("benchmark_id", "assessed_on", "status")
    )
    for benchmark_id, assessed_on, status in rows.iterator(chunk_size=5000):
        month_status[benchmark_id][_month(assessed_on)] = status  # the last one of the month wins
    changes = []
    for benchmark_id, by_month in month_status.items():
        previous = Status.NOT_STARTED
        for month in sorted(by_month):
            status = by_month[month]
            if status != previous:
                changes.append(StatusChange(benchmark_id=benchmark_id, month=month, status=status, replaced=previous))
                previous = status
    return changes


def _recount(output_ids: list[int]) -> None:
    """Rebuild `StatusTrendCount` for these outputs from their active benchmarks' changes (three queries)."""
    StatusTrendCount.objects.filter(output_id__in=output_ids).delete()
    benchmarks = {
        pk: (output_id, term, own_lead or output_lead, current or Status.NOT_STARTED)
        for pk, output_id, term, own_lead, output_lead, current in Benchmark.objects.filter(
            output_id__in=output_ids, retired_at__isnull=True, output__retired_at__isnull=True
        ).values_list("pk", "output_id", "term", "lead_component_id", "output__lead_component_id", "current_status")
    }
    counts: dict[tuple, int] = defaultdict(int)
    for key in benchmarks.values():
        counts[(*key, BASE_MONTH, Status.NOT_STARTED)] += 1
    changes = StatusChange.objects.filter(benchmark_id__in=list(benchmarks)).values_list(
        "benchmark_id", "month", "status", "replaced"
    )
    for benchmark_id, month, status, replaced in changes.iterator(chunk_size=5000):
        key = benchmarks[benchmark_id]
        counts[(*key, month, status)] += 1
        counts[(*key, month, replaced)] -= 1
    StatusTrendCount.objects.bulk_create(
        [
            StatusTrendCount(
                output_id=output_id,
                term=term,
                component_id=component_id,
                current=current,
                month=month,
                status=status,
                n=n,
            )
            for (output_id, term, component_id, current, month, status), n in counts.items()
            if n
        ],
        batch_size=5000,
    )


@transaction.atomic
def trend_refresh(*, benchmark_ids: Iterable[int] = (), output_ids: Iterable[int] = ()) -> None:
    """Bring the trend summaries up to date after a write to these benchmarks and/or outputs.

    Call it inside the writing transaction, after the write (and after `latest_refresh`).
    The outputs' rows are locked first, so two refreshes of one output run one after the other and
    the second counts what the first wrote.
    """
    benchmark_ids = list(benchmark_ids)
    outputs = set(output_ids)
    if benchmark_ids:
        outputs |= set(Benchmark.objects.filter(pk__in=benchmark_ids).values_list("output_id", flat=True))
    if not outputs:
        return
    list(OperationalOutput.objects.select_for_update().filter(pk__in=outputs).order_by("pk").values_list("pk"))
    if benchmark_ids:
        StatusChange.objects.filter(benchmark_id__in=benchmark_ids).delete()
        StatusChange.objects.bulk_create(_changes_of(benchmark_ids), batch_size=5000)
    _recount(sorted(outputs))
    rollup_refresh(set(OperationalOutput.objects.filter(pk__in=outputs).values_list("mission_id", flat=True)))


@transaction.atomic
def rollup_refresh(mission_ids: Iterable[int]) -> None:
    """Rebuild the missions' rollups (`MissionTrendCount`, `MissionDistrictCount`) from the summaries.

    Call it after `_recount` and `area_status_refresh`, in the writing transaction. The missions'
    rows are locked first (after the outputs', as `trend_refresh` locks them), so two writers in one
    mission roll up one after the other and the second sees the first's counts. Four queries.
    """
    mission_ids = sorted(set(mission_ids))
    if not mission_ids:
        return
    list(Mission.objects.select_for_update().filter(pk__in=mission_ids).order_by("pk").values_list("pk"))
    MissionTrendCount.objects.filter(mission_id__in=mission_ids).delete()
    moves = (
        StatusTrendCount.objects.filter(output__mission_id__in=mission_ids, output__retired_at__isnull=True)
        .values_list("output__mission_id", "month", "status")
        .annotate(total=Sum("n"))
        .order_by()
    )
    MissionTrendCount.objects.bulk_create(
        [MissionTrendCount(mission_id=m, month=month, status=st, n=n) for m, month, st, n in moves if n],
        batch_size=5000,
    )
    MissionDistrictCount.objects.filter(mission_id__in=mission_ids).delete()
    active = Benchmark.objects.filter(
        output__mission_id__in=mission_ids, retired_at__isnull=True, output__retired_at__isnull=True
    )
    counts = (
        AreaStatus.objects.filter(benchmark__in=active.values("pk"), area__level=Location.Level.DISTRICT)
        .values_list("benchmark__output__mission_id", "area_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    MissionDistrictCount.objects.bulk_create(
        [MissionDistrictCount(mission_id=m, district_id=d, status=st, n=n) for m, d, st, n in counts],
        batch_size=5000,
    )


def _newest(field: str) -> Subquery:
    """`field` of the benchmark's newest assessment (by date, then recording time, then id)."""
    newest = Assessment.objects.filter(benchmark=OuterRef("pk")).order_by("-assessed_on", "-created_at", "-id")
    return Subquery(newest.values(field)[:1])


def latest_refresh(benchmarks: QuerySet[Benchmark]) -> int:
    """Point these benchmarks at their newest assessment and copy its status and date (`Benchmark.
    latest_assessment`, `current_status`, `last_assessed_on`); returns how many changed (0 when all
    were current). Two queries whatever the number: one reads the stored and the newest values side by
    side, one UPDATE rewrites the stale rows."""
    rows = benchmarks.annotate(
        newest_id=_newest("pk"), newest_status=_newest("status"), newest_on=_newest("assessed_on")
    ).values_list("pk", "latest_assessment_id", "current_status", "last_assessed_on", "newest_id", "newest_status",
                  "newest_on")  # fmt: skip
    stale = [
        pk
        for pk, pointer, status, day, newest_id, newest_status, newest_on in rows
        if (pointer, status, day) != (newest_id, newest_status or Status.NOT_STARTED, newest_on)
    ]
    if stale:
        Benchmark.objects.filter(pk__in=stale).update(
            latest_assessment=_newest("pk"),
            current_status=Coalesce(_newest("status"), Value(Status.NOT_STARTED)),
            last_assessed_on=_newest("assessed_on"),
        )
    return len(stale)


def _area_rows(assessments) -> tuple[list[AreaStatus], list[AreaStatusChange]]:
    """Each (benchmark, area)'s newest assessment and month-end status changes among these (one query).

    An assessment concerns its location, the location's parent and grandparent, those of them that are
    regions or districts: the areas whose `within_q` filter holds it.
    """
    rows = (
        assessments.filter(location__isnull=False)
        .order_by("benchmark_id", "assessed_on", "created_at", "id")
        .values_list(
            "benchmark_id", "status", "progress", "assessed_on", "location_id", "location__level",
            "location__parent_id", "location__parent__level", "location__parent__parent_id",
            "location__parent__parent__level",
        )
    )  # fmt: skip
    newest: dict[tuple[int, int], tuple] = {}
    month_status: dict[tuple[int, int], dict[datetime.date, str]] = defaultdict(dict)
    for benchmark_id, status, progress, assessed_on, *areas in rows.iterator(chunk_size=5000):
        for area_id, level in zip(areas[::2], areas[1::2], strict=True):
            if area_id is not None and level in AREA_LEVELS:
                # Read oldest first: the last one wins, overall and within its month.
                newest[(benchmark_id, area_id)] = (status, progress, assessed_on)
                month_status[(benchmark_id, area_id)][_month(assessed_on)] = status
    changes = []
    for (benchmark_id, area_id), by_month in month_status.items():
        previous = ""  # the first month there is always a row: it brings the benchmark into the area's view
        for month, status in by_month.items():  # in date order, as read
            if status != previous:
                changes.append(
                    AreaStatusChange(benchmark_id=benchmark_id, area_id=area_id, month=month, status=status,
                                     replaced=previous)
                )  # fmt: skip
                previous = status
    statuses = [
        AreaStatus(benchmark_id=b, area_id=a, status=status, progress=progress, assessed_on=day)
        for (b, a), (status, progress, day) in newest.items()
    ]
    # Written area by area: a bulk load then keeps each area's rows together on disk, for the area's view.
    statuses.sort(key=lambda row: (row.area_id, row.benchmark_id))
    changes.sort(key=lambda row: (row.area_id, row.benchmark_id, row.month))
    return statuses, changes


def _area_write(assessments) -> None:
    statuses, changes = _area_rows(assessments)
    AreaStatus.objects.bulk_create(statuses, batch_size=5000)
    AreaStatusChange.objects.bulk_create(changes, batch_size=5000)


def area_status_refresh(*, benchmark_ids: Iterable[int]) -> None:
    """Bring `AreaStatus` and `AreaStatusChange` up to date for these benchmarks, inside the transaction
    that assessed them, before `trend_refresh` (which rolls them up). Five queries."""
    benchmark_ids = list(benchmark_ids)
    AreaStatus.objects.filter(benchmark_id__in=benchmark_ids).delete()
    AreaStatusChange.objects.filter(benchmark_id__in=benchmark_ids).delete()
    _area_write(Assessment.objects.filter(benchmark_id__in=benchmark_ids))


@transaction.atomic
def area_status_rebuild(mission_id: int | None = None) -> None:
    """Rebuild `AreaStatus` and `AreaStatusChange` for a mission (or every mission): after a bulk load, or
    when its areas moved."""
    assessments = Assessment.objects.all()
    statuses, changes = AreaStatus.objects.all(), AreaStatusChange.objects.all()
    if mission_id is not None:
        assessments = assessments.filter(benchmark__output__mission_id=mission_id)
        statuses = statuses.filter(benchmark__output__mission_id=mission_id)
        changes = changes.filter(benchmark__output__mission_id=mission_id)
    statuses.delete()
    changes.delete()
    _area_write(assessments)


def on_areas_moved(sender, *, mission_id: int, **kwargs) -> None:
    """`missions.events.areas_moved`: a sub-district or a district moved under another parent (or an area
    changed level), so the areas its assessments concern may have."""
    area_status_rebuild(mission_id)
    rollup_refresh([mission_id])


def summaries_rebuild(mission: Mission | None = None) -> None:
    """Rebuild every summary (trend and area statuses, rollups) of a mission, or of every mission, from scratch,
    e.g. after a bulk load."""
    with transaction.atomic():
        trend_rebuild(mission)
        area_status_rebuild(mission.pk if mission is not None else None)
        rollup_refresh([mission.pk] if mission is not None else Mission.objects.values_list("pk", flat=True))


@transaction.atomic
def trend_rebuild(mission: Mission | None = None) -> None:
    """Rebuild the trend summaries of a mission (or of every mission) from scratch (`summaries_rebuild`)."""
    benchmarks = Benchmark.objects.all() if mission is None else Benchmark.objects.filter(output__mission=mission)
    outputs = OperationalOutput.objects.all() if mission is None else mission.outputs.all()
    ids = list(benchmarks.values_list("pk", flat=True))
    output_ids = list(outputs.values_list("pk", flat=True))
    list(OperationalOutput.objects.select_for_update().filter(pk__in=output_ids).order_by("pk").values_list("pk"))
    StatusChange.objects.filter(benchmark_id__in=benchmarks.values("pk")).delete()
    for start in range(0, len(ids), 5000):
        StatusChange.objects.bulk_create(_changes_of(ids[start : start + 5000]), batch_size=5000)
    _recount(output_ids)


def trend_moves(
    *, mission: Mission, benchmarks, whole_view: bool, output=None, term=None, component=None, status=None,
    area_id: int | None = None, today: datetime.date,
) -> list[tuple[datetime.date, str, int]]:  # fmt: skip
    """(month, status, n) moves up to today's month whose running sums give the statuses at each month end.

    `whole_view`: the summaries may answer (the reader sees every benchmark of the mission and the only
    filters are output, term, component and current status); `benchmarks` is then unused. Otherwise
    the moves are computed from the per-benchmark changes of `benchmarks` (the filtered, scoped queryset).

    `area_id`: narrowed to a region or district, `benchmarks` being those assessed for it: their statuses
    there, from `AreaStatusChange` (one query). Each counts as not started from the start, until its
    first assessment there; later months' moves may follow, which running sums up to today leave out.
    """
    last = _month(today)
    if area_id is not None:
        rows = (
            AreaStatusChange.objects.filter(area_id=area_id, benchmark_id__in=benchmarks.values("pk"))
            .values_list("month", "status", "replaced")
            .annotate(n=Count("id"))
            .order_by()
        )
        moves = []
        for month, moved_to, replaced, n in rows:
            if not replaced:  # a first assessment there: not started until then
                moves.append((BASE_MONTH, Status.NOT_STARTED, n))
                replaced = Status.NOT_STARTED
            moves += [(month, moved_to, n), (month, replaced, -n)]
        return moves
    if whole_view and not (output or term or component or status):
        rolled = MissionTrendCount.objects.filter(mission=mission, month__lte=last)
        return list(rolled.values_list("month", "status").annotate(total=Sum("n")).order_by())
    if whole_view:
        rows = StatusTrendCount.objects.filter(
            output__mission=mission, output__retired_at__isnull=True, month__lte=last
        )
        if output:
            rows = rows.filter(output_id=output)
        if term:
            rows = rows.filter(term=term)
        if component:
            rows = rows.filter(component_id=component)
        if status:
            rows = rows.filter(current=status)
        grouped = rows.values("month", "status").annotate(total=Sum("n")).order_by()
        return [(row["month"], row["status"], row["total"]) for row in grouped]
    moves = [(BASE_MONTH, Status.NOT_STARTED, benchmarks.count())]
    changes = (
        StatusChange.objects.filter(benchmark_id__in=benchmarks.values("pk"), month__lte=last)
        .values("month", "status", "replaced")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in changes:
        moves.append((row["month"], row["status"], row["n"]))
        moves.append((row["month"], row["replaced"], -row["n"]))
    return moves
