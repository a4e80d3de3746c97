"""Pages of the mandate and the narratives. Thin: access through mandate.access, reads through selectors,
writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from benchmarks.models import Assessment, Benchmark, OperationalOutput
from mandate import access
from mandate.context_processors import current_mission
from missions.concurrency import ConcurrentEditError
from missions.edit import edit_page
from narratives import evidence, selectors, services
from narratives.forms import (
    AttachmentForm,
    MandateImportForm,
    MandateTaskForm,
    NarrativeForm,
    OverviewForm,
    ReviewForm,
)
from narratives.models import Attachment, MandateTask, Narrative, Overview
from partners.models import Engagement

Action = access.Action


def _mission(request, allowed) -> object:
    mission = current_mission(request)
    if mission is None or not allowed(request.user, mission):
        raise Http404
    return mission


def _period(request, key: str | None = None) -> selectors.Period:
    period = selectors.Period.parse(key or request.GET.get("period"))
    if key is not None and period is None:
        raise Http404
    return period or selectors.default_period(timezone.localdate())


# --- the mandate --------------------------------------------------------------------------------


@login_required
def mandate(request):
    """The mandate, resolution by resolution: each task with the status of the benchmarks that serve it."""
    mission = _mission(request, access.can_view_mandate)
    rows = selectors.mandate_overview(user=request.user, mission=mission)
    return render(
        request,
        "narratives/mandate.html",
        {
            "mission": mission,
            "rows": rows,
            "can_edit": access.can_add(request.user, MandateTask, mission),
            "can_view_narratives": access.can_view_narratives(request.user, mission),
        },
    )


def _task_initial(task: MandateTask) -> dict:
    return {
        "version": task.version,
        "outputs": list(task.outputs.values_list("pk", flat=True)),
        "benchmarks": list(task.benchmarks.values_list("pk", flat=True)),
        **{name: getattr(task, name) for name in services.MANDATE_TASK_FIELDS},
    }


@login_required
@require_http_methods(["GET", "POST"])
def mandate_task_edit(request, pk: int | None = None):
    """Add or change one operative paragraph and what serves it (HoM and MLT). Conflicts: missions.edit."""
    mission = _mission(request, access.can_view_mandate)
    task = None
    if pk is not None:
        task = access.get_for_user(request.user, MandateTask.objects.filter(mission=mission), pk, Action.EDIT)
    elif not access.can_add(request.user, MandateTask, mission):
        raise PermissionDenied
    choices = {
        "outputs": access.scope(
            request.user, OperationalOutput.objects.filter(mission=mission, retired_at__isnull=True)
        ),
        "benchmarks": access.scope(
            request.user, Benchmark.objects.filter(output__mission=mission, retired_at__isnull=True)
        ).select_related("output"),
    }

    def save(form):
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if task is None:
            return services.mandate_task_create(user=request.user, mission=mission, **data)
        return services.mandate_task_update(user=request.user, task=task, expected_version=version, **data)

    return edit_page(
        request,
        form=MandateTaskForm(request.POST or None, initial=_task_initial(task) if task else None, **choices),
        save=save,
        template="narratives/mandate_task_form.html",
        context={"task": task},
        success=_("Mandate task saved."),
        redirect_to=reverse("narratives:mandate"),
        rebuild=lambda data, saved: MandateTaskForm(data, initial=_task_initial(saved), **choices),
    )


@login_required
@require_http_methods(["GET", "POST"])
def mandate_import(request):
    mission = _mission(request, access.can_view_mandate)
    access.require_add(request.user, MandateTask, mission)
    form = MandateImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.mandate_tasks_import(
            user=request.user, mission=mission, uploaded_file=form.cleaned_data["file"]
        )
        if report.ok:
            messages.success(
                request,
                _("%(total)s rows imported: %(created)s tasks added, the others updated.")
                % {"total": report.total_rows, "created": report.created},
            )
            return redirect("narratives:mandate")
    return render(
        request,
        "narratives/mandate_import.html",
        {"form": form, "report": report},
        status=400 if report is not None else 200,
    )


# --- narratives ---------------------------------------------------------------------------------


@login_required
def board(request):
    """The reporting period's narratives: one per output, with its state and what the user may do."""
    mission = _mission(request, access.can_view_narratives)
    period = _period(request)
    data = selectors.narrative_board(user=request.user, mission=mission, period=period)
    periods = selectors.reporting_periods(timezone.localdate())
    if period not in periods:
        periods.append(period)
    return render(request, "narratives/board.html", {"board": data, "periods": periods, "mission": mission})


def _narrative_context(request, output, period, narrative):
    ev = selectors.narrative_evidence(user=request.user, output=output, period=period)
    attachments = selectors.attachments_of(user=request.user, target=narrative) if narrative else []
    history = list(narrative.history.select_related("history_user").order_by("-history_date")[:30]) if narrative else []
    return {"evidence": ev, "attachments": attachments, "history": history}


@login_required
@require_http_methods(["GET", "POST"])
def narrative(request, output_pk: int, period: str):
    """Write, read and review one output's narrative for one period, with its supporting evidence beside it."""
    mission = _mission(request, access.can_view_narratives)
    output = access.get_for_user(
        request.user,
        OperationalOutput.objects.filter(mission=mission).select_related("lead_component", "library_output"),
        output_pk,
    )
    the_period = _period(request, period)
    current = access.scope(
        request.user,
        Narrative.objects.filter(output=output, period_start=the_period.start, period_end=the_period.end),
    ).first()
    if current is not None:
        current.output = output
    can_write = (
        access.can(request.user, Action.EDIT, current) if current else access.can_add(request.user, Narrative, output)
    )
    if request.method == "POST" and not can_write:
        raise PermissionDenied
    context = {
        "output": output,
        "period": the_period,
        "narrative": current,
        "review_form": ReviewForm(initial={"version": current.version})
        if current and access.can_validate_narrative(request.user, current)
        else None,
        "considerations": output.library_output.considerations if output.library_output_id else [],
        **_narrative_context(request, output, the_period, current),
    }
    if not can_write:
        return render(request, "narratives/narrative.html", {**context, "form": None})
    submitting = "submit" in request.POST

    def save(form):
        data = dict(form.cleaned_data)
        version = data.pop("version")
        saved = services.narrative_save(
            user=request.user,
            output=output,
            period_start=the_period.start,
            period_end=the_period.end,
            expected_version=version,
            **data,
        )
        if submitting:
            saved = services.narrative_submit(user=request.user, narrative=saved, expected_version=saved.version)
        return saved

    return edit_page(
        request,
        form=NarrativeForm(request.POST or None, initial=_narrative_initial(current) if current else None),
        save=save,
        template="narratives/narrative.html",
        context=context,
        success=_("Narrative submitted for validation.") if submitting else _("Draft saved."),
        redirect_to=reverse("narratives:narrative", args=[output.pk, the_period.key]),
        rebuild=lambda data, saved: NarrativeForm(data, initial=_narrative_initial(saved)),
    )


def _narrative_initial(narrative: Narrative) -> dict:
    return {"version": narrative.version, **{name: getattr(narrative, name) for name in Narrative.TEXT_FIELDS}}


@login_required
@require_POST
def narrative_review(request, pk: int):
    """Validate or return a submitted narrative (the output's MLT lead or the HoM)."""
    narrative = access.get_for_user(
        request.user, Narrative.objects.select_related("output", "output__lead_component"), pk
    )
    form = ReviewForm(request.POST)
    validate = request.POST.get("decision") == "validate"
    if form.is_valid():
        try:
            services.narrative_review(
                user=request.user,
                narrative=narrative,
                expected_version=form.cleaned_data["version"],
                validate=validate,
                comment=form.cleaned_data["comment"],
            )
        except ConcurrentEditError:
            messages.error(request, _("The narrative changed while you were reading it; review it again."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Narrative validated.") if validate else _("Narrative returned to the writer."))
    else:
        messages.error(request, _("The review could not be read; try again."))
    period = selectors.Period(narrative.period_start, narrative.period_end)
    return redirect("narratives:narrative", output_pk=narrative.output_id, period=period.key)


@login_required
@require_http_methods(["GET", "POST"])
def overview(request, period: str):
    """The Head of Mission's overview of the period: the HoM writes it, the mission's members read it."""
    mission = _mission(request, access.can_view_narratives)
    the_period = _period(request, period)
    current = access.scope(
        request.user, Overview.objects.filter(mission=mission, period_start=the_period.start, period_end=the_period.end)
    ).first()
    can_write = (
        access.can(request.user, Action.EDIT, current) if current else access.can_add(request.user, Overview, mission)
    )
    if not can_write and current is None:
        raise Http404
    if request.method == "POST" and not can_write:
        raise PermissionDenied
    context = {"overview": current, "period": the_period}
    if not can_write:
        return render(request, "narratives/overview.html", {**context, "form": None})

    def initial(saved):
        return {"version": saved.version, "text": saved.text}

    def save(form):
        return services.overview_save(
            user=request.user,
            mission=mission,
            period_start=the_period.start,
            period_end=the_period.end,
            text=form.cleaned_data["text"],
            expected_version=form.cleaned_data["version"],
        )

    return edit_page(
        request,
        form=OverviewForm(request.POST or None, initial=initial(current) if current else None),
        save=save,
        template="narratives/overview.html",
        context=context,
        success=_("Overview saved."),
        redirect_to=f"{reverse('narratives:board')}?period={the_period.key}",
        rebuild=lambda data, saved: OverviewForm(data, initial=initial(saved)),
    )


# --- evidence -----------------------------------------------------------------------------------

EVIDENCE_TARGETS = {"assessment": Assessment, "narrative": Narrative, "engagement": Engagement}


def _back_to(target) -> str:
    if isinstance(target, Assessment):
        return reverse("benchmarks:benchmark", args=[target.benchmark_id])
    if isinstance(target, Engagement):
        return reverse("partners:engagement-detail", args=[target.pk])
    period = selectors.Period(target.period_start, target.period_end)
    return reverse("narratives:narrative", args=[target.output_id, period.key])


@login_required
@require_POST
def attachment_add(request, kind: str, pk: int):
    """Attach a document or photo to an assessment, a narrative or an engagement."""
    model = EVIDENCE_TARGETS.get(kind)
    if model is None:
        raise Http404
    target = access.get_for_user(request.user, model, pk)
    if not access.can_attach_evidence(request.user, target):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                user=request.user,
                target=target,
                uploaded_file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Evidence attached."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(_back_to(target))


@login_required
def attachment_download(request, pk: int):
    """Serve an evidence file to whoever may see the record it supports (404 to everyone else)."""
    attachment = access.get_for_user(request.user, Attachment.objects.select_related("content_type"), pk)
    if not access.can_view_evidence(request.user, attachment):
        raise Http404
    return evidence.attachment_response(attachment)
