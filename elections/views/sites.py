"""Pages of a security plan's polling sites: the list, one site, and the import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from elections import forms, selectors, services
from elections.models import (
    PollingSite,
)
from elections.views._helpers import _form_page, _item, _make_form, _page, _security_plan
from mandate import access
from missions.imports import TableError, discard_stashed, open_stashed, read_table, stash_upload


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
            "can_add": access.can_add(request.user, PollingSite, plan),
        },
    )


@login_required
def site_create(request, pk):
    plan = _security_plan(request.user, pk)
    access.require_add(request.user, PollingSite, plan)
    form = _make_form(
        forms.PollingSiteForm,
        request,
        instance=PollingSite(security_plan=plan),
        mission_id=plan.election_plan.mission_id,
    )
    return _form_page(
        request,
        form=form,
        save=lambda f: services.polling_site_create(security_plan=plan, user=request.user, data=f.service_fields()),
        title=_("New polling site"),
        back_url=reverse("elections:site-list", args=[plan.pk]),
        success=_("Polling site added."),
    )


@login_required
def site_edit(request, pk):
    site = _item(request, PollingSite, pk)
    form = _make_form(
        forms.PollingSiteForm, request, instance=site, mission_id=site.security_plan.election_plan.mission_id
    )
    return _form_page(
        request,
        form=form,
        save=lambda f: services.polling_site_update(
            site=site, user=request.user, expected_version=f.cleaned_data["version"], data=f.service_fields()
        ),
        title=_("Edit polling site %(code)s") % {"code": site.code},
        back_url=reverse("elections:site-list", args=[site.security_plan_id]),
        success=_("Polling site saved."),
        extra={"suggested_risk": site.get_suggested_risk_display()},
        delete_url=reverse("elections:item-delete", args=["site", site.pk]),
    )


IMPORT_PREVIEW_ROWS = 20


def _import_key(plan) -> str:
    return f"elections-sites-{plan.pk}"


@login_required
def site_import(request, pk):
    """Upload -> preview (every row checked, nothing written; the file is kept for the confirmation)."""
    plan = _security_plan(request.user, pk)
    access.require_add(request.user, PollingSite, plan)
    form = forms.SiteImportForm(request.POST or None, request.FILES or None)
    context = {"plan": plan, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_table(upload, aliases=services.SITE_IMPORT_ALIASES)
        except TableError as exc:
            form.add_error("file", str(exc))
        else:
            report, sites = services.polling_sites_parse(security_plan=plan, rows=rows)
            if report.ok:
                stash_upload(request, _import_key(plan), upload)
            context.update(report=report, preview=sites[:IMPORT_PREVIEW_ROWS], file_name=upload.name)
    return render(request, "elections/import.html", context)


@login_required
@require_POST
def site_import_confirm(request, pk):
    plan = _security_plan(request.user, pk)
    access.require_add(request.user, PollingSite, plan)
    upload = open_stashed(request, _import_key(plan))
    if upload is None:
        messages.error(request, _("The uploaded file has expired; upload it again."))
        return redirect("elections:site-import", pk=plan.pk)
    try:
        report = services.polling_sites_import(
            security_plan=plan, user=request.user, rows=read_table(upload, aliases=services.SITE_IMPORT_ALIASES)
        )
    except TableError as exc:
        messages.error(request, str(exc))
        return redirect("elections:site-import", pk=plan.pk)
    if not report.ok:
        # The plan changed since the preview (e.g. someone added a site with the same code): nothing imported.
        return render(
            request, "elections/import.html", {"plan": plan, "form": forms.SiteImportForm(), "report": report}
        )
    discard_stashed(request, _import_key(plan))
    messages.success(request, _("%(n)s polling sites imported.") % {"n": report.created})
    return redirect("elections:site-list", pk=plan.pk)
