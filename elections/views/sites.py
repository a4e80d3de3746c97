"""Pages of a security plan's polling sites: the list, one site, and the import."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from elections import exports as site_exports
from elections import forms, selectors
from elections.models import (
    PollingSite,
)
from elections.services.site_import import SiteImporter
from elections.views._helpers import _page, _security_plan
from elections.views.records import fetch_for_edit, may_add, record_edit_page
from mandate import access
from mandate.import_views import upload_page


@login_required
def site_list(request, pk):
    plan = _security_plan(request.user, pk)
    filter_form = forms.SiteFilterForm(request.GET or None, mission_id=plan.election_plan.mission_id)
    filters = selectors.SiteFilters()
    if filter_form.is_valid():
        data = filter_form.cleaned_data
        filters = selectors.SiteFilters(
            district=data["district"].pk if data["district"] else None,
            risk=data["risk"],
            has_tasks={"yes": True, "no": False}.get(data["has_tasks"]),
            q=data["q"].strip(),
            coordinates=data["coordinates"],
        )
    page = _page(request, selectors.polling_sites(plan, filters))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "elections/sites.html",
        {
            "plan": plan,
            "page": page,
            "filter_form": filter_form,
            "query": query.urlencode(),
            "can_add": may_add(request.user, "site", plan),
            # One count on the partial index of suspect sites.
            "suspect_count": selectors.filter_coordinates(plan.sites.all(), selectors.SUSPECT).count(),
        },
    )


@login_required
def site_edit(request, pk):
    site = fetch_for_edit(request, "site", pk)
    return record_edit_page(
        request,
        "site",
        site,
        title=_("Edit polling site %(code)s") % {"code": site.code},
        extra={
            "suggested_risk": site.get_suggested_risk_display(),
            "coordinates_issue": site.get_coordinates_issue_display() if site.coordinates_issue else "",
            "coordinates_note": site.coordinates_note,
        },
    )


@login_required
def site_import(request, pk):
    """Step 1 of the polling-site import: the upload, which starts a job of the import pipeline
    (missions.pipeline); the job's pages match the columns, preview and import."""
    plan = _security_plan(request.user, pk)
    access.require_add(request.user, PollingSite, plan)
    return upload_page(
        request,
        mission=plan.election_plan.mission,
        kind=SiteImporter.kind,
        target_id=plan.pk,
        template="elections/import.html",
        context={"plan": plan},
    )


@login_required
def site_export(request, pk, fmt):
    """The revision's sites as CSV or XLSX, in the columns the import reads back unchanged."""
    plan = _security_plan(request.user, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    return site_exports.polling_sites_export(security_plan=plan, user=request.user, fmt=fmt)
