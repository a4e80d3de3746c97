"""The suggested risk of polling sites, from threats, site severities and recent incidents."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from elections.models import (
    Incident,
    PollingSite,
    RiskLevel,
    SecurityPlan,
    Threat,
)
from mandate import access

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


@dataclass(frozen=True)
class RiskChange:
    """One site whose suggested risk an automatic re-rating changed."""

    site_id: int
    code: str
    before: str
    after: str

    def __str__(self) -> str:
        return _("%(code)s: %(before)s → %(after)s") % {
            "code": self.code,
            "before": RiskLevel(self.before).label,
            "after": RiskLevel(self.after).label,
        }


IDS_IN_QUERY_MAX = 5000


def site_risk_refresh(
    *, security_plan: SecurityPlan, site_ids: Iterable[int] | None = None, cause: str = "", user=None
) -> list[RiskChange]:
    """Recompute `suggested_risk` for the plan's sites (or only `site_ids`); returns what changed.

    Callers pass the sites a write concerns (a threat's sites and district, an incident's site and
    district), never the whole plan for one threat. Every change is recorded in the site's history
    with `cause` (e.g. "threat T-12 added") as its reason and `user` as its author. Four queries
    whatever the number of sites, plus batched updates and history inserts of the changed rows.
    """
    sites = PollingSite.objects.filter(security_plan=security_plan)
    wanted = None if site_ids is None else set(site_ids)
    if wanted is not None and len(wanted) <= IDS_IN_QUERY_MAX:
        sites = sites.filter(pk__in=list(wanted))
    sites = list(sites.order_by("code"))
    if wanted is not None and len(wanted) > IDS_IN_QUERY_MAX:  # one pass over the plan, not a huge IN list
        sites = [site for site in sites if site.pk in wanted]
    if not sites:
        return []
    rate = site_risk_rater(security_plan)
    changed, changes = [], []
    for site in sites:
        level = rate(site)
        if level != site.suggested_risk:
            changes.append(RiskChange(site_id=site.pk, code=site.code, before=site.suggested_risk, after=level))
            site.suggested_risk = level
            changed.append(site)
    if changed:
        bulk_update_with_history(
            changed,
            PollingSite,
            ["suggested_risk"],
            batch_size=1000,
            default_user=access.history_user(user),
            default_change_reason=(cause or _("suggested risk re-rated"))[:100],
        )
    return changes


def site_risk_rater(security_plan: SecurityPlan):
    """The suggested risk of any site of the plan, saved or not: a function of the site, after three queries
    (the plan's threats, their sites, the election's recent incidents). An import rates its new sites with
    it before inserting them, so they are written once, already rated."""
    window_start = timezone.now() - datetime.timedelta(days=incident_window_days())
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

    def rate(site: PollingSite) -> str:
        return suggest_risk(
            threat_scores=(by_site[site.pk] if site.pk else []) + by_district[site.district_id],
            site_severities=severities_by_code.get(site.code.casefold(), []),
            district_incidents=incidents_by_district[site.district_id],
        )

    return rate


def sites_concerned_by_threat(threat: Threat) -> set[int]:
    """The sites a threat moves: those linked to it and those of its area (one query)."""
    q = Q(threats=threat)
    if threat.district_id:
        q |= Q(district_id=threat.district_id)
    return set(PollingSite.objects.filter(q, security_plan_id=threat.security_plan_id).values_list("pk", flat=True))


def refresh_for_incident(*, incident: Incident, before: tuple[str, int | None] | None, user, cause: str):
    """Re-rate, in every revision of the election still open or awaiting a decision, the sites an incident
    concerns: the site it names and the sites of its district (now and, for an edit, `before` it:
    (site code, district id)). Approved revisions are frozen and keep their ratings."""
    places = [(incident.site_code, incident.district_id)]
    if before is not None:
        places.append(before)
    q = Q(pk__in=[])
    for code, district_id in places:
        if code:
            q |= Q(code__iexact=code)
        if district_id:
            q |= Q(district_id=district_id)
    changes = []
    for plan in SecurityPlan.objects.filter(
        election_plan_id=incident.election_plan_id,
        status__in=[SecurityPlan.Status.DRAFT, SecurityPlan.Status.RETURNED, SecurityPlan.Status.SUBMITTED],
    ):
        site_ids = PollingSite.objects.filter(q, security_plan=plan).values_list("pk", flat=True)
        changes += site_risk_refresh(security_plan=plan, site_ids=list(site_ids), cause=cause, user=user)
    return changes
