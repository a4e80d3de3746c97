"""Writes of the reports app: request, generate, sign off, retry, and the monthly schedule.

Lifecycles. Generation (`Report.state`): queued -> running -> done | failed; a failed report can be
retried. Sign-off (`Report.approval`): draft -> approved (HoM) -> released to HQ (HoM). The body of a
report is rendered once from the live data and frozen (`ReportSnapshot`); approving re-renders only the
PDF frame (cover status, draft watermark) around that frozen body and records the approved file's
checksum; releasing hands HQ that very file (same checksum), so HQ reads exactly what the HoM approved.
Once a released report is done, nothing about it changes again: its file and checksum are final, and a
correction is a new report.

Reliability. `report_generate` runs in Celery workers with late acknowledgement: a worker killed in
the middle gives the task back to the broker, and another worker runs it again. So generation is
idempotent: a report already done is left alone; a re-run rewrites the same deterministic file names
through a temporary file and an atomic rename, so a report never has a second or half-written file.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import logging
import os
import re
import time
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mandate import access
from missions.concurrency import claim_version
from missions.events import announce
from missions.models import AuditEvent, Mission
from missions.services import audit_event_record
from reports import documents, rendering
from reports.models import (
    PaperSize,
    Report,
    ReportComment,
    ReportKind,
    ReportSchedule,
    ReportSnapshot,
    SectionsBy,
    report_folder,
)

logger = logging.getLogger(__name__)

# Errors worth another attempt later (database restarted, connection dropped): the task retries them
# with backoff. Anything else is a fault in the data or the templates: the report fails with the reason.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# A report that keeps killing its worker (or timing out hard) stops being retried after this many runs.
MAX_ATTEMPTS = 5
# Test hook, documented: seconds to sleep between generation steps, so the live-worker test can kill a
# worker while a report is running. Unset (the default) means no delay.
STEP_DELAY_ENV = "REPORTS_TEST_STEP_DELAY"


class TransientReportError(Exception):
    """Generation hit a temporary failure; the task retries it."""


class ReportStateError(ValidationError):
    """The report is not in a state that allows the action (a clear message for the user)."""


# --- request ------------------------------------------------------------------------------------


@transaction.atomic
def report_request(
    *,
    mission: Mission,
    kind: str,
    period_start: datetime.date,
    period_end: datetime.date,
    user,
    election_plan=None,
    paper_size: str = PaperSize.A4,
    language: str | None = None,
    scheduled: bool = False,
    sections_by: str = SectionsBy.OUTPUT,
    include_unvalidated: bool = True,
) -> Report:
    """Create a queued report and enqueue its generation once the transaction commits.

    `language` (en, fr) is the language the report is written in; None: the mission's default language.

    Access: `access.can_add(user, Report, mission, kind=kind)` (PermissionDenied otherwise); the
    election security report needs an election of the same mission that the user may see.
    """
    if not access.can_add(user, Report, mission, kind=kind):
        raise PermissionDenied
    errors = {}
    if kind not in ReportKind.values:
        errors["kind"] = _("Choose a report kind.")
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = _("The period cannot end before it starts.")
    if period_end and period_end > timezone.localdate():
        errors["period_end"] = _("The period cannot end in the future.")
    if kind == ReportKind.ELECTION_SECURITY:
        if election_plan is None:
            errors["election_plan"] = _("Choose the election this report is about.")
        elif election_plan.mission_id != mission.pk or not access.can(user, access.Action.VIEW, election_plan):
            errors["election_plan"] = _("Choose an election of this mission.")
    else:
        election_plan = None
    if paper_size not in PaperSize.values:
        errors["paper_size"] = _("Choose A4 or US Letter.")
    language = language or mission.default_language
    if language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose English or French.")
    if sections_by not in SectionsBy.values:
        errors["sections_by"] = _("Choose how the report is organised.")
    if errors:
        raise ValidationError(errors)
    report = Report.objects.create(
        mission=mission,
        kind=kind,
        period_start=period_start,
        period_end=period_end,
        election_plan=election_plan,
        requested_by=user,
        paper_size=paper_size,
        language=language,
        scheduled=scheduled,
        sections_by=sections_by,
        include_unvalidated=include_unvalidated,
        progress_message=_("Waiting for a worker"),
    )
    _enqueue(report)
    return report


def _enqueue(report: Report) -> None:
    report_id = report.pk
    transaction.on_commit(lambda: _send(report_id))


def _send(report_id: int) -> None:
    from reports.tasks import generate_report

    try:
        generate_report.delay(report_id)
    except Exception:  # noqa: BLE001 - broker unreachable: say so on the report instead of a 500 after commit
        logger.exception("Report %s: could not reach the task queue", report_id)
        report_mark_failed(
            report_id=report_id, reason=_("The task queue could not be reached. Retry in a few minutes.")
        )


# --- generation ---------------------------------------------------------------------------------


def report_generate(*, report_id: int) -> Report | None:
    """Generate (or re-stamp) the report's PDF and XLSX; idempotent, safe to run again after a crash.

    Not one transaction on purpose: progress must be visible to the page while the work runs, so each
    step commits its own small update. Returns the report, or None when it no longer exists.
    Raises TransientReportError for failures worth retrying; records every other failure on the report.
    """
    report = _claim(report_id)
    if report is None or report.state != Report.State.RUNNING:
        return report
    # The whole document (headings, dates, numbers, the XLSX) and its progress messages in the report's language.
    with translation.override(report.language):
        return _generate(report)


def _generate(report: Report) -> Report | None:
    report_id = report.pk
    try:
        snapshot = ReportSnapshot.objects.filter(report=report).first()
        if snapshot is None:
            _progress(report, 10, _("Reading the data"))
            snapshot = _take_snapshot(report)
        _progress(report, 40, _("Laying out the document"))
        html = documents.render_document(report, snapshot.body_html)
        _progress(report, 60, _("Writing the PDF"))
        pdf = rendering.html_to_pdf(html)
        _progress(report, 90, _("Storing the files"))
        pdf_name = _store(report, f"{_basename(report)}.pdf", pdf.content)
        xlsx_name = report.xlsx_file.name or _store(
            report, f"{_basename(report)}.xlsx", rendering.tables_to_xlsx(_xlsx_tables(snapshot.tables))
        )
        _progress(report, 100, _("Ready"))
        return _finish(report, pdf_name=pdf_name, xlsx_name=xlsx_name, pdf=pdf)
    except SoftTimeLimitExceeded:
        _fail(report, _("Generation took longer than the time limit. Try a shorter period, or retry later."))
    except TRANSIENT_ERRORS as exc:
        logger.warning("Report %s: temporary failure, will retry: %s", report_id, exc)
        _requeue(report, _("A temporary error interrupted generation; trying again shortly."))
        raise TransientReportError(str(exc)) from exc
    except Exception as exc:
        logger.exception("Report %s failed", report_id)
        _fail(report, _("The report could not be generated: %(reason)s") % {"reason": _reason(exc)})
    return Report.objects.filter(pk=report_id).first()


def _claim(report_id: int) -> Report | None:
    """Mark the report running for this attempt, or say there is nothing to do (already done)."""
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("mission").filter(pk=report_id).first()
        if report is None or report.state in {Report.State.DONE, Report.State.FAILED}:
            return report
        if report.state == Report.State.RUNNING and not report.is_stalled:
            # Another run is on it (a redelivered message of a report retried meanwhile): leave it be.
            logger.info("Report %s: already running elsewhere, this delivery does nothing", report_id)
            return None
        if report.attempts >= MAX_ATTEMPTS:
            report.state = Report.State.FAILED
            with translation.override(report.language):
                report.error = _("Generation was interrupted %(n)s times; it stopped trying. Retry it, or "
                                 "request a shorter period.") % {"n": report.attempts}  # fmt: skip
            report.finished_at = timezone.now()
            report.save(update_fields=["state", "error", "finished_at", "updated_at"])
            return report
        report.state = Report.State.RUNNING
        report.attempts += 1  # the row is locked: a plain increment is safe
        report.started_at = timezone.now()
        report.progress = 5
        with translation.override(report.language):
            report.progress_message = _("Starting")
        report.error = ""
        report.save(update_fields=["state", "attempts", "started_at", "progress", "progress_message", "error",
                                   "updated_at"])  # fmt: skip
    # Only this run works on the report now (the visibility timeout outlasts the hard time limit), so
    # temporary files left by a killed run are garbage.
    _remove_temporary_files(report)
    return report


def _take_snapshot(report: Report) -> ReportSnapshot:
    user = report.requested_by or _hom_of(report.mission)
    data_as_of = timezone.now()
    body = documents.build_body(report, user=user)
    _step_delay()
    with transaction.atomic():
        snapshot, _created = ReportSnapshot.objects.update_or_create(
            report=report, defaults={"body_html": body.html, "tables": _jsonable_tables(body.tables)}
        )
        Report.objects.filter(pk=report.pk).update(data_as_of=data_as_of)
    report.data_as_of = data_as_of
    return snapshot


def _finish(report: Report, *, pdf_name: str, xlsx_name: str, pdf: rendering.RenderedPDF) -> Report:
    with transaction.atomic():
        current = Report.objects.select_for_update().get(pk=report.pk)
        if current.state == Report.State.DONE:
            return current
        current.file.name = pdf_name
        current.xlsx_file.name = xlsx_name
        current.sha256 = hashlib.sha256(pdf.content).hexdigest()
        if current.approval == Report.Approval.APPROVED and not current.approved_sha256:
            # The file the HoM approved: release hands exactly this one to HQ.
            current.approved_sha256 = current.sha256
        current.size_bytes = len(pdf.content)
        current.page_count = pdf.page_count
        current.state = Report.State.DONE
        current.progress = 100
        current.progress_message = _("Ready")
        current.finished_at = timezone.now()
        current.save()
        if current.approval == Report.Approval.DRAFT:
            # A new file (first generation or a retry): its checksum says which one people are told of.
            announce("report_ready", obj=current, key=current.sha256[:16])
    return current


def _progress(report: Report, percent: int, message: str) -> None:
    now = time.monotonic()
    last = getattr(report, "_step_started", None)
    if last is not None:  # how long the step that just ended took: the worker log shows where time goes
        logger.info("Report %s: %s done in %.2fs", report.pk, report._step_name, now - last)
    report._step_started, report._step_name = now, message
    _step_delay()
    Report.objects.filter(pk=report.pk, state=Report.State.RUNNING).update(
        progress=percent, progress_message=message, updated_at=timezone.now()
    )


def _fail(report: Report, reason: str) -> None:
    Report.objects.filter(pk=report.pk).exclude(state=Report.State.DONE).update(
        state=Report.State.FAILED, error=reason, finished_at=timezone.now(), updated_at=timezone.now()
    )


def _requeue(report: Report, message: str) -> None:
    Report.objects.filter(pk=report.pk, state=Report.State.RUNNING).update(
        state=Report.State.QUEUED, progress_message=message, updated_at=timezone.now()
    )


@transaction.atomic
def reports_requeue_stalled() -> list[int]:
    """Generate again every running report whose worker died (see `Report.is_stalled`); their ids.

    Run by beat every minute (`reports.tasks.requeue_stalled_reports`), so such a report is picked up by a
    live worker within minutes, not when the broker redelivers its task after the visibility timeout (that
    late delivery then finds it running or done, and does nothing). Each run counts as an attempt: after
    MAX_ATTEMPTS the report is failed, with a retry offered.
    """
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.REPORT_STALL_SECONDS)
    stalled = list(Report.objects.select_for_update().filter(state=Report.State.RUNNING, started_at__lt=cutoff))
    for report in stalled:
        report.state = Report.State.QUEUED
        report.progress_message = _("The worker generating this report stopped; generating it again")
        report.save(update_fields=["state", "progress_message", "updated_at"])
        _enqueue(report)
    if stalled:
        logger.warning("Reports %s: their worker stopped; queued again", [r.pk for r in stalled])
    return [r.pk for r in stalled]


def report_mark_failed(*, report_id: int, reason: str) -> None:
    """Called by the task when it gives up (retries exhausted): the page then shows why and offers a retry."""
    Report.objects.filter(pk=report_id).exclude(state=Report.State.DONE).update(
        state=Report.State.FAILED, error=reason, finished_at=timezone.now(), updated_at=timezone.now()
    )


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def _step_delay() -> None:
    delay = os.environ.get(STEP_DELAY_ENV)
    if delay:
        time.sleep(float(delay))


def _hom_of(mission: Mission):
    return access.head_of_mission(mission.pk)


# --- files --------------------------------------------------------------------------------------


def _basename(report: Report) -> str:
    kind = {ReportKind.PROGRESS: "progress", ReportKind.ELECTION_SECURITY: "election-security"}.get(
        report.kind, "partners"
    )
    acronym = re.sub(r"[^A-Za-z0-9-]+", "", report.mission.acronym) or "mission"
    return f"{acronym}-{kind}-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}-r{report.pk}"


def _folder_path(report: Report) -> Path:
    return Path(default_storage.path(report_folder(report)))


def _store(report: Report, name: str, content: bytes) -> str:
    """Write `content` under its final name atomically (temporary file, fsync, rename) and return the
    storage name. The same report always gets the same names, so a re-run replaces, never adds."""
    folder = _folder_path(report)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    temporary = folder / f".{name}.{os.getpid()}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    return f"{report_folder(report)}/{name}"


def _remove_temporary_files(report: Report) -> None:
    folder = _folder_path(report)
    if folder.is_dir():
        for leftover in folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)


def _jsonable_tables(tables: list[dict]) -> list[dict]:
    def cell(value):
        if isinstance(value, decimal.Decimal):
            return float(value)
        if isinstance(value, datetime.datetime):
            return value.isoformat(sep=" ", timespec="minutes")
        if isinstance(value, datetime.date):
            return value.isoformat()
        if value is None or isinstance(value, int | float | bool):
            return value
        return str(value)

    return [
        {"title": str(t["title"]), "columns": [str(c) for c in t["columns"]],
         "rows": [[cell(v) for v in row] for row in t["rows"]]}
        for t in tables
    ]  # fmt: skip


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _xlsx_tables(tables: list[dict]) -> list[dict]:
    """Dates come back from JSON as ISO strings: give them back to Excel as dates."""

    def cell(value):
        if isinstance(value, str) and ISO_DATE.match(value):
            return datetime.date.fromisoformat(value)
        return value

    return [{**t, "rows": [[cell(v) for v in row] for row in t["rows"]]} for t in tables]


# --- sign-off and retry ---------------------------------------------------------------------------


@transaction.atomic
def report_approve(*, report: Report, user, expected_version: int | None = None) -> Report:
    """The HoM approves a generated draft. Re-stamps the PDF ("approved") from the frozen content."""
    if not access.can(user, access.Action.APPROVE, report):
        raise PermissionDenied
    claim_version(report, expected_version)
    current = Report.objects.get(pk=report.pk)
    if current.approval != Report.Approval.DRAFT:
        raise ReportStateError(_("This report has already been approved."))
    if current.state != Report.State.DONE:
        raise ReportStateError(_("Only a generated report can be approved."))
    report.approval = Report.Approval.APPROVED
    report.approved_by = user
    report.approved_at = timezone.now()
    _restamp(report)
    report.save(update_fields=["approval", "approved_by", "approved_at", "state", "progress", "progress_message",
                               "version", "updated_at"])  # fmt: skip
    audit_event_record(action=AuditEvent.Action.APPROVED, user=user, obj=report, summary=str(report))
    _enqueue(report)
    announce("report_approved", obj=report, actor=user)
    return report


@transaction.atomic
def report_release(*, report: Report, user, expected_version: int | None = None) -> Report:
    """The HoM releases an approved report to HQ: the approved PDF itself, unchanged (its checksum is the one
    recorded at approval). After that the report is immutable (its file and checksum never change)."""
    if not access.can(user, access.Action.APPROVE, report):
        raise PermissionDenied
    claim_version(report, expected_version)
    current = Report.objects.get(pk=report.pk)
    if current.approval == Report.Approval.RELEASED:
        raise ReportStateError(_("This report has already been released."))
    if current.approval != Report.Approval.APPROVED:
        raise ReportStateError(_("Approve the report before releasing it."))
    if current.state != Report.State.DONE:
        raise ReportStateError(_("Wait until the approved PDF is ready before releasing it."))
    if not current.approved_sha256 or current.sha256 != current.approved_sha256:
        raise ReportStateError(_("The PDF is not the one that was approved; approve it again before releasing it."))
    # Released as approved: no re-rendering, so HQ receives the very file (and checksum) the HoM approved.
    report.approval = Report.Approval.RELEASED
    report.released_by = user
    report.released_at = timezone.now()
    report.save(update_fields=["approval", "released_by", "released_at", "version", "updated_at"])
    audit_event_record(action=AuditEvent.Action.RELEASED, user=user, obj=report, summary=str(report))
    announce("report_released", obj=report, actor=user)
    return report


def _restamp(report: Report) -> None:
    # Queue a re-render of the frame; `report_generate` reuses the frozen snapshot and the XLSX.
    report.state = Report.State.QUEUED
    report.progress = 0
    report.progress_message = _("Stamping the PDF with its new status")


@transaction.atomic
def report_retry(*, report: Report, user, expected_version: int | None = None) -> Report:
    """Queue a failed report again. Who may request a report of this kind may retry it."""
    if not access.can_add(user, Report, report.mission, kind=report.kind):
        raise PermissionDenied
    claim_version(report, expected_version)
    current = Report.objects.get(pk=report.pk)
    if not current.can_be_retried:
        raise ReportStateError(_("Only a failed report, or one no worker has finished in time, can be retried."))
    report.state = Report.State.QUEUED
    report.progress = 0
    report.progress_message = _("Waiting for a worker")
    report.error = ""
    report.attempts = 0
    report.save(update_fields=["state", "progress", "progress_message", "error", "attempts", "version", "updated_at"])
    _enqueue(report)
    return report


# --- HQ feedback --------------------------------------------------------------------------------

COMMENT_MAX_LENGTH = 5_000


@transaction.atomic
def report_comment_add(
    *, user, report: Report, body: str, section: str = "", parent: ReportComment | None = None
) -> ReportComment:
    """An HQ reader's comment on a released report (whole, or one section), or an answer in its thread.

    HQ readers comment and answer; the HoM and the MLT answer (access.can_comment_report). An answer goes to
    the thread's first comment and inherits its section. Raises ValidationError for an empty or too long text.
    """
    if not access.can_comment_report(user, report, answering=parent is not None):
        raise PermissionDenied
    body = (body or "").strip()
    errors = {}
    if not body:
        errors["body"] = _("Write the comment.")
    elif len(body) > COMMENT_MAX_LENGTH:
        errors["body"] = _("Keep the comment under %(n)s characters.") % {"n": COMMENT_MAX_LENGTH}
    if parent is not None and parent.report_id != report.pk:
        errors["parent"] = _("Answer a comment of this report.")
    if errors:
        raise ValidationError(errors)
    if parent is not None:
        while parent.parent_id is not None:
            parent = parent.parent
        section = parent.section
    comment = ReportComment.objects.create(report=report, section=section[:40], parent=parent, author=user, body=body)
    # Told to the leadership when HQ writes, to the thread's HQ readers when the mission answers.
    announce("report_comment", obj=comment, actor=user, key="new")
    return comment


# --- schedules ------------------------------------------------------------------------------------


def previous_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def reports_generate_scheduled(*, today: datetime.date | None = None) -> list[Report]:
    """For each enabled schedule, request the report of the previous calendar month as a draft for the
    mission's HoM, once per period: running it again (beat fires twice, a retry) creates nothing more.
    """
    today = today or timezone.localdate()
    period_start, period_end = previous_month(today)
    created = []
    schedules = ReportSchedule.objects.filter(enabled=True).select_related("mission").order_by("mission_id", "id")
    for schedule in schedules:
        with transaction.atomic():
            locked = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
            if locked.last_period_end and locked.last_period_end >= period_end:
                continue
            if Report.objects.filter(
                mission=schedule.mission, kind=locked.kind, scheduled=True, period_start=period_start,
                period_end=period_end,
            ).exists():  # fmt: skip
                locked.last_period_end = period_end
                locked.save(update_fields=["last_period_end"])
                continue
            hom = _hom_of(schedule.mission)
            if hom is None or locked.kind == ReportKind.ELECTION_SECURITY:
                logger.warning("Schedule %s skipped: no HoM, or a kind that needs an election", locked.pk)
                continue
            report = report_request(
                mission=schedule.mission,
                kind=locked.kind,
                period_start=period_start,
                period_end=period_end,
                user=hom,
                language=schedule.mission.default_language,
                scheduled=True,
            )
            locked.last_period_end = period_end
            locked.save(update_fields=["last_period_end"])
            created.append(report)
    return created


# --- downloads ------------------------------------------------------------------------------------


def report_file_open(*, report: Report, user, fmt: str):
    """The report's PDF (`fmt="pdf"`) or XLSX opened for a download, with its file name; None when that file
    does not exist (yet). The caller has checked that `user` may view the report. Each download is recorded
    in the audit trail (an election security report is the security plan's data)."""
    field = {"pdf": report.file, "xlsx": report.xlsx_file}.get(fmt)
    if field is None or not report.is_downloadable or not field:
        return None
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        return None
    audit_event_record(
        action=AuditEvent.Action.REPORT_DOWNLOADED, user=user, obj=report, summary=f"{report} ({fmt.upper()})"
    )
    return handle, field.name.rsplit("/", 1)[-1]
