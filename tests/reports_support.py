"""Shared fixtures and data builders of the reports tests (no tests here).

Report generation is a Celery task. In the suite it runs in-process (eager), whatever the broker
settings, except in tests/test_reports_live_worker.py which starts a real worker.
"""

import datetime

import pytest

from benchmarks.models import Indicator, IndicatorValue, Risk, Status, Term
from config.celery import app
from elections.models import Milestone
from tests.factories import (
    AssessmentFactory,
    BenchmarkFactory,
    ElectionPlanFactory,
    EngagementFactory,
    OutputFactory,
)

PERIOD_START = datetime.date(2026, 1, 1)
PERIOD_END = datetime.date(2026, 3, 31)


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process for this test, even when CELERY_BROKER_URL points at Redis."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def build_plan(mission, user, components, *, outputs=2, benchmarks_per_term=1, evidence="Field visit report."):
    """A results framework with assessments before and within the period, indicators, risks, an election.

    Each benchmark has an assessment before the period (on track) and one within it: every other one
    turns off track, so the changes table has rows. Returns the list of benchmarks.
    """
    lead = next(iter(components.values())) if components else None
    created = []
    for o in range(outputs):
        output = OutputFactory(mission=mission, title=f"Output {o + 1}", order=o, lead_component=lead)
        for term in Term.values:
            for _ in range(benchmarks_per_term):
                b = BenchmarkFactory(output=output, term=term, lead_component=lead)
                AssessmentFactory(benchmark=b, assessed_on=datetime.date(2025, 12, 1), status=Status.ON_TRACK,
                                  progress=30, assessed_by=user)  # fmt: skip
                new_status = Status.OFF_TRACK if len(created) % 2 else Status.ON_TRACK
                AssessmentFactory(benchmark=b, assessed_on=datetime.date(2026, 2, 15), status=new_status,
                                  progress=45, evidence=evidence, assessed_by=user)  # fmt: skip
                created.append(b)
        indicator = Indicator.objects.create(output=output, name=f"Indicator {o}", baseline=10, target=50, unit="%")
        IndicatorValue.objects.create(
            indicator=indicator, period_start=PERIOD_START, period_end=datetime.date(2026, 1, 31), actual=30
        )
        Risk.objects.create(output=output, title=f"Risk {o}", likelihood=4, impact=5, mitigation="Mitigate.")
    election = ElectionPlanFactory(mission=mission)
    Milestone.objects.create(plan=election, phase="polling", title="Ballots printed", due_date=PERIOD_END)
    return created


def build_engagements(mission, component, partners, user, *, count=2, summary="Met the women's network."):
    return [
        EngagementFactory(mission=mission, component=component, partners=partners, created_by=user,
                          date=datetime.date(2026, 2, 1), summary=summary, participants_women=3)
        for _ in range(count)
    ]  # fmt: skip
