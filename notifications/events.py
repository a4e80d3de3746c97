"""Who is told of each event, and what the notification stores.

Each handler takes the object of the event (re-read by id in the task) and returns the notification to
record: its kind, link, parameters, and recipients chosen through `mandate.access` (people who may see
the object and whose work it concerns). The actor is never told of their own action.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse

from mandate import access
from mandate.access import Action, Work
from notifications.models import Kind


@dataclass
class Told:
    kind: str
    url: str
    params: dict
    recipients: list


def _plan_params(plan) -> dict:
    return {"election": plan.election_plan.name, "revision": plan.revision}


def _plan_submitted(plan, actor):
    return Told(
        Kind.PLAN_SUBMITTED,
        reverse("elections:security-plan-detail", args=[plan.pk]),
        _plan_params(plan),
        access.users_who_may(Action.APPROVE, plan),
    )


def _plan_decided(kind):
    def handler(plan, actor):
        mission_id = access.mission_id_of(plan)

        def concerned(u):
            return u.pk == plan.submitted_by_id or Work.PLANS_RETURNED in access.work_areas(u, mission_id)

        return Told(
            kind,
            reverse("elections:security-plan-detail", args=[plan.pk]),
            _plan_params(plan),
            access.users_who_may(Action.VIEW, plan, among=concerned),
        )

    return handler


def _report_params(report) -> dict:
    # The kind and the period, not their words: the report is named in the reader's language when shown
    # (notifications.messages); `report` is that name in the actor's language, for a reader without them.
    return {
        "report": f"{report.get_kind_display()} {report.period_start.isoformat()} – {report.period_end.isoformat()}",
        "report_kind": report.kind,
        "start": report.period_start.isoformat(),
        "end": report.period_end.isoformat(),
    }


def _report_ready(report, actor):
    def concerned(u):
        # The requester; a scheduled report (nobody asked) goes to those who approve it.
        if report.requested_by_id is None:
            return access.can(u, Action.APPROVE, report)
        return u.pk == report.requested_by_id

    return Told(
        Kind.REPORT_READY,
        reverse("reports:detail", args=[report.pk]),
        _report_params(report),
        access.users_who_may(Action.VIEW, report, among=concerned),
    )


def _report_approved(report, actor):
    return Told(
        Kind.REPORT_APPROVED,
        reverse("reports:detail", args=[report.pk]),
        _report_params(report),
        access.users_who_may(Action.VIEW, report, among=lambda u: u.pk == report.requested_by_id),
    )


def _report_released(report, actor):
    mission_id = access.mission_id_of(report)

    def concerned(u):
        return u.pk == report.requested_by_id or Work.RELEASED_REPORTS in access.work_areas(u, mission_id)

    return Told(
        Kind.REPORT_RELEASED,
        reverse("reports:detail", args=[report.pk]),
        _report_params(report),
        access.users_who_may(Action.VIEW, report, among=concerned),
    )


def follow_up_link(follow_up, user) -> str:
    """Where a follow-up is done: the portal for a partner's focal point, else the engagement page."""
    if Work.PARTNER_FOLLOW_UPS in access.work_areas(user, access.mission_id_of(follow_up)):
        return f"{reverse('partners:portal')}#follow-up-{follow_up.pk}"
    return reverse("partners:engagement-detail", args=[follow_up.engagement_id])


def _follow_up_params(f) -> dict:
    return {"action": f.action[:200], "due": f.due_date.isoformat()}


def _follow_up_assigned(follow_up, actor):
    return Told(
        Kind.FOLLOW_UP_ASSIGNED,
        "",  # per recipient: see follow_up_link
        _follow_up_params(follow_up),
        access.users_who_may(Action.VIEW, follow_up, among=lambda u: access.is_assignee(u, follow_up)),
    )


def _follow_up_done(follow_up, actor):
    def concerned(u):
        return u.pk in {follow_up.owner_id, follow_up.engagement.created_by_id}

    return Told(
        Kind.FOLLOW_UP_DONE,
        "",
        _follow_up_params(follow_up),
        access.users_who_may(Action.VIEW, follow_up, among=concerned),
    )


def _narrative_params(narrative) -> dict:
    from narratives.selectors import Period

    # The period's key, not its label: the label is words ("Q4 2026", "T4 2026") in the reader's language.
    return {"output": narrative.output.title, "period": Period(narrative.period_start, narrative.period_end).key}


def _narrative_url(narrative) -> str:
    from narratives.selectors import Period

    period = Period(narrative.period_start, narrative.period_end)
    return reverse("narratives:narrative", args=[narrative.output_id, period.key])


def _narrative_submitted(narrative, actor):
    # Those who validate it: the MLT member who leads the output, and the HoM (access.can_validate_narrative).
    return Told(
        Kind.NARRATIVE_SUBMITTED,
        _narrative_url(narrative),
        _narrative_params(narrative),
        access.users_who_may(Action.VIEW, narrative, among=lambda u: access.can_validate_narrative(u, narrative)),
    )


def _narrative_reviewed(kind):
    def handler(narrative, actor):
        mission_id = access.mission_id_of(narrative)

        def concerned(u):
            # The writer, and the staff of the component that leads the output (who rewrite it when returned).
            return u.pk == narrative.written_by_id or (
                Work.NARRATIVES_RETURNED in access.work_areas(u, mission_id) and access.leads(u, narrative)
            )

        return Told(
            kind,
            _narrative_url(narrative),
            _narrative_params(narrative),
            access.users_who_may(Action.VIEW, narrative, among=concerned),
        )

    return handler


def _report_comment(comment, actor):
    """HQ's word (a comment, or HQ answering back) goes to the leadership who answer for the mission; the
    mission's answer goes to the HQ readers who wrote in the thread."""
    report = comment.report
    root = comment.parent or comment
    mission_id = access.mission_id_of(comment)
    params = {
        **_report_params(report),
        "author": comment.author.get_full_name() or comment.author.username,
    }
    url = f"{reverse('reports:detail', args=[report.pk])}#comment-{root.pk}"
    if access.can_comment_report(comment.author, report, answering=False):

        def answerers(u):
            return Work.REPORT_COMMENTS in access.work_areas(u, mission_id) and access.can_comment_report(
                u, report, answering=True
            )

        return Told(Kind.REPORT_COMMENT, url, params, access.users_who_may(Action.VIEW, comment, among=answerers))
    in_thread = {root.author_id, *root.answers.values_list("author_id", flat=True)}

    def readers(u):
        return u.pk in in_thread and access.can_comment_report(u, report, answering=False)

    return Told(Kind.COMMENT_ANSWERED, url, params, access.users_who_may(Action.VIEW, comment, among=readers))


HANDLERS = {
    "plan_submitted": ("elections.SecurityPlan", _plan_submitted),
    "plan_approved": ("elections.SecurityPlan", _plan_decided(Kind.PLAN_APPROVED)),
    "plan_returned": ("elections.SecurityPlan", _plan_decided(Kind.PLAN_RETURNED)),
    "report_ready": ("reports.Report", _report_ready),
    "report_approved": ("reports.Report", _report_approved),
    "report_released": ("reports.Report", _report_released),
    "follow_up_assigned": ("partners.FollowUp", _follow_up_assigned),
    "follow_up_done": ("partners.FollowUp", _follow_up_done),
    "narrative_submitted": ("narratives.Narrative", _narrative_submitted),
    "narrative_returned": ("narratives.Narrative", _narrative_reviewed(Kind.NARRATIVE_RETURNED)),
    "narrative_validated": ("narratives.Narrative", _narrative_reviewed(Kind.NARRATIVE_VALIDATED)),
    "report_comment": ("reports.ReportComment", _report_comment),
}


def event_record(*, event: str, object_id: int, actor_id: int | None, key: str) -> int:
    """Records the notifications of one event (idempotent: the event key makes each one once per person).
    Returns how many were new; 0 when the object is gone or the event unknown."""
    from notifications.services import notify

    if event not in HANDLERS:
        return 0
    label, handler = HANDLERS[event]
    obj = apps.get_model(label).objects.filter(pk=object_id).first()
    if obj is None:
        return 0
    told = handler(obj, actor_id)
    recipients = [u for u in told.recipients if u.pk != actor_id]
    event_key = f"{event}:{object_id}:{key}"
    mission_id = access.mission_id_of(obj)
    if told.url:
        return notify(kind=told.kind, mission=mission_id, event_key=event_key, url=told.url, params=told.params,
                      recipients=recipients)  # fmt: skip
    # The link depends on the person (portal or engagement page): one call per link.
    by_url: dict[str, list] = {}
    for u in recipients:
        by_url.setdefault(follow_up_link(obj, u), []).append(u)
    return sum(
        notify(kind=told.kind, mission=mission_id, event_key=event_key, url=url, params=told.params, recipients=people)
        for url, people in by_url.items()
    )
