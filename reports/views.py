"""Pages of the reports app: list, request, detail with live progress, downloads and sign-off.

Thin: access comes from mandate.access (404 outside the user's scope, 403 when visible but not
allowed), writes from reports.services, reads from reports.selectors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from benchmarks.models import OperationalOutput
from mandate import access
from mandate.context_processors import current_mission
from missions.concurrency import ConcurrentEditError
from missions.edit import form_errors, posted_version
from reports import selectors, services
from reports.forms import ReportCommentForm, ReportRequestForm
from reports.models import Report, ReportComment, ReportKind

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _mission_or_404(request):
    mission = current_mission(request)
    if mission is None or not access.can_open_reports(request.user, mission.pk):
        raise Http404
    return mission


def _can_request(user, mission) -> bool:
    return any(access.can_add(user, Report, mission, kind=kind) for kind in ReportKind.values)


@login_required
def report_index(request):
    mission = _mission_or_404(request)
    reports = selectors.report_list(user=request.user, mission=mission)
    return render(
        request,
        "reports/index.html",
        {"mission": mission, "reports": reports[:200], "can_request": _can_request(request.user, mission)},
    )


@login_required
def report_new(request):
    mission = _mission_or_404(request)
    if not _can_request(request.user, mission):
        raise PermissionDenied
    form = ReportRequestForm(request.POST or None, user=request.user, mission=mission)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_request(mission=mission, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            return redirect("reports:detail", pk=report.pk)
    return render(request, "reports/new.html", {"mission": mission, "form": form})


@never_cache
@login_required
def report_detail(request, pk):
    report = access.get_for_user(request.user, Report.objects.select_related("mission", "election_plan"), pk)
    return render(request, "reports/detail.html", _detail_context(request.user, report))


def _comment_sections(user, report: Report) -> list[tuple[str, str]]:
    """The sections a comment can be about: the overview and each output of the report's mission."""
    outputs = access.scope(user, OperationalOutput.objects.filter(mission=report.mission, retired_at__isnull=True))
    return [("overview", _("Head of Mission's overview")), *((f"output-{o.pk}", o.title) for o in outputs)]


def _detail_context(user, report: Report, comment_form: ReportCommentForm | None = None) -> dict:
    can_sign = access.can(user, access.Action.APPROVE, report)
    can_comment = access.can_comment_report(user, report, answering=False)
    can_answer = access.can_comment_report(user, report, answering=True)
    sections = _comment_sections(user, report) if report.is_released else []
    labels = dict(sections)
    comments = selectors.report_comments(user=user, report=report) if report.is_released else []
    for comment in comments:
        comment.section_label = (
            labels.get(comment.section, comment.section) if comment.section else _("The whole report")
        )
    return {
        "comments": comments,
        "can_comment": can_comment,
        "can_answer": can_answer,
        "comment_form": comment_form or (ReportCommentForm(sections=sections) if can_comment else None),
        "report": report,
        "mission": report.mission,
        "can_approve": can_sign and report.approval == Report.Approval.DRAFT and report.state == Report.State.DONE,
        "can_release": can_sign and report.approval == Report.Approval.APPROVED and report.state == Report.State.DONE,
        "can_retry": report.can_be_retried and access.can_add(user, Report, report.mission, kind=report.kind),
        "is_final": report.is_released and report.state == Report.State.DONE,
    }


@never_cache
@login_required
def report_status(request, pk):
    """The small JSON the detail page polls while a report is generated."""
    report = access.get_for_user(request.user, Report, pk)
    return JsonResponse(
        {
            "state": report.state,
            "state_label": report.get_state_display(),
            "progress": report.progress,
            "message": report.progress_message,
            "error": report.error,
            "finished": report.is_finished,
            "approval": report.approval,
            # The keys every progress view shares (static/js/progress.js).
            "done": report.is_finished,
            "percent": report.progress,
        }
    )


@login_required
def report_download(request, pk, fmt):
    """The PDF or XLSX, through access (404 outside scope), never a public media URL."""
    report = access.get_for_user(request.user, Report, pk)
    opened = services.report_file_open(report=report, user=request.user, fmt=fmt)
    if opened is None:
        raise Http404
    handle, filename = opened
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt])


def _sign_off(request, pk, service, done_message):
    report = access.get_for_user(request.user, Report, pk, access.Action.APPROVE)
    try:
        service(report=report, user=request.user, expected_version=posted_version(request))
    except ConcurrentEditError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done_message)
    return redirect("reports:detail", pk=pk)


@login_required
@require_POST
def report_approve(request, pk):
    return _sign_off(request, pk, services.report_approve, _("Report approved. The PDF is being stamped."))


@login_required
@require_POST
def report_release(request, pk):
    return _sign_off(request, pk, services.report_release, _("Report released to Headquarters."))


@login_required
@require_POST
def report_retry(request, pk):
    report = access.get_for_user(request.user, Report, pk)
    try:
        services.report_retry(report=report, user=request.user, expected_version=posted_version(request))
    except ConcurrentEditError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("reports:detail", kwargs={"pk": pk}))


@login_required
@require_POST
def report_comment(request, pk):
    """HQ comments on a released report; the HoM, the MLT and HQ answer in its threads."""
    report = access.get_for_user(request.user, Report.objects.select_related("mission"), pk)
    form = ReportCommentForm(request.POST, sections=_comment_sections(request.user, report))
    parent = None
    if form.is_valid():
        parent_id = form.cleaned_data["parent"]
        if parent_id:
            parent = access.scope(request.user, ReportComment.objects.filter(report=report, pk=parent_id)).first()
            if parent is None:
                raise Http404
        if not access.can_comment_report(request.user, report, answering=parent is not None):
            raise PermissionDenied
        try:
            services.report_comment_add(
                user=request.user,
                report=report,
                body=form.cleaned_data["body"],
                section=form.cleaned_data["section"],
                parent=parent,
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Answer posted.") if parent else _("Comment posted."))
            return redirect(f"{reverse('reports:detail', args=[report.pk])}#comments")
    elif not access.can_comment_report(request.user, report, answering=bool(request.POST.get("parent"))):
        raise PermissionDenied
    context = _detail_context(request.user, report, comment_form=form if parent is None else None)
    return render(request, "reports/detail.html", context, status=400)
