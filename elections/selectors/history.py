"""The history of an election plan and its security plans, as readable entries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    CharField,
    F,
    Q,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat

from elections.models import (
    ElectionPlan,
    ElectoralPhase,
    Incident,
    Milestone,
    PollingSite,
    RiskLevel,
    SecurityPlan,
    SecurityTask,
    Threat,
    TransportLeg,
)
from missions.formats import format_moment


@dataclass
class HistoryEntry:
    when: datetime.datetime
    kind: str
    label: str
    action: str
    user: str
    object_id: int
    changes: list[tuple[str, str, str]]
    reason: str = ""  # why an automatic change happened, e.g. "threat T-12 added"


def _history_sources(election_plan: ElectionPlan, *, include_security: bool):
    plan_ids = list(
        SecurityPlan.history.filter(election_plan_id=election_plan.pk).values_list("id", flat=True).distinct()
    )
    sources = [
        (ElectionPlan, Q(id=election_plan.pk), Cast("name", CharField())),
        (ElectoralPhase, Q(plan_id=election_plan.pk), Cast("kind", CharField())),
        (Milestone, Q(plan_id=election_plan.pk), Cast("title", CharField())),
    ]
    if include_security:
        sources += [
            (SecurityPlan, Q(id__in=plan_ids), Concat(Value("rev. "), Cast("revision", CharField()))),
            (PollingSite, Q(security_plan_id__in=plan_ids), Concat("code", Value(" "), "name")),
            (Threat, Q(security_plan_id__in=plan_ids), Cast("actor", CharField())),
            (SecurityTask, Q(security_plan_id__in=plan_ids), Cast("task_type", CharField())),
            (TransportLeg, Q(security_plan_id__in=plan_ids), Cast("materials", CharField())),
            (Incident, Q(election_plan_id=election_plan.pk), Cast("incident_type", CharField())),
        ]
    return sources


# A site's suggested risk is shown: each automatic re-rating is a history record with its cause.
HISTORY_IGNORED = {"version", "updated_at", "created_at"}


ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def plan_history(election_plan: ElectionPlan, *, include_security: bool, offset: int = 0, limit: int = 50):
    """(total, entries) of the history of an election plan and everything in it, newest first.

    One UNION query for the page, one for the count, one for user names, and one per kind of record on
    the page to compute what each change changed.
    """
    from django.contrib.auth import get_user_model

    parts = []
    models_by_kind = {}
    for model, q, label in _history_sources(election_plan, include_security=include_security):
        kind = model._meta.model_name
        models_by_kind[kind] = model
        parts.append(
            model.history.filter(q)
            .annotate(
                h_id=F("history_id"),
                h_date=F("history_date"),
                h_type=F("history_type"),
                h_user=F("history_user_id"),
                h_obj=F("id"),
                h_kind=Value(kind, output_field=CharField()),
                h_label=label,
                h_reason=Coalesce(F("history_change_reason"), Value("")),
            )
            .values("h_id", "h_date", "h_type", "h_user", "h_obj", "h_kind", "h_label", "h_reason")
            .order_by()
        )
    union = parts[0].union(*parts[1:], all=True)
    total = union.count()
    rows = list(union.order_by("-h_date")[offset : offset + limit])
    users = {
        u.pk: u.get_full_name() or u.username
        for u in get_user_model().objects.filter(pk__in={r["h_user"] for r in rows if r["h_user"]})
    }
    # Field-level changes: fetch, per kind, the records of the objects on this page up to the newest one.
    changes: dict[tuple[str, int], list] = {}
    wanted = defaultdict(set)
    for r in rows:
        if r["h_type"] == "~":
            wanted[r["h_kind"]].add(r["h_obj"])
    page_ids = {(r["h_kind"], r["h_id"]) for r in rows}
    for kind, ids in wanted.items():
        model = models_by_kind[kind]
        tracked = [
            f.attname for f in model._meta.concrete_fields if f.attname not in HISTORY_IGNORED and f.name != "id"
        ]
        previous = {}
        for record in model.history.filter(id__in=ids).order_by("id", "history_date", "history_id"):
            prior = previous.get(record.id)
            if (kind, record.history_id) in page_ids and prior is not None:
                changes[(kind, record.history_id)] = [
                    (
                        _history_label(model, name),
                        _history_value(model, name, prior),
                        _history_value(model, name, record),
                    )
                    for name in tracked
                    if getattr(prior, name) != getattr(record, name)
                ]
            previous[record.id] = record
    entries = [
        HistoryEntry(
            when=r["h_date"],
            kind=str(models_by_kind[r["h_kind"]]._meta.verbose_name),
            label=_label_display(models_by_kind[r["h_kind"]], r["h_label"]),
            action=ACTIONS.get(r["h_type"], r["h_type"]),
            user=users.get(r["h_user"], ""),
            object_id=r["h_obj"],
            changes=changes.get((r["h_kind"], r["h_id"]), []),
            reason=r["h_reason"],
        )
        for r in rows
    ]
    return total, entries


# Records whose label is a choice value, shown with its label.
LABEL_CHOICES = {ElectoralPhase: "kind", SecurityTask: "task_type", Incident: "incident_type"}


def _label_display(model, label: str) -> str:
    name = LABEL_CHOICES.get(model)
    return str(dict(model._meta.get_field(name).choices).get(label, label)) if name else label


def _history_label(model, attname: str) -> str:
    field = model._meta.get_field(attname.removesuffix("_id") if attname.endswith("_id") else attname)
    return str(field.verbose_name)


def _history_value(model, attname: str, record) -> str:
    """A historical value as people read it: choice labels, local times, related rows by number."""
    value = getattr(record, attname)
    if value in (None, ""):
        return "—"
    field = model._meta.get_field(attname.removesuffix("_id") if attname.endswith("_id") else attname)
    if field.choices:
        return str(dict(field.choices).get(value, value))
    if isinstance(value, datetime.datetime):
        return format_moment(value)
    if field.is_relation:
        return f"#{value}"
    return str(value)


@dataclass(frozen=True)
class RiskChangeRecord:
    code: str
    before: str
    after: str
    cause: str
    when: datetime.datetime


def risk_changes_since_submission(security_plan: SecurityPlan) -> list[RiskChangeRecord]:
    """The automatic re-ratings of a submitted revision's sites since it was submitted, oldest first.

    What the Head of Mission needs before approving: numbers that moved after the electoral component
    submitted them (an incident re-rates the sites of revisions awaiting a decision too). Two queries:
    the recent history records that carry a cause, then the records of those sites to know each "before".
    """
    if security_plan.status != SecurityPlan.Status.SUBMITTED or security_plan.submitted_at is None:
        return []
    records = PollingSite.history.model.objects
    recent = list(
        records.filter(security_plan_id=security_plan.pk, history_date__gt=security_plan.submitted_at, history_type="~")
        .exclude(history_change_reason__isnull=True)
        .exclude(history_change_reason="")
        .only("history_id", "id")
    )
    if not recent:
        return []
    wanted = {r.history_id for r in recent}
    before: dict[int, str] = {}
    result = []
    for record in (
        records.filter(id__in={r.id for r in recent})
        .order_by("id", "history_date", "history_id")
        .only("history_id", "id", "code", "suggested_risk", "history_change_reason", "history_date")
    ):
        previous = before.get(record.id)
        if record.history_id in wanted and previous is not None and previous != record.suggested_risk:
            result.append(
                RiskChangeRecord(
                    code=record.code,
                    before=RiskLevel(previous).label,
                    after=RiskLevel(record.suggested_risk).label,
                    cause=record.history_change_reason,
                    when=record.history_date,
                )
            )
        before[record.id] = record.suggested_risk
    return sorted(result, key=lambda r: r.when)
