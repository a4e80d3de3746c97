"""Two revisions of a security plan compared, item by item."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from elections.models import (
    PollingSite,
    RiskLevel,
    SecurityPlan,
    SecurityTask,
    Threat,
    TransportLeg,
)
from missions.formats import format_moment


@dataclass
class ItemChange:
    uid: str
    label: str
    changes: list[tuple[str, str, str]]  # (field label, before, after)


@dataclass
class KindDiff:
    name: str
    added: list[str]
    removed: list[str]
    changed: list[ItemChange]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _display(obj, name: str) -> str:
    if name == "sites":
        return ", ".join(sorted(s.code for s in obj.sites.all()))
    if name == "risk_level":
        return str(RiskLevel(obj.risk_level).label)
    field_ = obj._meta.get_field(name)
    if field_.is_relation:
        related = getattr(obj, name)
        return str(related) if related is not None else "—"
    if field_.choices:
        return str(getattr(obj, f"get_{name}_display")())
    value = getattr(obj, name)
    if isinstance(value, datetime.datetime):
        value = format_moment(value)
    return "—" if value in (None, "") else str(value)


COMPARED = {
    PollingSite: (
        ["code", "name", "district", "locality", "latitude", "longitude", "registered_voters", "risk_level"]
        + ["risk_override", "risk_reason"],
        ["district"],
    ),
    Threat: (
        ["actor", "threat_type", "district", "likelihood", "impact", "sites", "description", "mitigation"],
        ["district"],
    ),
    SecurityTask: (
        ["task_type", "provider", "component", "site", "district", "phase", "start", "end", "description"],
        ["component", "site", "district"],
    ),
    TransportLeg: (["materials", "origin", "destination", "departs_at", "arrives_at", "escort"], ["escort"]),
}


def _label(model, name: str) -> str:
    if name == "risk_level":
        return str(_("risk level"))
    return str(model._meta.get_field(name).verbose_name)


def compare_revisions(old: SecurityPlan, new: SecurityPlan) -> list[KindDiff]:
    """What changed from `old` to `new`, item by item (matched by `uid`), with field-level changes.

    Two queries per kind of item (plus two for the sites of threats), whatever their number.
    """
    diffs = []
    for model, (fields, related) in COMPARED.items():

        def load(plan, model=model, related=related):
            qs = model.objects.filter(security_plan=plan).select_related(*related)
            if model is Threat:
                qs = qs.prefetch_related("sites")
            return {item.uid: item for item in qs}

        before, after = load(old), load(new)
        added = sorted(str(after[uid]) for uid in after.keys() - before.keys())
        removed = sorted(str(before[uid]) for uid in before.keys() - after.keys())
        changed = []
        for uid in before.keys() & after.keys():
            a, b = before[uid], after[uid]
            changes = [
                (_label(model, f), _display(a, f), _display(b, f)) for f in fields if _display(a, f) != _display(b, f)
            ]
            if changes:
                changed.append(ItemChange(uid=str(uid), label=str(b), changes=changes))
        changed.sort(key=lambda c: c.label)
        diffs.append(KindDiff(name=str(model._meta.verbose_name_plural), added=added, removed=removed, changed=changed))
    return diffs
