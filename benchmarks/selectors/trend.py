"""Statuses at each month end, read from the trend summaries (benchmarks.summaries)."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from benchmarks import summaries
from benchmarks.models import Benchmark
from benchmarks.selectors.scope import Filters, active_benchmarks
from mandate import access
from missions.models import Mission


@dataclass
class Trend:
    months: list[datetime.date]  # month-end dates, oldest first; the last one is today
    counts: list[dict[str, int]]  # benchmarks by status at each of those dates


def month_ends(today: datetime.date, months: int) -> list[datetime.date]:
    """The last `months` month ends, oldest first, the current month's being `today`."""
    ends = [today]
    year, month = today.year, today.month
    for _i in range(months - 1):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        ends.append(datetime.date(year, month, calendar.monthrange(year, month)[1]))
    return ends[::-1]


def status_trend(
    mission: Mission,
    user,
    months: int = 12,
    filters: Filters | None = None,
    *,
    today: datetime.date | None = None,
) -> Trend:
    """How many of today's (filtered) benchmarks stood at each status at the end of each of the last `months` months.

    A benchmark's status at a month end is that of its newest assessment on or before it (a correction
    dated the same day wins, as it is created later); before its first assessment it is not started.

    Read from the summaries of `benchmarks.summaries` (kept exact by the services that write): one
    query over a few hundred (month, status, moved) sums for the dashboard's filters, two for the
    "overdue" filter or a reader who does not see the whole plan. A running total in Python reads the
    counts at each month end.

    Narrowed to a region or district (`filters.area`), the benchmarks are those assessed for the area and
    a benchmark's status at a month end is its newest assessment for the area on or before it, as the
    dashboard counts them (`Filters.apply`): one query of their changes there (`AreaStatusChange`).
    """
    today = today or timezone.localdate()
    ends = month_ends(today, months)
    filters = filters or Filters()
    area = filters.area.area if filters.area else None
    moves = (
        (month.year * 12 + month.month, status, n)
        for month, status, n in summaries.trend_moves(
            mission=mission,
            benchmarks=filters.apply(active_benchmarks(mission, user), today),
            whole_view=area is None and not filters.overdue and access.sees_whole_mission(user, Benchmark, mission.pk),
            output=filters.output,
            term=filters.term,
            component=filters.component,
            status=filters.status,
            area_id=area.pk if area is not None else None,
            today=today,
        )
    )
    return _running_totals(ends, moves)


def _running_totals(ends: list[datetime.date], moves) -> Trend:
    """The counts by status at each month end, from (month key, status, n) moves summed in month order."""
    moves = sorted(moves)
    running: dict[str, int] = defaultdict(int)
    counts: list[dict[str, int]] = []
    i = 0
    for end in ends:
        key = end.year * 12 + end.month
        while i < len(moves) and moves[i][0] <= key:
            _key, status, n = moves[i]
            running[status] += n
            i += 1
        counts.append({status: n for status, n in running.items() if n})
    return Trend(months=ends, counts=counts)
