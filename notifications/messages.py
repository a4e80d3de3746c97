"""The words of each kind of notification, rendered when shown or mailed, in the reader's language.

A notification stores only parameters (names, dates, revision numbers); this module turns them into a
sentence. For restricted kinds (security plans) the email uses `mail_text`, which names nothing.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from notifications.models import RESTRICTED_KINDS, Kind, Notification


def _due(params: dict) -> dict:
    """A due date is stored as ISO 8601 and read as "1 Dec 2026" / "1 déc. 2026"."""
    from missions.formats import format_day

    try:
        return {**params, "due": format_day(datetime.date.fromisoformat(params["due"]))}
    except (KeyError, TypeError, ValueError):
        return params


def _report(params: dict) -> dict:
    """A report named in the reader's language: "Progress report 1 Jan 2026 – 31 Mar 2026"."""
    from missions.formats import format_day
    from reports.models import ReportKind

    try:
        kind = ReportKind(params["report_kind"]).label
        start, end = (datetime.date.fromisoformat(params[key]) for key in ("start", "end"))
    except (KeyError, TypeError, ValueError):
        return params  # stored by an earlier release: its name as it was written
    return {**params, "report": f"{kind} {format_day(start)} – {format_day(end)}"}


def _period(params: dict) -> dict:
    """A reporting period is stored by its key ("2026-10-01_2026-12-31") and named in the reader's language;
    a label stored by an earlier release is shown as it is."""
    from narratives.selectors import Period

    period = Period.parse(params.get("period"))
    return {**params, "period": period.label} if period else params


TEXTS = {
    Kind.PLAN_SUBMITTED: lambda p: _("%(election)s: security plan revision %(revision)s awaits your decision.") % p,
    Kind.PLAN_APPROVED: lambda p: _("%(election)s: security plan revision %(revision)s was approved.") % p,
    Kind.PLAN_RETURNED: lambda p: (
        _("%(election)s: security plan revision %(revision)s was returned with comments.") % p
    ),
    Kind.REPORT_READY: lambda p: _("%(report)s is ready.") % _report(p),
    Kind.REPORT_APPROVED: lambda p: _("%(report)s was approved by the Head of Mission.") % _report(p),
    Kind.REPORT_RELEASED: lambda p: _("%(report)s was released to HQ.") % _report(p),
    Kind.FOLLOW_UP_ASSIGNED: lambda p: _("Follow-up assigned to you, due %(due)s: %(action)s") % _due(p),
    Kind.FOLLOW_UP_DONE: lambda p: _("Follow-up done: %(action)s") % p,
    Kind.FOLLOW_UP_DUE: lambda p: _("Follow-up due %(due)s: %(action)s") % _due(p),
    Kind.SCREENING_LAPSING: lambda p: (
        _("The due diligence screening of %(partner)s must be reviewed by %(due)s.") % _due(p)
    ),
    Kind.ASSESSMENT_OVERDUE: lambda p: _("Benchmark assessment due: %(benchmark)s") % p,
    Kind.NARRATIVE_SUBMITTED: lambda p: (
        _("%(output)s: the narrative for %(period)s awaits your validation.") % _period(p)
    ),
    Kind.NARRATIVE_RETURNED: lambda p: (
        _("%(output)s: the narrative for %(period)s was returned with comments.") % _period(p)
    ),
    Kind.NARRATIVE_VALIDATED: lambda p: _("%(output)s: the narrative for %(period)s was validated.") % _period(p),
    Kind.REPORT_COMMENT: lambda p: _("%(author)s commented on %(report)s.") % _report(p),
    Kind.COMMENT_ANSWERED: lambda p: _("%(author)s answered your comment on %(report)s.") % _report(p),
}

# What a restricted item's email says: that something awaits, never what.
MAIL_TEXTS = {
    Kind.PLAN_SUBMITTED: lambda p: _("A security plan awaits your decision."),
    Kind.PLAN_APPROVED: lambda p: _("A security plan was approved."),
    Kind.PLAN_RETURNED: lambda p: _("A security plan was returned with comments."),
}


def text(notification: Notification) -> str:
    """The sentence shown on the site."""
    try:
        return TEXTS[notification.kind](notification.params)
    except (KeyError, TypeError, ValueError):
        # A kind or parameter from another release: say something rather than fail the page.
        return str(Kind(notification.kind).label) if notification.kind in Kind.values else notification.kind


def mail_text(notification: Notification) -> str:
    """The sentence of the email: for restricted kinds, nothing that names the item."""
    if notification.kind in RESTRICTED_KINDS:
        return MAIL_TEXTS[notification.kind](notification.params)
    return text(notification)
