"""Statuses at each month end, one SQL aggregate."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.utils import timezone

from benchmarks.models import (
    Assessment,
    Status,
)
from benchmarks.selectors.scope import Filters, active_benchmarks
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

    One query. A window function (LEAD, in the order of the assessments' index) gives each assessment
    the status it replaced; the database groups by (date, status, replaced status) and returns those
    few hundred sums, not the assessments. Each group moves its count from the replaced status to the
    new one on its date, and a running total in Python reads the counts at each month end.
    Works on PostgreSQL and SQLite; measured against alternatives in perf/dashboard.py.
    """
    today = today or timezone.localdate()
    ends = month_ends(today, months)
    benchmarks = (filters or Filters()).apply(active_benchmarks(mission, user), today)
    connection = connections[benchmarks.db]
    try:
        compiler = benchmarks.values("id").order_by().query.get_compiler(connection=connection)
        scoped_sql, scoped_params = compiler.as_sql()
    except EmptyResultSet:  # the user sees no benchmark here (access.scope answered .none())
        return Trend(months=ends, counts=[{} for _ in ends])
    table = Assessment._meta.db_table
    sql = f"""
        SELECT assessed_on, status, replaced, COUNT(*) FROM (
            SELECT a.assessed_on, a.status,
                   LEAD(a.status) OVER (
                       PARTITION BY a.benchmark_id ORDER BY a.assessed_on DESC, a.created_at DESC, a.id DESC
                   ) AS replaced
            FROM {table} a
            WHERE a.benchmark_id IN ({scoped_sql}) AND a.assessed_on <= %s
        ) changes
        GROUP BY assessed_on, status, replaced
        UNION ALL
        SELECT NULL, NULL, NULL, COUNT(*) FROM ({scoped_sql}) scoped
    """  # noqa: S608 - only a table name, the ORM's SQL and placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [*scoped_params, today, *scoped_params])
        rows = cursor.fetchall()
    total = next(n for assessed_on, _s, _r, n in rows if assessed_on is None)
    changes = [row for row in rows if row[0] is not None]
    # Every benchmark starts not started; each change moves it from the replaced status to the new one.
    moves: list[tuple[int, str, str | None, int]] = []
    for assessed_on, new, replaced, n in changes:
        day = assessed_on if isinstance(assessed_on, datetime.date) else datetime.date.fromisoformat(assessed_on)
        moves.append((day.year * 12 + day.month, new, replaced or Status.NOT_STARTED, n))
    moves.sort(key=lambda move: move[0])
    running: dict[str, int] = defaultdict(int)
    counts: list[dict[str, int]] = []
    i = 0
    for end in ends:
        key = end.year * 12 + end.month
        while i < len(moves) and moves[i][0] <= key:
            _key, new, replaced, n = moves[i]
            running[new] += n
            running[replaced] -= n
            i += 1
        counts.append({status: n for status, n in running.items() if n})
    for month_counts in counts:
        # `running` counted not-started as negative moves away from it; add the benchmarks themselves.
        month_counts[Status.NOT_STARTED] = month_counts.get(Status.NOT_STARTED, 0) + total
        if not month_counts[Status.NOT_STARTED]:
            del month_counts[Status.NOT_STARTED]
    return Trend(months=ends, counts=counts)
