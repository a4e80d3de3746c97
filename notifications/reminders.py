"""Reminders before things fall overdue, decided by the rules the pages use (one place for each rule):
`benchmarks.selectors.overdue_q` (assessment overdue days), `partners.models.follow_up_due_q`,
`partners.models.screening_lapsing_q`. Each reminder's event key names the state it reminds of (the
latest assessment, the due date, the review date), so a person is reminded once per state, however often
the beat task runs, and again when the state comes round again.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from benchmarks.selectors import active_benchmarks, overdue_q
from mandate import access
from mandate.access import Action, Work
from missions.models import Mission
from notifications.events import follow_up_link
from notifications.models import Kind
from notifications.services import Tell, notify_many
from partners.models import FollowUp, Partner, follow_up_due_q, screening_lapsing_q

ASSESSMENT_NOTICE_DAYS = 7  # remind a week before an assessment falls overdue (and when it is)
FOLLOW_UP_NOTICE_DAYS = 3


def _assessments(mission: Mission, members: list, today: datetime.date) -> list[Tell]:
    soon = today + datetime.timedelta(days=ASSESSMENT_NOTICE_DAYS)
    benchmarks = (
        active_benchmarks(mission, access.SYSTEM)
        .filter(overdue_q(soon))
        .select_related("output")
        .only("pk", "statement", "lead_component_id", "latest_assessment_id", "output__lead_component_id")
    )
    leaders = [u for u in members if Work.COMPONENT_PLAN in access.work_areas(u, mission.pk)]
    tells = []
    for b in benchmarks:
        key = f"assessment_overdue:{b.pk}:{b.latest_assessment_id or 'none'}"
        params = {"benchmark": b.statement[:200]}
        url = reverse("benchmarks:assess", args=[b.pk])
        tells += [Tell(u, Kind.ASSESSMENT_OVERDUE, mission.pk, key, url, params) for u in leaders if access.leads(u, b)]
    return tells


def _follow_ups(mission: Mission, members: list, today: datetime.date) -> list[Tell]:
    soon = today + datetime.timedelta(days=FOLLOW_UP_NOTICE_DAYS)
    tells = []
    for f in FollowUp.objects.filter(mission=mission).filter(follow_up_due_q(soon)):
        key = f"follow_up_due:{f.pk}:{f.due_date.isoformat()}"
        params = {"action": f.action[:200], "due": f.due_date.isoformat()}
        for u in members:
            if access.is_assignee(u, f) and access.can(u, Action.VIEW, f):
                tells.append(Tell(u, Kind.FOLLOW_UP_DUE, mission.pk, key, follow_up_link(f, u), params))
    return tells


def _screenings(mission: Mission, members: list, today: datetime.date) -> list[Tell]:
    keepers = [u for u in members if Work.SCREENINGS in access.work_areas(u, mission.pk)]
    tells = []
    for p in Partner.objects.filter(mission=mission).filter(screening_lapsing_q(today)):
        key = f"screening_lapsing:{p.pk}:{p.screening_review_due.isoformat()}"
        params = {"partner": p.name, "due": p.screening_review_due.isoformat()}
        url = reverse("partners:partner-detail", args=[p.pk])
        tells += [
            Tell(u, Kind.SCREENING_LAPSING, mission.pk, key, url, params)
            for u in keepers
            if access.can(u, Action.VIEW, p)
        ]
    return tells


def reminders_record(*, today: datetime.date | None = None) -> int:
    """Records the reminders due today in every mission; returns how many are new (0 on a second run)."""
    today = today or timezone.localdate()
    new = 0
    for mission in Mission.objects.all():
        members = access.members(mission.pk)
        tells = _assessments(mission, members, today) + _follow_ups(mission, members, today)
        tells += _screenings(mission, members, today)
        new += notify_many(tells)
    return new
