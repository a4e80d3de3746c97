"""Reads of the results framework, shared by the pages, the API and the PDF reports.

Each selector runs a fixed number of queries whatever the size of the plan (the tests in
`tests/test_benchmarks_queries.py` pin the numbers at 10 and 2,000 benchmarks), and scopes what
it reads through `mandate.access`, so a report built for a user shows what that user may see.
The user is required: a trusted caller (a command, a task for the whole mission) passes
`access.SYSTEM`, which reads every row. `None` reads nothing (it used to mean "no filter", which
failed open).

- `Filters.from_params(request.GET)`: the dashboard filters, parsed without touching the database.
- `dashboard_data(mission, user, filters=None, page=1)`: outputs x terms x statuses, one page of rows.
- `status_counts(benchmarks, today)`: the dashboard's aggregate (GROUP BY output, term, current status).
- `benchmark_matrix(mission, user, filters=None)`: every filtered benchmark row, for exports and reports.
- `status_trend(mission, user, months=12, filters=None)`: statuses at each month end, one SQL aggregate.
- `output_detail(output, user)`: an output's activities, benchmarks, risks and indicators.
- `benchmark_detail(benchmark, user)`: a benchmark's assessment history, indicators and linked engagements.
- `indicator_table(indicator)`: baseline / target / actual per period of one indicator (prefetched values).
- `risk_register(mission, user, output=None)`: the active risks and their likelihood x impact grid.
- `district_statuses(mission, user, filters, region_id=None)`: benchmarks by status per district (the map).

One module a sub-domain; this package re-exports them all.
"""

from benchmarks.selectors.areas import WORST_FIRST, DistrictStatuses, district_statuses
from benchmarks.selectors.dashboard import (
    Cell,
    Dashboard,
    OutputSummary,
    benchmark_matrix,
    dashboard_data,
    status_counts,
)
from benchmarks.selectors.detail import BenchmarkDetail, OutputDetail, benchmark_detail, output_detail
from benchmarks.selectors.indicators import IndicatorTable, indicator_table
from benchmarks.selectors.risks import RiskRegister, risk_register
from benchmarks.selectors.scope import (
    PAGE_SIZE,
    STATUS_VALUES,
    TERM_ORDER,
    Filters,
    active_benchmarks,
    indicator_to_report_q,
    is_overdue,
    overdue_q,
    reporting_period,
    risk_review_overdue_q,
)
from benchmarks.selectors.trend import Trend, month_ends, status_trend

__all__ = [
    "WORST_FIRST",
    "DistrictStatuses",
    "district_statuses",
    "TERM_ORDER",
    "STATUS_VALUES",
    "PAGE_SIZE",
    "Filters",
    "overdue_q",
    "is_overdue",
    "risk_review_overdue_q",
    "reporting_period",
    "indicator_to_report_q",
    "active_benchmarks",
    "Cell",
    "OutputSummary",
    "Dashboard",
    "dashboard_data",
    "status_counts",
    "benchmark_matrix",
    "Trend",
    "month_ends",
    "status_trend",
    "IndicatorTable",
    "indicator_table",
    "OutputDetail",
    "output_detail",
    "BenchmarkDetail",
    "benchmark_detail",
    "RiskRegister",
    "risk_register",
]
