"""Pages of a security plan's threats, security tasks and transport legs, and deleting any plan item."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from elections import forms, selectors, services
from elections.models import (
    PollingSite,
    SecurityTask,
    Threat,
    TransportLeg,
)
from elections.views._helpers import _form_page, _item, _make_form, _page, _security_plan, report_risk_changes
from mandate import access
from mandate.access import Action
from missions.concurrency import ConcurrentEditError
from missions.deletion import DeletionNeedsConfirmation
from missions.edit import posted_version


@login_required
def threat_list(request, pk):
    plan = _security_plan(request.user, pk)
    return render(
        request,
        "elections/threats.html",
        {
            "plan": plan,
            "page": _page(request, selectors.threats_of(plan)),
            "can_add": access.can_add(request.user, Threat, plan),
        },
    )


@login_required
def threat_create(request, pk):
    plan = _security_plan(request.user, pk)
    access.require_add(request.user, Threat, plan)
    form = _make_form(
        forms.ThreatForm, request, instance=Threat(security_plan=plan), mission_id=plan.election_plan.mission_id
    )
    return _form_page(
        request,
        form=form,
        save=lambda f: services.threat_create(
            security_plan=plan, user=request.user, data=f.service_fields(), sites=f.sites
        ),
        title=_("New threat"),
        back_url=reverse("elections:threat-list", args=[plan.pk]),
        success=_("Threat added."),
    )


@login_required
def threat_edit(request, pk):
    threat = _item(request, Threat, pk)
    form = _make_form(
        forms.ThreatForm, request, instance=threat, mission_id=threat.security_plan.election_plan.mission_id
    )
    return _form_page(
        request,
        form=form,
        save=lambda f: services.threat_update(
            threat=threat,
            user=request.user,
            expected_version=f.cleaned_data["version"],
            data=f.service_fields(),
            sites=f.sites,
        ),
        title=_("Edit threat"),
        back_url=reverse("elections:threat-list", args=[threat.security_plan_id]),
        success=_("Threat saved."),
        delete_url=reverse("elections:item-delete", args=["threat", threat.pk]),
    )


@login_required
def task_list(request, pk):
    plan = _security_plan(request.user, pk)
    filter_form = forms.TaskFilterForm(request.GET or None, mission_id=plan.election_plan.mission_id)
    user = request.user
    page = _page(request, selectors.tasks_of(plan, **filter_form.selection()))
    query = request.GET.copy()
    query.pop("page", None)
    for task in page:
        task.editable = access.can(user, Action.EDIT, task)
    return render(
        request,
        "elections/tasks.html",
        {
            "plan": plan,
            "page": page,
            "filter_form": filter_form,
            "query": query.urlencode(),
            "can_add": access.can_add_task(user, plan),
        },
    )


@login_required
def task_create(request, pk):
    plan = _security_plan(request.user, pk)
    mission_id = plan.election_plan.mission_id
    task = SecurityTask(security_plan=plan)
    form = _make_form(forms.SecurityTaskForm, request, instance=task, user=request.user, mission_id=mission_id)
    if not access.can_add_task(request.user, plan):
        raise PermissionDenied(access.locked_reason(plan))
    return _form_page(
        request,
        form=form,
        save=lambda f: services.security_task_create(security_plan=plan, user=request.user, data=f.service_fields()),
        title=_("New security task"),
        back_url=reverse("elections:task-list", args=[plan.pk]),
        success=_("Security task added."),
    )


@login_required
def task_edit(request, pk):
    task = _item(request, SecurityTask, pk)
    form = _make_form(
        forms.SecurityTaskForm,
        request,
        instance=task,
        user=request.user,
        mission_id=task.security_plan.election_plan.mission_id,
    )
    return _form_page(
        request,
        form=form,
        save=lambda f: services.security_task_update(
            task=task, user=request.user, expected_version=f.cleaned_data["version"], data=f.service_fields()
        ),
        title=_("Edit security task"),
        back_url=reverse("elections:task-list", args=[task.security_plan_id]),
        success=_("Security task saved."),
        delete_url=reverse("elections:item-delete", args=["task", task.pk]),
    )


@login_required
def leg_list(request, pk):
    plan = _security_plan(request.user, pk)
    return render(
        request,
        "elections/legs.html",
        {
            "plan": plan,
            "page": _page(request, selectors.legs_of(plan)),
            "can_add": access.can_add(request.user, TransportLeg, plan),
        },
    )


@login_required
def leg_create(request, pk):
    plan = _security_plan(request.user, pk)
    access.require_add(request.user, TransportLeg, plan)
    form = _make_form(forms.TransportLegForm, request, instance=TransportLeg(security_plan=plan))
    return _form_page(
        request,
        form=form,
        save=lambda f: services.transport_leg_create(security_plan=plan, user=request.user, data=f.service_fields()),
        title=_("New transport leg"),
        back_url=reverse("elections:leg-list", args=[plan.pk]),
        success=_("Transport leg added."),
    )


@login_required
def leg_edit(request, pk):
    leg = _item(request, TransportLeg, pk)
    form = _make_form(forms.TransportLegForm, request, instance=leg)
    return _form_page(
        request,
        form=form,
        save=lambda f: services.transport_leg_update(
            leg=leg, user=request.user, expected_version=f.cleaned_data["version"], data=f.service_fields()
        ),
        title=_("Edit transport leg"),
        back_url=reverse("elections:leg-list", args=[leg.security_plan_id]),
        success=_("Transport leg saved."),
        delete_url=reverse("elections:item-delete", args=["leg", leg.pk]),
    )


ITEM_KINDS = {
    "site": (PollingSite, "elections:site-list"),
    "threat": (Threat, "elections:threat-list"),
    "task": (SecurityTask, "elections:task-list"),
    "leg": (TransportLeg, "elections:leg-list"),
}


@login_required
@require_POST
def item_delete(request, kind, pk):
    if kind not in ITEM_KINDS:
        raise Http404
    model, list_name = ITEM_KINDS[kind]
    item = _item(request, model, pk)
    version = posted_version(request, required=True)
    try:
        changes = services.plan_item_delete(
            item=item,
            user=request.user,
            expected_version=version,
            confirmed=request.POST.get("confirm") == "1",
        )
    except ConcurrentEditError as exc:
        messages.error(request, str(exc))
    except DeletionNeedsConfirmation as exc:
        # Say what goes with it (a site's security tasks and transport legs) and ask again; nothing removed.
        return render(
            request,
            "elections/confirm_delete.html",
            {
                "item": item,
                "dependents": exc.dependents,
                "version": version,
                "delete_url": reverse("elections:item-delete", args=[kind, item.pk]),
                "back_url": reverse(list_name, args=[item.security_plan_id]),
            },
            status=409,
        )
    else:
        messages.success(request, _("%(item)s removed from this revision.") % {"item": item})
        report_risk_changes(request, changes if isinstance(item, Threat) else None)
    return redirect(list_name, pk=item.security_plan_id)
