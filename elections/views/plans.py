"""Pages of an election plan: the list, the plan, its phases, history and milestones."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from elections import forms, selectors, services
from elections.models import (
    ElectionPlan,
    Incident,
    Phase,
    SecurityPlan,
)
from elections.views._helpers import PAGE_SIZE, _form_page, _make_form
from mandate import access
from mandate.access import Action
from mandate.context_processors import current_mission
from missions.edit import edit_page


@login_required
def index(request):
    """Election plans the user may see in their current mission and, for security roles, the security plans."""
    mission = current_mission(request)
    if mission is None:
        raise Http404
    plans = list(selectors.election_plans_for(request.user, mission.pk))
    security_plans = list(selectors.security_plans_for(request.user, mission.pk))
    if not plans and not security_plans and not access.can_open_elections(request.user, mission.pk):
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


@login_required
def plan_create(request):
    mission = current_mission(request)
    if mission is None or not access.can_open_elections(request.user, mission.pk):
        raise Http404
    access.require_add(request.user, ElectionPlan, mission)
    form = _make_form(forms.ElectionPlanForm, request, mission_id=mission.pk)

    def save(form):
        plan = services.election_plan_create(
            mission=mission, user=request.user, data=form.service_fields(), benchmarks=form.cleaned_data["benchmarks"]
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
            data=form.service_fields(),
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
    return edit_page(
        request,
        form=form,
        save=lambda f: services.election_plan_set_phases(
            plan=plan, user=request.user, expected_version=f.cleaned_data["version"], phases=f.cleaned_data["phases"]
        ),
        template="elections/phases.html",
        context={"plan": plan},
        success=_("Phases saved."),
        redirect_to=reverse("elections:plan-detail", args=[plan.pk]),
        rebuild=lambda data, current: forms.PhasesForm(data, plan=current),
    )


HISTORY_MAX_PAGE = 1_000_000


@login_required
def plan_history(request, pk):
    plan = access.get_for_user(request.user, ElectionPlan, pk)
    include_security = access.scope(request.user, SecurityPlan.objects.filter(election_plan=plan)).exists()
    try:
        # Capped before it becomes an OFFSET: ?page=99999999999999999999 overflowed the database's integer.
        page_number = min(max(int(request.GET.get("page", 1)), 1), HISTORY_MAX_PAGE)
    except ValueError:
        page_number = 1
    total, entries = selectors.plan_history(
        plan, include_security=include_security, offset=(page_number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if page_number > pages:  # past the end: the last page, as the other lists do (Paginator.get_page)
        page_number = pages
        total, entries = selectors.plan_history(
            plan, include_security=include_security, offset=(page_number - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
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
