"""Writes of the partners app. Views, the API and imports call these; none of them writes models directly.

Every service asks `mandate.access` first (PermissionDenied), validates (ValidationError with
field-level messages the forms and the API show), runs in one transaction, checks the editor's
version (`missions.concurrency.claim_version`) and leaves exactly one history record per change.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from benchmarks.models import Benchmark, OperationalOutput
from mandate import access
from missions.area_filter import check_area
from missions.concurrency import claim_version
from missions.events import announce
from missions.models import Component, Location, Mission
from partners import summaries
from partners.models import Contact, Engagement, FollowUp, Partner

PARTNER_FIELDS = (
    "name",
    "acronym",
    "partner_type",
    "district",
    "relationship",
    "description",
    "screening_status",
    "screening_date",
    "screening_review_due",
    "screening_notes",
)
CONTACT_FIELDS = ("name", "position", "phone", "email", "is_focal_point")


_require = access.require


def _save_with_history(instance, user, *, update_fields: Sequence[str] | None = None) -> None:
    instance._history_user = user
    instance.full_clean(validate_unique=True, validate_constraints=True)
    if update_fields is None:
        instance.save()
    else:
        instance.save(update_fields=[*update_fields, "version", "updated_at"])


def _check_same_mission(mission: Mission, field: str, objects: Iterable, attr: str = "mission_id") -> None:
    """Refuses related rows of another mission (forms limit choices; the API and imports need this check).

    The message names nothing: rows of another mission must not be told apart from unknown ones."""
    if any(o is not None and _resolve_attr(o, attr) != mission.pk for o in objects):
        raise ValidationError({field: _("Select a valid choice.")})


def _resolve_attr(obj, dotted: str):
    for step in dotted.split("."):
        obj = getattr(obj, step)
    return obj


# --- partners and contacts ----------------------------------------------------------------------


def _update(item, *, user, expected_version: int | None, fields: dict, editable: Sequence[str], check=None):
    """Change the `editable` fields of `item` that `fields` has (other keys are ignored), refused unless the user
    may edit it, on the version the editor started from; `check(item)` raises field errors before the save."""
    _require(access.can(user, access.Action.EDIT, item))
    claim_version(item, expected_version)
    changed = [k for k in fields if k in editable]
    for name in changed:
        setattr(item, name, fields[name])
    if check is not None:
        check(item)
    _save_with_history(item, user, update_fields=changed)
    return item


def _check_district(partner: Partner) -> None:
    _check_same_mission(partner.mission, "district", [partner.district])


@transaction.atomic
def partner_create(*, user, mission: Mission, **fields) -> Partner:
    """Registers a partner in `mission`. `fields` are among PARTNER_FIELDS."""
    _require(access.can_add(user, Partner, mission))
    partner = Partner(mission=mission, **{k: v for k, v in fields.items() if k in PARTNER_FIELDS})
    _check_district(partner)
    _save_with_history(partner, user)
    return partner


@transaction.atomic
def partner_update(*, user, partner: Partner, expected_version: int | None, **fields) -> Partner:
    """Changes a partner's profile or screening. Raises ConcurrentEditError when `expected_version` is stale."""
    old_type = partner.partner_type
    _update(
        partner,
        user=user,
        expected_version=expected_version,
        fields=fields,
        editable=PARTNER_FIELDS,
        check=_check_district,
    )
    if partner.partner_type != old_type:  # the overview counts engagements per partner type
        summaries.places_refresh(partner.mission_id, summaries.partner_places([partner.pk]))
    return partner


@transaction.atomic
def contact_create(*, user, partner: Partner, **fields) -> Contact:
    _require(access.can_add(user, Contact, partner))
    contact = Contact(partner=partner, **{k: v for k, v in fields.items() if k in CONTACT_FIELDS})
    _save_with_history(contact, user)
    return contact


@transaction.atomic
def contact_update(*, user, contact: Contact, expected_version: int | None, **fields) -> Contact:
    return _update(contact, user=user, expected_version=expected_version, fields=fields, editable=CONTACT_FIELDS)


@transaction.atomic
def contact_delete(*, user, contact: Contact, expected_version: int | None) -> None:
    """Remove a contact, if nobody changed it since `expected_version` (ConcurrentEditError otherwise)."""
    _require(access.can(user, access.Action.EDIT, contact))
    claim_version(contact, expected_version)
    contact._history_user = user
    contact.delete()


# --- due diligence ------------------------------------------------------------------------------


def due_diligence_refusals(*, engagement_type: str, partners: Iterable[Partner], on: datetime.date) -> list[str]:
    """Why each partner may not receive this engagement, under the human-rights due diligence policy.

    Support (Engagement.SUPPORT_TYPES) to a security institution needs a screening that is cleared
    (with or without mitigation measures) and not past its review date on `on`. Empty when allowed.
    """
    if engagement_type not in Engagement.SUPPORT_TYPES:
        return []
    reasons = []
    for p in partners:
        if p.partner_type != Partner.PartnerType.SECURITY_INSTITUTION or p.is_cleared_for_support(on):
            continue
        if p.screening_lapsed(on):
            reason = _("its due diligence screening expired: the review was due on %(due)s") % {
                "due": p.screening_review_due.isoformat()
            }
        else:
            reason = _("its due diligence screening is “%(status)s”") % {"status": p.get_screening_status_display()}
        reasons.append(
            _("%(partner)s is a security institution and %(reason)s; it cannot receive support (%(type)s).")
            % {"partner": p.name, "reason": reason, "type": Engagement.EngagementType(engagement_type).label}
        )
    return reasons


def _due_diligence_day(day: datetime.date) -> datetime.date:
    # Support is refused when the screening has lapsed by today, even for an engagement dated earlier:
    # backdating must not get around an expired screening. A planned engagement must be covered on its day.
    return max(day, timezone.localdate())


# --- engagements --------------------------------------------------------------------------------


@dataclass
class FollowUpInput:
    """One follow-up action of the engagement form or API: `id` for an existing one, `delete` to remove it."""

    action: str
    due_date: datetime.date
    owner: object | None = None
    partner: Partner | None = None
    id: int | None = None
    delete: bool = False


# What an engagement's editor fills, in the order the form shows it (the API's order too).
ENGAGEMENT_FIELDS = (
    "date",
    "engagement_type",
    "partners",
    "component",
    "district",
    "place",
    "officers",
    "participants_women",
    "participants_men",
    "participants_youth",
    "topics",
    "summary",
    "outcomes",
    "outputs",
    "benchmarks",
    "shareable",
)
ENGAGEMENT_LINKS = ("partners", "officers", "outputs", "benchmarks")  # many-to-many: the _Links
ENGAGEMENT_SCALARS = tuple(name for name in ENGAGEMENT_FIELDS if name not in ENGAGEMENT_LINKS)


@dataclass
class _Links:
    """An engagement's many-to-many sets as they are to be saved."""

    partners: list[Partner]
    officers: list
    outputs: list[OperationalOutput]
    benchmarks: list[Benchmark]


def _validate_engagement(
    engagement: Engagement,
    links: _Links,
    follow_ups: Sequence[FollowUpInput],
    *,
    new_partner_ids: set[int] | None,
    type_changed: bool,
) -> None:
    mission = engagement.mission
    partners, officers, outputs, benchmarks = links.partners, links.officers, links.outputs, links.benchmarks
    if not partners:
        raise ValidationError({"partners": _("Choose at least one partner.")})
    _check_same_mission(mission, "partners", partners)
    _check_same_mission(mission, "component", [engagement.component])
    problem = check_area(engagement.district, mission.pk)  # a region or a district of the mission
    if problem:
        raise ValidationError({"district": problem})
    _check_same_mission(mission, "outputs", outputs)
    _check_same_mission(mission, "benchmarks", benchmarks, attr="output.mission_id")
    if officers:
        allowed = set(
            access.mission_officers(mission.pk).filter(pk__in=[u.pk for u in officers]).values_list("pk", flat=True)
        )
        if any(u.pk not in allowed for u in officers):
            # Naming the user would tell who exists in other missions.
            raise ValidationError({"officers": _("Select a valid choice.")})
    # Only new support is checked on an edit: correcting the summary of an old training must stay possible
    # after its partner's screening lapsed.
    checked = partners if new_partner_ids is None or type_changed else [p for p in partners if p.pk in new_partner_ids]
    refusals = due_diligence_refusals(
        engagement_type=engagement.engagement_type, partners=checked, on=_due_diligence_day(engagement.date)
    )
    if refusals:
        raise ValidationError({"partners": refusals})
    partner_ids = {p.pk for p in partners}
    owners = [f.owner for f in follow_ups if f.owner is not None and not f.delete]
    allowed_owners = set(
        access.mission_officers(mission.pk).filter(pk__in=[u.pk for u in owners]).values_list("pk", flat=True)
    )
    errors = []
    for i, f in enumerate(follow_ups, start=1):
        if f.delete:
            continue
        if (f.owner is None) == (f.partner is None):
            errors.append(_("Follow-up %(n)s: give it an owner in the mission or one of the partners.") % {"n": i})
        elif f.partner is not None and f.partner.pk not in partner_ids:
            errors.append(
                # The form and the API offer only partners the user sees, so naming this one leaks nothing.
                _("Follow-up %(n)s: %(partner)s did not take part in this engagement.") % {"n": i, "partner": f.partner}
            )
        elif f.owner is not None and f.owner.pk not in allowed_owners:
            errors.append(_("Follow-up %(n)s: choose an owner among the mission's staff.") % {"n": i})
    if errors:
        raise ValidationError({"follow_ups": errors})


def _announce_assigned(follow_up: FollowUp, user) -> None:
    # Keyed by the assignee: a follow-up handed to someone else is a new assignment for them.
    announce("follow_up_assigned", obj=follow_up, actor=user, key=f"{follow_up.owner_id}-{follow_up.partner_id}")


def _sync_follow_ups(engagement: Engagement, follow_ups: Sequence[FollowUpInput], user) -> None:
    existing = {f.pk: f for f in engagement.follow_ups.all()} if engagement.pk else {}
    for item in follow_ups:
        if item.id is not None:
            current = existing.get(item.id)
            if current is None:
                raise ValidationError({"follow_ups": _("A follow-up does not belong to this engagement.")})
            current._history_user = user
            if item.delete:
                current.delete()
                continue
            changed = [
                name
                for name in ("action", "due_date", "owner", "partner")
                if getattr(current, name) != getattr(item, name)
            ]
            if changed:
                for name in changed:
                    setattr(current, name, getattr(item, name))
                current.version += 1
                current.save(update_fields=[*changed, "version", "updated_at"])
                if {"owner", "partner"} & set(changed):
                    _announce_assigned(current, user)
        elif not item.delete:
            created = FollowUp(
                engagement=engagement,
                action=item.action,
                due_date=item.due_date,
                owner=item.owner,
                partner=item.partner,
            )
            created._history_user = user
            created.full_clean(exclude=["engagement", "mission"])  # both the engagement's own
            created.save()
            _announce_assigned(created, user)


def _save_engagement(
    engagement: Engagement,
    *,
    user,
    links: _Links,
    follow_ups: Sequence[FollowUpInput],
    new_partner_ids: set[int] | None,
    type_changed: bool,
    update_fields: Sequence[str] | None,
    old_place: tuple[datetime.date, int | None] | None = None,
) -> None:
    """Validate (`_validate_engagement`: None for `new_partner_ids` checks every partner), then write the row
    (`update_fields`: the changed scalars, None for a new row), its links and its follow-ups, and bring
    the overview's summary up to date for its place before (`old_place`: date, area id) and after."""
    _validate_engagement(engagement, links, follow_ups, new_partner_ids=new_partner_ids, type_changed=type_changed)
    # The row and its many-to-many sets are written without history, then saved once more so that the
    # one history record of this change holds the final partners, outputs and benchmarks.
    engagement.skip_history_when_saving = True
    try:
        engagement.full_clean(exclude=["partners", "officers", "outputs", "benchmarks"])
        if update_fields is None:
            engagement.save()
        else:
            engagement.save(update_fields=[*update_fields, "version", "updated_at"])
        engagement.partners.set(links.partners)
        engagement.officers.set(links.officers)
        engagement.outputs.set(links.outputs)
        engagement.benchmarks.set(links.benchmarks)
    finally:
        del engagement.skip_history_when_saving
    engagement._history_user = user
    engagement.save(update_fields=["updated_at"])
    if update_fields is None:
        # That record is the row's first: it records the logging, not a change ("+", as a plain create has).
        engagement.history.filter(history_id=engagement.history.latest().history_id).update(history_type="+")
    _sync_follow_ups(engagement, follow_ups, user)
    summaries.places_refresh(engagement.mission_id, [old_place, _place(engagement)])


def _place(engagement: Engagement) -> tuple[datetime.date, int | None]:
    return engagement.date, engagement.district_id


@transaction.atomic
def engagement_create(
    *,
    user,
    mission: Mission,
    date: datetime.date,
    engagement_type: str,
    partners: Sequence[Partner],
    component: Component,
    summary: str,
    district: Location | None = None,
    officers: Sequence = (),
    place: str = "",
    participants_women: int = 0,
    participants_men: int = 0,
    participants_youth: int = 0,
    topics: str = "",
    outcomes: str = "",
    outputs: Sequence[OperationalOutput] = (),
    benchmarks: Sequence[Benchmark] = (),
    shareable: bool = False,
    follow_ups: Sequence[FollowUpInput] = (),
) -> Engagement:
    """Logs an engagement with its partners, links and follow-up actions, all or nothing.

    Refuses (ValidationError on `partners`) support to a security institution whose due diligence
    screening is not cleared or has lapsed; PermissionDenied when the user may not log for `component`.
    """
    _require(access.can_add(user, Engagement, mission, component=component))
    engagement = Engagement(
        mission=mission,
        created_by=user,
        date=date,
        engagement_type=engagement_type,
        component=component,
        district=district,
        place=place,
        participants_women=participants_women,
        participants_men=participants_men,
        participants_youth=participants_youth,
        topics=topics,
        summary=summary,
        outcomes=outcomes,
        shareable=shareable,
    )
    links = _Links(list(partners), list(officers), list(outputs), list(benchmarks))
    _save_engagement(
        engagement,
        user=user,
        links=links,
        follow_ups=follow_ups,
        new_partner_ids=None,
        type_changed=True,
        update_fields=None,
    )
    return engagement


@transaction.atomic
def engagement_update(
    *,
    user,
    engagement: Engagement,
    expected_version: int | None,
    partners: Sequence[Partner] | None = None,
    officers: Sequence | None = None,
    outputs: Sequence[OperationalOutput] | None = None,
    benchmarks: Sequence[Benchmark] | None = None,
    follow_ups: Sequence[FollowUpInput] = (),
    **fields,
) -> Engagement:
    """Changes an engagement. Omitted arguments keep their value; `fields` are among ENGAGEMENT_SCALARS.

    Raises ConcurrentEditError when `expected_version` is stale (someone saved in between), and the
    same due diligence refusal as `engagement_create` for partners added to, or a type changed into, support.
    """
    _require(access.can(user, access.Action.EDIT, engagement))
    if "component" in fields and fields["component"] != engagement.component:
        _require(access.can_add(user, Engagement, engagement.mission, component=fields["component"]))
    claim_version(engagement, expected_version)
    old_type, old_place = engagement.engagement_type, _place(engagement)
    old_partner_ids = set(engagement.partners.values_list("pk", flat=True))
    changed = [k for k in fields if k in ENGAGEMENT_SCALARS]
    for name in changed:
        setattr(engagement, name, fields[name])
    partners = list(engagement.partners.all()) if partners is None else list(partners)
    officers = list(engagement.officers.all()) if officers is None else list(officers)
    outputs = list(engagement.outputs.all()) if outputs is None else list(outputs)
    benchmarks = list(engagement.benchmarks.all()) if benchmarks is None else list(benchmarks)
    # A partner's follow-ups always belong to one of its engagements (the partner page and portal rely on it).
    removed = [i.id for i in follow_ups if i.id is not None and i.delete]
    stranded = (
        engagement.follow_ups.filter(status=FollowUp.Status.OPEN, partner__isnull=False)
        .exclude(partner__in=partners)
        .exclude(pk__in=removed)
        .select_related("partner")
    )
    if stranded:
        names = ", ".join(sorted({f.partner.name for f in stranded}))
        raise ValidationError(
            {
                "partners": _("%(names)s still has open follow-ups of this engagement: remove them first.")
                % {"names": names}
            }
        )
    _save_engagement(
        engagement,
        user=user,
        links=_Links(partners, officers, outputs, benchmarks),
        follow_ups=follow_ups,
        new_partner_ids={p.pk for p in partners} - old_partner_ids,
        type_changed=engagement.engagement_type != old_type or "date" in changed,
        update_fields=changed,
        old_place=old_place,
    )
    return engagement


# --- follow-ups ---------------------------------------------------------------------------------


@transaction.atomic
def follow_up_create(
    *, user, engagement: Engagement, action: str, due_date: datetime.date, owner=None, partner: Partner | None = None
) -> FollowUp:
    """Adds a follow-up action to an engagement after the fact (same rules as the engagement form)."""
    _require(access.can_add(user, FollowUp, engagement))
    item = FollowUpInput(action=action, due_date=due_date, owner=owner, partner=partner)
    links = _Links(partners=list(engagement.partners.all()), officers=[], outputs=[], benchmarks=[])
    _validate_engagement(engagement, links, [item], new_partner_ids=set(), type_changed=False)
    _sync_follow_ups(engagement, [item], user)
    summaries.places_refresh(engagement.mission_id, [_place(engagement)])
    return engagement.follow_ups.order_by("-id").first()


@transaction.atomic
def follow_up_complete(
    *, user, follow_up: FollowUp, comment: str = "", expected_version: int | None = None
) -> FollowUp:
    """Marks a follow-up done, by its mission owner, its engagement's component or the partner it is
    assigned to. PermissionDenied when already done or not theirs."""
    _require(access.can(user, access.Action.COMPLETE, follow_up))
    claim_version(follow_up, expected_version)
    follow_up.status = FollowUp.Status.DONE
    follow_up.completed_at = timezone.now()
    follow_up.completed_by = user
    follow_up.completion_comment = comment.strip()
    follow_up._history_user = user
    follow_up.save(
        update_fields=["status", "completed_at", "completed_by", "completion_comment", "version", "updated_at"]
    )
    summaries.places_refresh(follow_up.engagement.mission_id, [_place(follow_up.engagement)])
    announce("follow_up_done", obj=follow_up, actor=user, key="done")
    return follow_up


# --- import ---------------------------------------------------------------------------------------


@transaction.atomic
def partners_import(*, user, mission: Mission, creates: Sequence[Partner], updates: Sequence[tuple[int, dict]]) -> None:
    """Writes a validated partner import (partners.importers), all or nothing, with history.

    `creates` are unsaved partners of `mission`; `updates` are (partner id, {field: value}) changes, each
    bumping the partner's version so that an open edit form reports a conflict instead of overwriting.
    A name registered meanwhile raises IntegrityError (the unique constraint) and rolls everything back.
    """
    _require(access.can_add(user, Partner, mission))
    bulk_create_with_history(list(creates), Partner, batch_size=1000, default_user=access.history_user(user))
    if updates:
        partners = Partner.objects.filter(mission=mission).in_bulk([pk for pk, _changes in updates])
        retyped = [
            pk
            for pk, changes in updates
            if pk in partners and changes.get("partner_type", partners[pk].partner_type) != partners[pk].partner_type
        ]
        fields: set[str] = set()
        now = timezone.now()
        for pk, changes in updates:
            partner = partners.get(pk)
            if partner is None:
                raise IntegrityError(f"partner {pk} was deleted during the import")
            for name, value in changes.items():
                setattr(partner, f"{name}_id" if name == "district" else name, value)
                fields.add(name)
            partner.version += 1
            partner.updated_at = now
        bulk_update_with_history(
            list(partners.values()),
            Partner,
            [*fields, "version", "updated_at"],
            batch_size=500,
            default_user=access.history_user(user),
        )
        summaries.places_refresh(mission.pk, summaries.partner_places(retyped))
