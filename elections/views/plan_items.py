"""The lists of a security plan's threats, security tasks and transport legs, and deleting any plan item (their
new and edit pages: elections.views.records)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from elections import forms, selectors, services
from elections.models import (
    Threat,
)
from elections.views._helpers import _page, _security_plan, report_risk_changes
from elections.views.records import RECORDS, fetch_for_edit, may_add
from mandate import access
from mandate.access import Action
from missions.concurrency import ConcurrentEditError
from missions.deletion import DeletionNeedsConfirmation
from missions.edit import posted_version, return_url


def _item_list(request, pk, kind: str, template: str, rows):
    """A plain list of a revision's items of `kind`: `rows(plan)` paged, and whether the user may add one."""
    plan = _security_plan(request.user, pk)
    return render(
        request,
        template,
        {"plan": plan, "page": _page(request, rows(plan)), "can_add": may_add(request.user, kind, plan)},
    )


@login_required
def threat_list(request, pk):
    return _item_list(request, pk, "threat", "elections/threats.html", selectors.threats_of)


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
            "can_add": may_add(user, "task", plan),
        },
    )


@login_required
def leg_list(request, pk):
    return _item_list(request, pk, "leg", "elections/legs.html", selectors.legs_of)


@login_required
@require_POST
def item_delete(request, kind, pk):
    if kind not in RECORDS or not RECORDS[kind].deletable:
        raise Http404
    item = fetch_for_edit(request, kind, pk)
    back_url = return_url(request, reverse(RECORDS[kind].back, args=[item.security_plan_id]))  # the list's page
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
                "back_url": back_url,
            },
            status=409,
        )
    else:
        messages.success(request, _("%(item)s removed from this revision.") % {"item": item})
        report_risk_changes(request, changes if isinstance(item, Threat) else None)
    return redirect(back_url)
