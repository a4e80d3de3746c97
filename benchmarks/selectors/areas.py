"""The sub-national view of the results framework: benchmark statuses by district, for the dashboard's map."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.utils import timezone

from benchmarks.models import AreaStatus, Benchmark, MissionDistrictCount, Status
from benchmarks.selectors.scope import STATUS_VALUES, Filters, active_benchmarks
from mandate import access
from missions.area_filter import within_q
from missions.models import Location, Mission

# Which status a district's map colour shows when its benchmarks differ: the worst first.
WORST_FIRST = (Status.OFF_TRACK, Status.AT_RISK, Status.NOT_STARTED, Status.ON_TRACK, Status.ACHIEVED)


@dataclass
class DistrictStatuses:
    """The benchmarks assessed for one district, by their status there (the newest assessment for it)."""

    district_id: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def worst(self) -> str | None:
        return next((s for s in WORST_FIRST if self.counts.get(s)), None)

    @property
    def ordered_counts(self) -> list[tuple[str, int]]:
        return [(s, self.counts.get(s, 0)) for s in STATUS_VALUES]


def district_statuses(
    mission: Mission,
    user,
    filters: Filters | None = None,
    *,
    region_id: int | None = None,
    today: datetime.date | None = None,
) -> dict[int, DistrictStatuses]:
    """For each district (of `region_id`, when given), the filtered benchmarks assessed for it, by status.

    A benchmark's status in a district is its newest assessment whose location is that district or one
    of its sub-districts; assessments of a whole region or of the whole country belong to no district.
    The dashboard's filters apply except the area and the status: the map shows every status of the
    view's benchmarks, in all the districts around the one chosen. One query, whatever the number of
    benchmarks: a GROUP BY over the district rows of the `AreaStatus` summary (benchmarks.summaries), one
    per benchmark and district assessed, or, unfiltered for a reader who sees every benchmark, over its rollup
    `MissionDistrictCount` (a row per district and status).
    """
    filters = filters or Filters()
    today = today or timezone.localdate()
    narrowed = Filters(output=filters.output, term=filters.term, component=filters.component, overdue=filters.overdue)
    if not narrowed.active and access.sees_whole_mission(user, Benchmark, mission.pk):
        statuses = MissionDistrictCount.objects.filter(mission=mission)  # the rollup of the rows below
        district, counted = "district", Sum("n")
    else:
        benchmarks = narrowed.apply(active_benchmarks(mission, user), today).values("pk")
        statuses = AreaStatus.objects.filter(benchmark__in=benchmarks, area__level=Location.Level.DISTRICT)
        district, counted = "area", Count("id")
    if region_id is not None:
        statuses = statuses.filter(within_q(district, region_id))
    newest = (
        statuses.values(f"{district}_id", "status")
        .annotate(n=counted)
        .order_by()
        .values_list(f"{district}_id", "status", "n")
    )
    result: dict[int, DistrictStatuses] = {}
    for district_id, status, n in newest:
        result.setdefault(district_id, DistrictStatuses(district_id)).counts[status] = n
    return result
