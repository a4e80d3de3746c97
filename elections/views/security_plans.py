"""Pages of a security plan: the plan, its workflow (submit, approve, return, revise), revisions compared,
readiness and the site map."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from elections import forms, selectors, services
from elections.maps import district_risk_map, high_share
from elections.maps import site_map as render_site_map
from elections.models import (
    ElectionPlan,
    SecurityPlan,
)
from elections.views._helpers import _form_page, _make_form, _security_plan
from mandate import access
from mandate.access import Action
from missions import geo, maps
from missions.area_filter import area_filter
from missions.concurrency import ConcurrentEditError
from missions.maps import DistrictMapPanel, embeds_map, map_document
from missions.models import Location


@login_required
def security_plan_create(request, plan_pk):
    plan = access.get_for_user(request.user, ElectionPlan, plan_pk)
    if not access.can_add(request.user, SecurityPlan, plan):
        # Security plans are confidential: for roles outside the security circle they do not exist.
        if not access.can_open_security(request.user, plan.mission_id):
            raise Http404
        raise PermissionDenied
    form = _make_form(forms.SecurityPlanForm, request, instance=SecurityPlan(election_plan=plan))

    def save(form):
        security_plan = services.security_plan_create(
            election_plan=plan, user=request.user, summary=form.cleaned_data["summary"]
        )
        return reverse("elections:security-plan-detail", args=[security_plan.pk])

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("New security plan for %(plan)s") % {"plan": plan},
        back_url=reverse("elections:plan-detail", args=[plan.pk]),
        success=_("Security plan created (revision 1, draft)."),
    )


@login_required
def security_plan_detail(request, pk):
    plan = _security_plan(request.user, pk)
    user = request.user
    revisions = list(
        access.scope(user, SecurityPlan.objects.filter(election_plan_id=plan.election_plan_id)).order_by("-revision")
    )
    counts = {
        "sites": plan.sites.count(),
        "threats": plan.threats.count(),
        "tasks": plan.tasks.count(),
        "legs": plan.transport_legs.count(),
    }
    return render(
        request,
        "elections/security_plan_detail.html",
        {
            "plan": plan,
            "election": plan.election_plan,
            "revisions": revisions,
            "counts": counts,
            "can_edit": access.can(user, Action.EDIT, plan),
            "can_submit": access.can(user, Action.SUBMIT, plan),
            "can_decide": access.can(user, Action.APPROVE, plan),
            "can_revise": access.can_revise_plan(user, plan),
            "can_add_task": access.can_add_task(user, plan),
            "decision_form": forms.DecisionForm(initial={"version": plan.version}),
            "risk_changes": selectors.risk_changes_since_submission(plan),
        },
    )


@login_required
def security_plan_edit(request, pk):
    plan = _security_plan(request.user, pk, Action.EDIT)
    form = _make_form(forms.SecurityPlanForm, request, instance=plan)
    return _form_page(
        request,
        form=form,
        save=lambda f: services.security_plan_update(
            security_plan=plan,
            user=request.user,
            expected_version=f.cleaned_data["version"],
            summary=f.cleaned_data["summary"],
        ),
        title=_("Edit the concept of security operations"),
        back_url=reverse("elections:security-plan-detail", args=[plan.pk]),
        success=_("Security plan saved."),
    )


def _workflow(request, pk, action, service, success):
    plan = _security_plan(request.user, pk, action)
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    kwargs = {"security_plan": plan, "user": request.user, "expected_version": form.cleaned_data.get("version")}
    if service is not services.security_plan_submit:
        kwargs["comment"] = form.cleaned_data.get("comment", "")
    try:
        service(**kwargs)
    except ConcurrentEditError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("elections:security-plan-detail", pk=plan.pk)


@login_required
@require_POST
def security_plan_submit(request, pk):
    return _workflow(request, pk, Action.SUBMIT, services.security_plan_submit, _("Submitted to the Head of Mission."))


@login_required
@require_POST
def security_plan_approve(request, pk):
    return _workflow(request, pk, Action.APPROVE, services.security_plan_approve, _("Security plan approved."))


@login_required
@require_POST
def security_plan_return(request, pk):
    return _workflow(
        request, pk, Action.APPROVE, services.security_plan_return, _("Returned to the electoral component.")
    )


@login_required
@require_POST
def security_plan_revise(request, pk):
    plan = _security_plan(request.user, pk)
    if not access.can_add(request.user, SecurityPlan, plan.election_plan):
        raise PermissionDenied
    try:
        new = services.security_plan_new_revision(security_plan=plan, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("elections:security-plan-detail", pk=plan.pk)
    messages.success(request, _("Revision %(n)s opened as a draft.") % {"n": new.revision})
    return redirect("elections:security-plan-detail", pk=new.pk)


@login_required
def security_plan_compare(request, pk):
    plan = _security_plan(request.user, pk)
    if plan.previous_id is None:
        raise Http404
    previous = _security_plan(request.user, plan.previous_id)
    return render(
        request,
        "elections/compare.html",
        {"plan": plan, "previous": previous, "diffs": selectors.compare_revisions(previous, plan)},
    )


@login_required
@embeds_map
def readiness(request, pk):
    """Readiness of the plan, of one region (`?region=`) or one district (`?district=`): the shared area
    filter (missions.area_filter; 404 for an area that is not the mission's)."""
    plan = _security_plan(request.user, pk)
    area = area_filter(request.GET, plan.election_plan.mission_id)
    boundaries = geo.mission_areas(plan.election_plan.mission_id)
    r = selectors.readiness(plan, district=area.district, region=None if area.district else area.region)
    return render(
        request,
        "elections/readiness.html",
        {
            "plan": plan,
            "r": r,
            "district": area.district,
            "area": area,
            "map_query": area.querystring(),
            "has_boundaries": any(a.level == Location.Level.DISTRICT for a in boundaries.areas.values()),
            "risk_map": None if area.district else _risk_map(r, area, boundaries),
        },
    )


def _risk_map(r, area, boundaries) -> DistrictMapPanel:
    """Site risk by district, from the readiness counts (no query): the share of high- and critical-risk sites."""
    region = area.region
    title = (
        _("Share of sites at high or critical risk, by district: %(region)s") % {"region": region.display_name}
        if region
        else _("Share of sites at high or critical risk, by district")
    )
    names = {pk: p.display_name for pk, p in area.places.items()}
    svg = district_risk_map(
        r.districts, areas=boundaries, names=names, title=title, region_id=region.pk if region else None
    )
    rows = [
        (names.get(d.district_id) or d.name, f"?district={d.district_id}", [d.sites, maps.percent(high_share(d))])
        for d in r.districts
    ]
    return DistrictMapPanel(
        title=title,
        svg=svg,
        columns=[_("Sites"), _("High or critical")],
        rows=rows,
        no_map_note=maps.no_boundaries_note(),
    )


def site_map_link(plan: SecurityPlan):
    """Where a district or region of the map zooms to: the readiness page of that area."""
    base = reverse("elections:readiness", args=[plan.pk])
    return lambda kind, pk: f"{base}?{kind}={pk}"


@login_required
@map_document  # the readiness page embeds it
def site_map(request, pk):
    """The plan's polling-site map as SVG: `?district=` or `?region=` zooms in (elections/maps.py)."""
    plan = _security_plan(request.user, pk)
    chosen = area_filter(request.GET, plan.election_plan.mission_id, choices=False)
    district = chosen.district
    region = None if district else chosen.region
    area = district or region
    title = (
        _("Polling sites of %(plan)s in %(area)s") % {"plan": plan, "area": area.display_name}
        if area
        else _("Polling sites of %(plan)s") % {"plan": plan}
    )
    svg = render_site_map(
        selectors.site_map_data(plan, district=district, region=region), title=title, link=site_map_link(plan)
    )
    response = HttpResponse(str(svg), content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response
