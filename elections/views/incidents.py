"""The list of an election's incidents (their new and edit pages: elections.views.records)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from elections import selectors
from elections.models import (
    Incident,
)
from elections.views._helpers import _page
from elections.views.records import incident_election, may_add
from mandate import access


@login_required
def incident_list(request, pk):
    plan = incident_election(request.user, pk)
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
            "can_add": may_add(request.user, "incident", plan),
        },
    )
