"""The pages of one import job (missions.pipeline), whatever it imports: the column matching, the preview
with its grouped errors, the progress of each background step, the confirmation, and the error report as CSV.

The upload itself is on each importer's own page (elections' site import, the partner import), which
starts the job and comes here: `upload_page`, the one way such a page handles the file. Every page is the
job's uploader's only (`access.get_import_job_for_user`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mandate import access
from missions import exports, pipeline
from missions.forms import ColumnMappingForm, ImportUploadForm
from missions.models import ImportJob

MAPPABLE = {ImportJob.Status.MAPPING, ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED}


def upload_page(request, *, mission, kind: str, template: str, context: dict, target_id: int | None = None):
    """Step 1 of an import of `kind` into `mission` (and `target_id`, e.g. a security plan), for a user the
    caller has checked may import: GET shows `template` with the upload form, what the importer reads and
    the user's recent jobs there; a valid POST starts the job (missions.pipeline) and goes to its page."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = pipeline.import_job_start(
            mission=mission, kind=kind, user=request.user, upload=form.cleaned_data["file"], target_id=target_id
        )
        return redirect("import-job", pk=job.pk)
    where = {"target_id": target_id} if target_id is not None else {"mission_id": mission.pk}
    return render(
        request,
        template,
        {
            **context,
            "form": form,
            "importer": pipeline.importer_for(kind),
            "jobs": pipeline.recent_jobs(user=request.user, kind=kind, **where),
        },
    )


def _mode_choices(importer) -> list[tuple[str, str]]:
    return [
        (ImportJob.Mode.CREATE, _("Create new rows only: a row that already exists is an error")),
        (
            ImportJob.Mode.UPDATE,
            _("Create new rows and update existing ones, matched by %(key)s") % {"key": importer.update_key},
        ),
    ]


def _mapping_form(request, job, importer, data=None):
    return ColumnMappingForm(
        data,
        importer=importer,
        headers=job.headers,
        initial_columns=job.mapping,
        mode_choices=_mode_choices(importer),
        initial={"mode": job.mode},
    )


@login_required
def import_job(request, pk):
    """GET: where the job is (progress, matching, preview or result). POST: the column matching and the mode,
    which start the check of every row (the preview) in the background."""
    job, importer, target = access.get_import_job_for_user(request.user, pk)
    job = pipeline.import_job_release_if_stalled(job)
    form = None
    if job.status in MAPPABLE and job.headers:
        form = _mapping_form(request, job, importer, request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            pipeline.import_job_map(job=job, user=request.user, columns=form.columns(), mode=form.cleaned_data["mode"])
            return redirect("import-job", pk=job.pk)
    elif request.method == "POST":
        return redirect("import-job", pk=job.pk)
    report = job.report or {}
    for group in report.get("groups", []):
        index = job.mapping.get(group["column"])
        group["header"] = job.headers[index] if index is not None and index < len(job.headers) else ""
    return render(
        request,
        "imports/job.html",
        {
            "job": job,
            "importer": importer,
            "target": target,
            "form": form,
            "report": report,
            "groups": report.get("groups", []),
            "can_confirm": job.status == ImportJob.Status.PREVIEWED and not report.get("error_count"),
            "progress": pipeline.import_job_progress(job),
            "upload_url": importer.upload_url(target),
            "done_url": importer.done_url(target),
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def import_job_confirm(request, pk):
    """Starts the import of a previewed job without errors; it runs in the background (its page shows the bar)."""
    job, _importer, _target = access.get_import_job_for_user(request.user, pk)
    job = pipeline.import_job_confirm(job=job, user=request.user)
    if job.status == ImportJob.Status.DONE:
        messages.success(
            request,
            _("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
            % {"created": job.created, "updated": job.updated, "unchanged": job.unchanged},
        )
    return redirect("import-job", pk=job.pk)


@login_required
@require_GET
def import_job_status(request, pk):
    """The progress bar's JSON: status, per mille done, the counts once known. One query for the job (and
    a write when its worker died: the job goes back a step)."""
    job, _importer, _target = access.get_import_job_for_user(request.user, pk)
    job = pipeline.import_job_release_if_stalled(job)
    return JsonResponse(pipeline.import_job_progress(job))


@login_required
@require_GET
def import_job_errors(request, pk):
    """Every problem of the last check, as CSV with the file's own row numbers (formula guard applied)."""
    job, importer, _target = access.get_import_job_for_user(request.user, pk)
    labels = {f.name: str(f.label) for f in importer.fields}
    problems = pipeline.errors_of(job)
    rows = (
        [row or "", labels.get(column, column), kind, value, message] for row, column, kind, value, message in problems
    )
    return exports.csv_response(
        f"import-{job.pk}-errors",
        [_("Row"), _("Column"), _("Problem"), _("Value"), _("Details")],
        rows,
    )
