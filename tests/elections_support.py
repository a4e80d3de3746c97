"""Shared data builders for the election tests (no tests here; named test_* to stay in the elections test files)."""

import datetime

from elections.models import ElectoralPhase, Phase, SecurityPlan
from missions.models import Location
from tests.factories import (
    ElectionPlanFactory,
    IncidentFactory,
    MilestoneFactory,
    PollingSiteFactory,
    SecurityPlanFactory,
    SecurityTaskFactory,
    ThreatFactory,
    TransportLegFactory,
)

UTC = datetime.UTC

# One electoral cycle that keeps polling on 2027-03-14 inside its phase.
CYCLE = {
    Phase.LEGAL_FRAMEWORK: (datetime.date(2026, 6, 1), datetime.date(2026, 9, 30)),
    Phase.VOTER_REGISTRATION: (datetime.date(2026, 9, 1), datetime.date(2026, 12, 15)),
    Phase.CANDIDATE_NOMINATION: (datetime.date(2026, 12, 1), datetime.date(2027, 1, 31)),
    Phase.CAMPAIGN: (datetime.date(2027, 2, 1), datetime.date(2027, 3, 12)),
    Phase.POLLING: (datetime.date(2027, 3, 13), datetime.date(2027, 3, 15)),
    Phase.COUNTING: (datetime.date(2027, 3, 14), datetime.date(2027, 3, 31)),
    Phase.DISPUTES: (datetime.date(2027, 3, 20), datetime.date(2027, 5, 31)),
    Phase.TRANSITION: (datetime.date(2027, 4, 1), datetime.date(2027, 6, 30)),
}


def build_election(mission, district, *, sites=3, status=SecurityPlan.Status.DRAFT):
    """An election plan with its cycle, a milestone, a security plan with sites, a threat, a task, a leg, an
    incident. Returns a dict of the objects."""
    plan = ElectionPlanFactory(mission=mission, name="General elections 2027")
    for kind, (start, end) in CYCLE.items():
        ElectoralPhase.objects.create(plan=plan, kind=kind, start=start, end=end)
    milestone = MilestoneFactory(plan=plan)
    security = SecurityPlanFactory(election_plan=plan, status=status, summary="Concept of operations")
    site_objs = [
        PollingSiteFactory(security_plan=security, district=district, latitude=9 + i / 10, longitude=2 + i / 10)
        for i in range(sites)
    ]
    threat = ThreatFactory(security_plan=security, district=district, likelihood=4, impact=4)
    threat.sites.add(site_objs[0])
    task = SecurityTaskFactory(security_plan=security, site=site_objs[0])
    leg = TransportLegFactory(security_plan=security, escort=task)
    incident = IncidentFactory(election_plan=plan, district=district, site_code=site_objs[0].code)
    return {
        "plan": plan,
        "milestone": milestone,
        "security": security,
        "sites": site_objs,
        "site": site_objs[0],
        "threat": threat,
        "task": task,
        "leg": leg,
        "incident": incident,
    }


def second_district(mission):
    return Location.objects.create(mission=mission, name="Southern District", level=Location.Level.DISTRICT)
