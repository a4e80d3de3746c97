"""Reads of election support, shared by the pages, the API and the PDF reports.

Each selector runs a fixed number of queries whatever the number of sites (the tests count them at
two sizes). Callers authorise first (`missions.access`); selectors read what they are given.

For reports: `readiness(security_plan, district=None, region=None)` returns a `Readiness` with everything the
readiness page shows (see its docstring); `site_map_data` + `elections.maps.site_map` give the
offline SVG map of the sites.

One module a sub-domain; this package re-exports them all.
"""

from elections.selectors.history import (
    ACTIONS,
    HISTORY_IGNORED,
    LABEL_CHOICES,
    HistoryEntry,
    RiskChangeRecord,
    plan_history,
    risk_changes_since_submission,
)
from elections.selectors.maps import AGGREGATE_ABOVE, DistrictSites, SiteMapData, site_map_data
from elections.selectors.plans import (
    HIGH_OR_CRITICAL,
    HIGH_RISK,
    RISK_LEVELS,
    SITE_SEARCH_FIELDS,
    SUSPECT,
    SiteFilters,
    districts_of,
    effective_risk,
    election_plan_detail,
    election_plans_for,
    elections_benchmarks,
    filter_coordinates,
    has_task,
    incidents_of,
    legs_of,
    polling_sites,
    risk_rank,
    security_plans_for,
    task_count,
    tasks_of,
    threats_of,
)
from elections.selectors.readiness import (
    RECENT_INCIDENTS_LIMIT,
    UNCOVERED_LIMIT,
    DistrictReadiness,
    PhaseCoverage,
    Readiness,
    ReadinessGaps,
    readiness,
    readiness_gaps,
)
from elections.selectors.revisions import COMPARED, ItemChange, KindDiff, compare_revisions

__all__ = [
    "ReadinessGaps",
    "readiness_gaps",
    "RISK_LEVELS",
    "SITE_SEARCH_FIELDS",
    "HIGH_RISK",
    "HIGH_OR_CRITICAL",
    "effective_risk",
    "risk_rank",
    "has_task",
    "task_count",
    "election_plans_for",
    "security_plans_for",
    "elections_benchmarks",
    "districts_of",
    "SiteFilters",
    "SUSPECT",
    "filter_coordinates",
    "polling_sites",
    "threats_of",
    "tasks_of",
    "legs_of",
    "incidents_of",
    "election_plan_detail",
    "DistrictReadiness",
    "PhaseCoverage",
    "Readiness",
    "UNCOVERED_LIMIT",
    "RECENT_INCIDENTS_LIMIT",
    "readiness",
    "AGGREGATE_ABOVE",
    "DistrictSites",
    "SiteMapData",
    "site_map_data",
    "ItemChange",
    "KindDiff",
    "COMPARED",
    "compare_revisions",
    "HistoryEntry",
    "HISTORY_IGNORED",
    "ACTIONS",
    "plan_history",
    "RiskChangeRecord",
    "risk_changes_since_submission",
    "LABEL_CHOICES",
]
