"""Every selector feeding a report runs a fixed number of queries, whatever the size of the mission.

Each test measures at two sizes and names the queries it expects.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from elections.models import Incident, SecurityTask, Threat
from mandate import access
from missions.models import Component
from reports import documents, selectors
from reports.models import Report, ReportKind
from tests.factories import ElectionPlanFactory, LocationFactory, PollingSiteFactory, SecurityPlanFactory
from tests.reports_support import PERIOD_END, PERIOD_START, build_engagements, build_plan

pytestmark = pytest.mark.django_db
Kind = Component.Kind
SINCE = datetime.date(2025, 12, 31)


def count(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def warm(user):
    access.memberships(user)  # cached on the user object after one query
    access._granted_security_plan_ids(user)  # guardian grants, cached likewise
    # The evidence on file names its targets by content type, which Django caches for the whole process.
    from django.contrib.contenttypes.models import ContentType

    from benchmarks.models import Assessment
    from narratives.models import Narrative
    from partners.models import Engagement

    ContentType.objects.get_for_models(Assessment, Narrative, Engagement)


def test_progress_report_data(mission, hom, components):
    warm(hom)

    def run():
        return selectors.progress_report_data(
            mission=mission, user=hom, period_start=PERIOD_START, period_end=PERIOD_END, since=SINCE
        )

    build_plan(mission, hom, components, outputs=1)
    small = count(run)
    build_plan(mission, hom, components, outputs=4, benchmarks_per_term=3)
    large = count(run)
    # outputs, benchmarks (+ assessment ids as of both dates), assessments, indicators, risks, elections
    assert small == large == 6
    assert len(run().rows) == 3 + 4 * 3 * 3


def test_partner_summary_data(mission, civilaffairs, components, partner_a, partner_b):
    warm(civilaffairs)

    def run():
        return selectors.partner_summary_data(
            mission=mission, user=civilaffairs, period_start=PERIOD_START, period_end=PERIOD_END
        )

    component = components[Kind.CIVIL_AFFAIRS]
    build_engagements(mission, component, [partner_a], civilaffairs, count=1)
    small = count(run)
    build_engagements(mission, component, [partner_a, partner_b], civilaffairs, count=12)
    large = count(run)
    # engagements, their partners (prefetch), by type, by component, totals, partners engaged,
    # screening counts, follow-ups
    assert small == large == 8
    assert len(run().engagements) == 13


def _security_plan(mission, sites):
    election = ElectionPlanFactory(mission=mission)
    plan = SecurityPlanFactory(election_plan=election)
    district = LocationFactory(mission=mission)
    for _ in range(sites):
        site = PollingSiteFactory(security_plan=plan, district=district)
        SecurityTask.objects.create(
            security_plan=plan, task_type=SecurityTask.TaskType.STATIC_GUARD, provider="national_police",
            site=site, phase="polling", start=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC),
            end=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC),
        )  # fmt: skip
        Threat.objects.create(security_plan=plan, actor="Militia", threat_type="armed_group", likelihood=3, impact=4)
        Incident.objects.create(
            election_plan=election, occurred_at=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
            district=district, incident_type="violence", severity=2, description="Clash",
        )  # fmt: skip
    return election


def test_election_security_data(mission, electoral):
    warm(electoral)
    small_election = _security_plan(mission, sites=1)
    large_election = _security_plan(mission, sites=15)

    def run(election):
        return selectors.election_security_data(
            election=election, user=electoral, period_start=PERIOD_START, period_end=PERIOD_END
        )

    # the plan revision; readiness: sites by district/risk, uncovered sites, tasks per phase, sites per
    # phase, phase dates, open incidents by district, latest open incidents; threats; incidents; milestones
    assert count(lambda: run(small_election)) == count(lambda: run(large_election)) == 11
    assert run(large_election).readiness.total_sites == 15


@pytest.mark.parametrize("kind", [ReportKind.PROGRESS, ReportKind.PARTNER_SUMMARY])
def test_whole_report_body(kind, mission, hom, components, partner_a):
    """The body of a report, charts and tables included: the same queries for a small and a larger mission."""
    warm(hom)
    report = Report.objects.create(
        mission=mission, kind=kind, period_start=PERIOD_START, period_end=PERIOD_END, requested_by=hom
    )
    component = components[Kind.CIVIL_AFFAIRS]
    build_plan(mission, hom, components, outputs=1)
    build_engagements(mission, component, [partner_a], hom, count=1)
    small = count(lambda: documents.build_body(report, user=hom))
    build_plan(mission, hom, components, outputs=3, benchmarks_per_term=2)
    build_engagements(mission, component, [partner_a], hom, count=10)
    large = count(lambda: documents.build_body(report, user=hom))
    assert small == large
    # progress: previous report, 6 data queries, 12-month trend, partnership indicators by output (2: the
    # outputs, the quarter's monthly summary rows, partners.summaries), the period's narratives and the
    # HoM's overview (2), the evidence on file (1; the assessments and engagements it supports are one more
    # query each when there are files on them);
    # partner summary: 8 data queries, partnership indicators by output (2)
    assert large == {ReportKind.PROGRESS: 13, ReportKind.PARTNER_SUMMARY: 10}[kind]


def test_report_list(mission, hom, hq):
    warm(hq)

    def run():
        return list(selectors.report_list(user=hq, mission=mission))

    def make(n):
        for _ in range(n):
            Report.objects.create(
                mission=mission, kind=ReportKind.PROGRESS, period_start=PERIOD_START, period_end=PERIOD_END,
                requested_by=hom, state=Report.State.DONE, approval=Report.Approval.RELEASED, sha256="0" * 64,
            )  # fmt: skip

    make(1)
    small = count(run)
    make(20)
    assert small == count(run) == 1  # the reports with requester, election and signatories joined
    assert len(run()) == 21
