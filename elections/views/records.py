"""The new and edit pages of the records of an election and its security plans: one table, two views.

Milestones, incidents, polling sites, threats, security tasks and transport legs have the same two pages:
the parent (an election plan, or a security plan revision) or the record is fetched through mandate.access,
the form is built with what it needs, a service saves it through the one edit layer (`_form_page`: 409 on
a stale version), and the page goes back to where the record is listed. What differs between them is the
row of `RECORDS` for its kind; the URLs name the kind (`{"kind": "threat"}` in elections/urls.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from elections import forms, services
from elections.models import ElectionPlan, Incident, Milestone, PollingSite, SecurityTask, Threat, TransportLeg
from elections.views._helpers import _form_page, _make_form, _security_plan
from mandate import access
from mandate.access import Action


class Record(NamedTuple):
    """One kind of record and what its pages need. The kind's key in RECORDS is also the keyword that its
    update service takes the record by (`services.threat_update(threat=...)`)."""

    model: type[Model]
    form: type
    create: Callable  # service(<parent>=parent, user=, data=form.service_fields(), **save_args)
    update: Callable  # service(<kind>=record, user=, expected_version=, data=form.service_fields(), **save_args)
    parent: str  # the record's field holding its parent, as the create service names it too
    fetch_parent: Callable  # (user, pk) -> the parent the user may view, else 404
    back: str  # the URL name (taking the parent's pk) both pages go back to
    words: tuple  # the new page's title, its success message, the edit page's title, its success message
    form_args: tuple = ("mission_id",)  # what the form takes besides data and instance: "mission_id", "user"
    save_args: tuple = ()  # attributes of the validated form the services take too (a threat's sites)
    may_add: Callable | None = None  # (user, parent) -> bool; default access.can_add(user, model, parent)
    deletable: bool = True  # the edit page links to item-delete (the plan items)


def _election_plan(user, pk) -> ElectionPlan:
    return access.get_for_user(user, ElectionPlan, pk)


def incident_election(user, pk) -> ElectionPlan:
    """The election whose incidents the user may see: security roles, or a grant on one of its plans."""
    plan = ElectionPlan.objects.filter(pk=pk).first()
    if plan is None or not access.can_view_incidents(user, plan):
        raise Http404
    return plan


# One row a kind. Kept as rows (not one argument a line) so that the kinds can be read side by side.
# fmt: off
RECORDS = {
    "milestone": Record(
        model=Milestone, form=forms.MilestoneForm, parent="plan", fetch_parent=_election_plan,
        create=services.milestone_create, update=services.milestone_update, back="elections:plan-detail",
        words=(_("New milestone"), _("Milestone added."), _("Edit milestone"), _("Milestone saved.")),
        deletable=False,
    ),
    "incident": Record(
        model=Incident, form=forms.IncidentForm, parent="election_plan", fetch_parent=incident_election,
        create=services.incident_create, update=services.incident_update, back="elections:incident-list",
        words=(_("Report an incident"), _("Incident recorded."), _("Edit incident"), _("Incident saved.")),
        deletable=False,
    ),
    "site": Record(
        model=PollingSite, form=forms.PollingSiteForm, parent="security_plan", fetch_parent=_security_plan,
        create=services.polling_site_create, update=services.polling_site_update, back="elections:site-list",
        words=(_("New polling site"), _("Polling site added."), None, _("Polling site saved.")),  # site_edit
    ),
    "threat": Record(
        model=Threat, form=forms.ThreatForm, parent="security_plan", fetch_parent=_security_plan,
        create=services.threat_create, update=services.threat_update, back="elections:threat-list",
        words=(_("New threat"), _("Threat added."), _("Edit threat"), _("Threat saved.")),
        save_args=("sites",),
    ),
    "task": Record(
        model=SecurityTask, form=forms.SecurityTaskForm, parent="security_plan", fetch_parent=_security_plan,
        create=services.security_task_create, update=services.security_task_update, back="elections:task-list",
        words=(_("New security task"), _("Security task added."), _("Edit security task"), _("Security task saved.")),
        form_args=("user", "mission_id"), may_add=access.can_add_task,
    ),
    "leg": Record(
        model=TransportLeg, form=forms.TransportLegForm, parent="security_plan", fetch_parent=_security_plan,
        create=services.transport_leg_create, update=services.transport_leg_update, back="elections:leg-list",
        words=(_("New transport leg"), _("Transport leg added."), _("Edit transport leg"), _("Transport leg saved.")),
        form_args=(),
    ),
}
# fmt: on


def may_add(user, kind: str, parent) -> bool:
    """Whether the user may add a record of `kind` under `parent` (the lists' "add" button)."""
    record = RECORDS[kind]
    return record.may_add(user, parent) if record.may_add else access.can_add(user, record.model, parent)


def _form(record: Record, request, instance) -> forms.EditForm:
    args = {"user": request.user, "mission_id": access.mission_id_of(instance)}
    return _make_form(record.form, request, instance=instance, **{name: args[name] for name in record.form_args})


def _save_args(record: Record, form) -> dict:
    return {name: getattr(form, name) for name in record.save_args}


@login_required
def record_create(request, pk, kind):
    record = RECORDS[kind]
    parent = record.fetch_parent(request.user, pk)
    if not may_add(request.user, kind, parent):
        raise PermissionDenied(access.locked_reason(parent))
    form = _form(record, request, record.model(**{record.parent: parent}))
    new_title, added, _edit_title, _saved = record.words
    return _form_page(
        request,
        form=form,
        save=lambda f: record.create(
            **{record.parent: parent}, user=request.user, data=f.service_fields(), **_save_args(record, f)
        ),
        title=new_title,
        back_url=reverse(record.back, args=[parent.pk]),
        success=added,
    )


def record_edit_page(request, kind: str, obj, *, title=None, extra=None):
    """The edit page of `obj`, fetched for editing (`fetch_for_edit`); `title` and `extra` (context) when the
    kind's page says more (a polling site: its code, its suggested risk and coordinates)."""
    record = RECORDS[kind]
    _new_title, _added, edit_title, saved = record.words
    return _form_page(
        request,
        form=_form(record, request, obj),
        save=lambda f: record.update(
            **{kind: obj},
            user=request.user,
            expected_version=f.cleaned_data["version"],
            data=f.service_fields(),
            **_save_args(record, f),
        ),
        title=title or edit_title,
        back_url=reverse(record.back, args=[getattr(obj, f"{record.parent}_id")]),
        success=saved,
        extra=extra,
        delete_url=reverse("elections:item-delete", args=[kind, obj.pk]) if record.deletable else None,
    )


def fetch_for_edit(request, kind: str, pk):
    """The record the user may edit (404 outside their scope, 403 with the lock reason when it is locked),
    with the rows up to its mission fetched along."""
    model = RECORDS[kind].model
    related = access.MISSION_PATH[model].rsplit("__", 1)[0]
    return access.get_for_user(request.user, model.objects.select_related(related), pk, Action.EDIT)


@login_required
def record_edit(request, pk, kind):
    return record_edit_page(request, kind, fetch_for_edit(request, kind, pk))
