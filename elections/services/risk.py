"""The suggested risk of polling sites, from threats, site severities and recent incidents."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from elections.models import (
    Incident,
    PollingSite,
    RiskLevel,
    SecurityPlan,
    Threat,
)

RISK_ORDER = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL]


# Likelihood x impact (1..25) thresholds for medium, high and critical.
RISK_SCORE_THRESHOLDS = (6, 12, 20)


# A district with this many incidents in the window raises the risk of all its sites by one level.
DISTRICT_INCIDENTS_FOR_RAISE = 3


def incident_window_days() -> int:
    return getattr(settings, "ELECTIONS_INCIDENT_WINDOW_DAYS", 30)


def suggest_risk(*, threat_scores: Iterable[int], site_severities: Iterable[int], district_incidents: int) -> RiskLevel:
    """The suggested risk of one site.

    Start from its worst threat (likelihood x impact of the threats linked to the site or to its
    district): below 6 low, 6-11 medium, 12-19 high, 20-25 critical. Then one level up if the site had
    an incident in the window, one more if one of them was serious or critical; else one level up if
    its district had `DISTRICT_INCIDENTS_FOR_RAISE` incidents or more. Never above critical.
    """
    score = max(threat_scores, default=0)
    level = sum(score >= t for t in RISK_SCORE_THRESHOLDS)
    severities = list(site_severities)
    if severities:
        level += 1 + (max(severities) >= Incident.Severity.SERIOUS)
    elif district_incidents >= DISTRICT_INCIDENTS_FOR_RAISE:
        level += 1
    return RISK_ORDER[min(level, len(RISK_ORDER) - 1)]


def site_risk_refresh(*, security_plan: SecurityPlan, site_ids: Iterable[int] | None = None) -> int:
    """Recompute `suggested_risk` for the plan's sites (or some of them); returns how many changed.

    Four queries whatever the number of sites, plus batched updates of the changed rows. The
    suggestion is derived data, so it is updated without history records (overrides have history).
    """
    window_start = timezone.now() - datetime.timedelta(days=incident_window_days())
    sites = PollingSite.objects.filter(security_plan=security_plan)
    if site_ids is not None:
        sites = sites.filter(pk__in=list(site_ids))
    sites = list(sites.only("pk", "code", "district_id", "suggested_risk"))
    if not sites:
        return 0
    by_district: dict[int, list[int]] = defaultdict(list)
    scores_by_threat: dict[int, int] = {}
    for threat_id, district_id, likelihood, impact in Threat.objects.filter(security_plan=security_plan).values_list(
        "pk", "district_id", "likelihood", "impact"
    ):
        scores_by_threat[threat_id] = likelihood * impact
        if district_id:
            by_district[district_id].append(likelihood * impact)
    by_site: dict[int, list[int]] = defaultdict(list)
    for threat_id, site_id in Threat.sites.through.objects.filter(threat__security_plan=security_plan).values_list(
        "threat_id", "pollingsite_id"
    ):
        by_site[site_id].append(scores_by_threat[threat_id])
    severities_by_code: dict[str, list[int]] = defaultdict(list)
    incidents_by_district: dict[int, int] = defaultdict(int)
    for code, district_id, severity in Incident.objects.filter(
        election_plan_id=security_plan.election_plan_id, occurred_at__gte=window_start
    ).values_list("site_code", "district_id", "severity"):
        if code:
            severities_by_code[code.casefold()].append(severity)
        incidents_by_district[district_id] += 1
    changed = []
    for site in sites:
        level = suggest_risk(
            threat_scores=by_site[site.pk] + by_district[site.district_id],
            site_severities=severities_by_code.get(site.code.casefold(), []),
            district_incidents=incidents_by_district[site.district_id],
        )
        if level != site.suggested_risk:
            site.suggested_risk = level
            changed.append(site)
    PollingSite.objects.bulk_update(changed, ["suggested_risk"], batch_size=1000)
    return len(changed)


def _refresh_open_plans(election_plan_id: int) -> None:
    # Incidents belong to the election: they move the suggestion of every revision still being edited.
    for plan in SecurityPlan.objects.filter(
        election_plan_id=election_plan_id,
        status__in=[SecurityPlan.Status.DRAFT, SecurityPlan.Status.RETURNED],
    ):
        site_risk_refresh(security_plan=plan)
