"""HTML pages of election support. Thin: fetch-and-authorise through mandate.access, validate with a
form, write through elections.services, read through elections.selectors."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from elections import forms, selectors, services
from elections.maps import render_site_map
from elections.models import (
    ElectionPlan,
    Incident,
    Milestone,
    Phase,
    PollingSite,
    SecurityPlan,
    SecurityTask,
    Threat,
    TransportLeg,
)
from mandate import access
from mandate.access import Action
from mandate.context_processors import current_mission
from missions.concurrency import ConcurrentEditError
from missions.imports import TableError, discard_stashed, open_stashed, read_table, stash_upload
from missions.models import Location

PAGE_SIZE = 50


# --- helpers ---------------------------------------------------------------------------------------


def _page(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _security_plan(user, pk, action=Action.VIEW) -> SecurityPlan:
    return access.get_for_user(user, SecurityPlan.objects.select_related("election_plan", "previous"), pk, action)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, exc.messages)


def _show(value) -> str:
    """A value as the conflict table shows it, the same way for the saved row and the form's input."""
    if value in (None, ""):
        return "—"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list | tuple | set | QuerySet):
        return ", ".join(sorted(str(v) for v in value)) or "—"
    return str(value)


def _saved_value(obj: Model, name: str) -> str:
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        # Helper fields of the threat and task forms stand for their sites, typed as codes.
        if name == "site_codes":
            return _show([site.code for site in obj.sites.all()])
        if name == "site_code":
            return _show(obj.site.code if obj.site_id else None)
        return "—"
    if field.many_to_many:
        return _show(list(getattr(obj, name).all()))
    if field.choices:
        return _show(getattr(obj, f"get_{name}_display")())
    return _show(getattr(obj, name))


def _input_value(field, value) -> str:
    if getattr(field, "choices", None) and isinstance(value, str | int) and not isinstance(value, bool):
        value = dict(field.choices).get(value, value)
    return _show(value)


def _conflict_rows(form, current: Model) -> list[tuple[str, str, str, bool]]:
    """(label, their saved value, your value, differs) for each visible field: what the other person saved."""
    rows = []
    for name, field in form.fields.items():
        if field.widget.is_hidden or name not in form.cleaned_data:
            continue
        theirs, yours = _saved_value(current, name), _input_value(field, form.cleaned_data[name])
        rows.append((str(field.label), theirs, yours, theirs != yours))
    return rows


def _form_page(request, *, form, save, title, back_url, success, extra=None, delete_url=None):
    """Validate `form`, call `save(form)` (a service), and handle the outcomes the same way everywhere.

    A stale version re-renders the form with the other person's values and the new version, so a
    second save is a deliberate choice; validation errors from the service land next to their fields.
    """
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form)
        except ConcurrentEditError as exc:
            conflict = {"message": str(exc), "rows": _conflict_rows(form, exc.current)}
            data = request.POST.copy()
            data["version"] = exc.current.version
            # The user's input again, now carrying the current version: saving once more is a deliberate choice.
            form = type(form)(data, **form._init_kwargs)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(saved if isinstance(saved, str) else back_url)
    context = {
        "form": form,
        "title": title,
        "back_url": back_url,
        "conflict": conflict,
        "delete_url": delete_url,
        **(extra or {}),
    }
    return render(request, "elections/form.html", context, status=409 if conflict else 200)


def _make_form(form_class, request, **kwargs):
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = form_class(data, files, **kwargs)
    form._init_kwargs = kwargs
    return form


# --- home ------------------------------------------------------------------------------------------


@login_required
def index(request):
    """Election plans the user may see in their current mission and, for security roles, the security plans."""
    mission = current_mission(request)
    if mission is None:
        raise Http404
    plans = list(selectors.election_plans_for(request.user, mission.pk))
    security_plans = list(selectors.security_plans_for(request.user, mission.pk))
    if not plans and not security_plans and "elections" not in access.sections_for(request.user, mission.pk):
        raise Http404
    return render(
        request,
        "elections/index.html",
        {
            "plans": plans,
            "security_plans": security_plans,
            "can_create": access.can_add(request.user, ElectionPlan, mission),
        },
    )


# --- election plans --------------------------------------------------------------------------------


@login_required
def plan_create(request):
    mission = current_mission(request)
    if mission is None or "elections" not in access.sections_for(request.user, mission.pk):
        raise Http404
    if not access.can_add(request.user, ElectionPlan, mission):
        raise PermissionDenied
    form = _make_form(forms.ElectionPlanForm, request, mission_id=mission.pk)

    def save(form):
        plan = services.election_plan_create(
            mission=mission, user=request.user, data=form.model_data(), benchmarks=form.cleaned_data["benchmarks"]
        )
        return reverse("elections:plan-phases", args=[plan.pk])

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("New election plan"),
        back_url=reverse("elections:index"),
        success=_("Election plan created. Now set the dates of the electoral cycle."),
    )


@login_required
def plan_detail(request, pk):
    plan = access.get_for_user(request.user, ElectionPlan, pk)
    plan = selectors.election_plan_detail(plan.pk)
    security_plans = list(
        access.scope(request.user, plan.security_plans.all()).select_related("previous").order_by("-revision")
    )
    can_edit = access.can(request.user, Action.EDIT, plan)
    return render(
        request,
        "elections/plan_detail.html",
        {
            "plan": plan,
            "phases": sorted(plan.phases.all(), key=lambda p: list(Phase.values).index(p.kind)),
            "milestones": plan.milestones.all(),
            "security_plans": security_plans,
            "can_edit": can_edit,
            "can_add_security_plan": not plan.security_plans.exists()
            and access.can_add(request.user, SecurityPlan, plan),
            "can_see_incidents": access.can_add(request.user, Incident, plan)
            or access.scope(request.user, Incident.objects.filter(election_plan=plan)).exists(),
        },
    )


@login_required
def plan_edit(request, pk):
    plan = access.get_for_user(request.user, ElectionPlan, pk, Action.EDIT)
    form = _make_form(forms.ElectionPlanForm, request, instance=plan, mission_id=plan.mission_id)

    def save(form):
        services.election_plan_update(
            plan=plan,
            user=request.user,
            expected_version=form.cleaned_data["version"],
            data=form.model_data(),
            benchmarks=form.cleaned_data["benchmarks"],
        )

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("Edit %(plan)s") % {"plan": plan},
        back_url=reverse("elections:plan-detail", args=[plan.pk]),
        success=_("Election plan saved."),
    )


@login_required
def plan_phases(request, pk):
    plan = access.get_for_user(request.user, ElectionPlan, pk, Action.EDIT)
    form = _make_form(forms.PhasesForm, request, plan=plan)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.election_plan_set_phases(
                plan=plan,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                phases=form.cleaned_data["phases"],
            )
        except ConcurrentEditError as exc:
            conflict = {"message": str(exc), "rows": []}
            fresh = ElectionPlan.objects.get(pk=plan.pk)
            conflict["rows"] = [
                (str(Phase(k).label), f"{s} – {e}", "", True) for k, (s, e) in services.phase_dates(fresh).items()
            ]
            data = request.POST.copy()
            data["version"] = exc.current.version
            form = forms.PhasesForm(data, plan=fresh)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Phases saved."))
            return redirect("elections:plan-detail", pk=plan.pk)
    return render(
        request,
        "elections/phases.html",
        {"plan": plan, "form": form, "conflict": conflict},
        status=409 if conflict else 200,
    )


@login_required
def plan_history(request, pk):
    plan = access.get_for_user(request.user, ElectionPlan, pk)
    include_security = access.scope(request.user, SecurityPlan.objects.filter(election_plan=plan)).exists()
    try:
        page_number = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        page_number = 1
    total, entries = selectors.plan_history(
        plan, include_security=include_security, offset=(page_number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(
        request,
        "elections/history.html",
        {
            "plan": plan,
            "entries": entries,
            "total": total,
            "page_number": page_number,
            "pages": pages,
            "include_security": include_security,
        },
    )


@login_required
def milestone_create(request, plan_pk):
    plan = access.get_for_user(request.user, ElectionPlan, plan_pk)
    if not access.can_add(request.user, Milestone, plan):
        raise PermissionDenied
    form = _make_form(forms.MilestoneForm, request, instance=Milestone(plan=plan), mission_id=plan.mission_id)
    return _form_page(
        request,
        form=form,
        save=lambda f: services.milestone_create(plan=plan, user=request.user, data=f.model_data()),
        title=_("New milestone"),
        back_url=reverse("elections:plan-detail", args=[plan.pk]),
        success=_("Milestone added."),
    )


@login_required
def milestone_edit(request, pk):
    milestone = access.get_for_user(request.user, Milestone.objects.select_related("plan"), pk, Action.EDIT)
    form = _make_form(forms.MilestoneForm, request, instance=milestone, mission_id=milestone.plan.mission_id)
    return _form_page(
        request,
        form=form,
        save=lambda f: services.milestone_update(
            milestone=milestone,
            user=request.user,
            expected_version=f.cleaned_data["version"],
            data=f.model_data(),
        ),
        title=_("Edit milestone"),
        back_url=reverse("elections:plan-detail", args=[milestone.plan_id]),
        success=_("Milestone saved."),
    )


# --- incidents (belong to the election, visible to security roles) ----------------------------------


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
        save=lambda f: services.incident_create(election_plan=plan, user=request.user, data=f.model_data()),
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
            incident=incident, user=request.user, expected_version=f.cleaned_data["version"], data=f.model_data()
        ),
        title=_("Edit incident"),
        back_url=reverse("elections:incident-list", args=[incident.election_plan_id]),
        success=_("Incident saved."),
    )


# --- security plans --------------------------------------------------------------------------------


@login_required
def security_plan_create(request, plan_pk):
    plan = access.get_for_user(request.user, ElectionPlan, plan_pk)
    if not access.can_add(request.user, SecurityPlan, plan):
        # Security plans are confidential: for roles outside the security circle they do not exist.
        if "security" not in access.sections_for(request.user, plan.mission_id):
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
    latest = revisions[0] if revisions else plan
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
            "can_revise": plan.status == SecurityPlan.Status.APPROVED
            and latest.pk == plan.pk
            and access.can_add(user, SecurityPlan, plan.election_plan),
            "can_add_task": access.can_add(user, SecurityTask, plan)
            or any(
                access.can_add(user, SecurityTask, plan, component=c)
                for c in plan.election_plan.mission.components.all()
            ),
            "decision_form": forms.DecisionForm(initial={"version": plan.version}),
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


def _district_param(request, plan: SecurityPlan) -> Location | None:
    raw = request.GET.get("district")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(selectors.districts_of(plan.election_plan.mission_id), pk=raw)


@login_required
def readiness(request, pk):
    plan = _security_plan(request.user, pk)
    district = _district_param(request, plan)
    return render(
        request,
        "elections/readiness.html",
        {"plan": plan, "r": selectors.readiness(plan, district=district), "district": district},
    )


@login_required
@xframe_options_sameorigin  # the readiness page embeds the map with <object>, a frame to browsers
def site_map(request, pk):
    plan = _security_plan(request.user, pk)
    district = _district_param(request, plan)
    svg = render_site_map(
        selectors.map_points(plan, district=district),
        title=_("Polling sites of %(plan)s") % {"plan": plan},
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


# --- polling sites ---------------------------------------------------------------------------------


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
    if not access.can_add(request.user, PollingSite, plan):
        raise PermissionDenied
    form = _make_form(
        forms.PollingSiteForm,
        request,
        instance=PollingSite(security_plan=plan),
        mission_id=plan.election_plan.mission_id,
    )
    return _form_page(
        request,
        form=form,
        save=lambda f: services.polling_site_create(security_plan=plan, user=request.user, data=f.model_data()),
        title=_("New polling site"),
        back_url=reverse("elections:site-list", args=[plan.pk]),
        success=_("Polling site added."),
    )


def _item(request, model, pk, action=Action.EDIT):
    return access.get_for_user(request.user, model.objects.select_related("security_plan__election_plan"), pk, action)


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
            site=site, user=request.user, expected_version=f.cleaned_data["version"], data=f.model_data()
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
    if not access.can_add(request.user, PollingSite, plan):
        raise PermissionDenied
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
    if not access.can_add(request.user, PollingSite, plan):
        raise PermissionDenied
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


# --- threats, tasks, transport legs ----------------------------------------------------------------


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
    if not access.can_add(request.user, Threat, plan):
        raise PermissionDenied
    form = _make_form(
        forms.ThreatForm, request, instance=Threat(security_plan=plan), mission_id=plan.election_plan.mission_id
    )
    return _form_page(
        request,
        form=form,
        save=lambda f: services.threat_create(
            security_plan=plan, user=request.user, data=f.model_data(), sites=f.sites
        ),
        title=_("New threat"),
        back_url=reverse("elections:threat-list", args=[plan.pk]),
        success=_("Threat added; the suggested risk of its sites was updated."),
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
            data=f.model_data(),
            sites=f.sites,
        ),
        title=_("Edit threat"),
        back_url=reverse("elections:threat-list", args=[threat.security_plan_id]),
        success=_("Threat saved; the suggested risk of its sites was updated."),
        delete_url=reverse("elections:item-delete", args=["threat", threat.pk]),
    )


@login_required
def task_list(request, pk):
    plan = _security_plan(request.user, pk)
    phase = request.GET.get("phase", "")
    phase = phase if phase in Phase.values else ""
    user = request.user
    page = _page(request, selectors.tasks_of(plan, phase=phase))
    for task in page:
        task.editable = access.can(user, Action.EDIT, task)
    return render(
        request,
        "elections/tasks.html",
        {
            "plan": plan,
            "page": page,
            "phase": phase,
            "phases": Phase.choices,
            "query": f"phase={phase}" if phase else "",
            "can_add": access.can_add(user, SecurityTask, plan)
            or any(
                access.can_add(user, SecurityTask, plan, component=c)
                for c in plan.election_plan.mission.components.all()
            ),
        },
    )


@login_required
def task_create(request, pk):
    plan = _security_plan(request.user, pk)
    mission_id = plan.election_plan.mission_id
    task = SecurityTask(security_plan=plan)
    form = _make_form(forms.SecurityTaskForm, request, instance=task, user=request.user, mission_id=mission_id)
    if not form.fields["component"].queryset.exists() and not access.can_add(request.user, SecurityTask, plan):
        raise PermissionDenied
    return _form_page(
        request,
        form=form,
        save=lambda f: services.security_task_create(security_plan=plan, user=request.user, data=f.model_data()),
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
            task=task, user=request.user, expected_version=f.cleaned_data["version"], data=f.model_data()
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
    if not access.can_add(request.user, TransportLeg, plan):
        raise PermissionDenied
    form = _make_form(forms.TransportLegForm, request, instance=TransportLeg(security_plan=plan))
    return _form_page(
        request,
        form=form,
        save=lambda f: services.transport_leg_create(security_plan=plan, user=request.user, data=f.model_data()),
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
            leg=leg, user=request.user, expected_version=f.cleaned_data["version"], data=f.model_data()
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
    version = request.POST.get("version")
    try:
        services.plan_item_delete(item=item, user=request.user, expected_version=int(version) if version else None)
    except ConcurrentEditError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(item)s removed from this revision.") % {"item": item})
    return redirect(list_name, pk=item.security_plan_id)
