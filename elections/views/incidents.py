"""Pages of an election's incident log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from elections import forms, selectors, services
from elections.models import (
    ElectionPlan,
    Incident,
)
from elections.views._helpers import _form_page, _make_form, _page
from mandate import access
from mandate.access import Action


def _incident_election(request, plan_pk) -> ElectionPlan:
    """The election whose incidents the user may see: security roles, or a grant on one of its plans."""
    plan = ElectionPlan.objects.filter(pk=plan_pk).first()
    if plan is None or not access.can_view_incidents(request.user, plan):
        raise Http404
    return plan


@login_required
def incident_list(request, plan_pk):
    plan = _incident_election(request, plan_pk)
    status = request.GET.get("status", "")
    status = status if status in Incident.Status.values else ""
    qs = access.scope(request.user, selectors.incidents_of(plan, status=status))
    return render(
        request,
        "elections/incidents.html",
        {
            "plan": plan,
            "page": _page(request, qs),
            "status": status,
            "statuses": Incident.Status.choices,
            "can_add": access.can_add(request.user, Incident, plan),
        },
    )


@login_required
def incident_create(request, plan_pk):
    plan = _incident_election(request, plan_pk)
    if not access.can_add(request.user, Incident, plan):
        raise PermissionDenied
    form = _make_form(forms.IncidentForm, request, instance=Incident(election_plan=plan), mission_id=plan.mission_id)
    return _form_page(
        request,
        form=form,
        save=lambda f: services.incident_create(election_plan=plan, user=request.user, data=f.service_fields()),
        title=_("Report an incident"),
        back_url=reverse("elections:incident-list", args=[plan.pk]),
        success=_("Incident recorded."),
    )


@login_required
def incident_edit(request, pk):
    incident = access.get_for_user(request.user, Incident.objects.select_related("election_plan"), pk, Action.EDIT)
    form = _make_form(forms.IncidentForm, request, instance=incident, mission_id=incident.election_plan.mission_id)
    return _form_page(
        request,
        form=form,
        save=lambda f: services.incident_update(
            incident=incident, user=request.user, expected_version=f.cleaned_data["version"], data=f.service_fields()
        ),
        title=_("Edit incident"),
        back_url=reverse("elections:incident-list", args=[incident.election_plan_id]),
        success=_("Incident saved."),
    )
