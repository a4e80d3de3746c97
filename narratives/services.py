"""Writes of the mandate and the performance narratives: mandate tasks (edited and imported), narratives and
their validation workflow, the Head of Mission's overview, and evidence attachments.

Every service takes the acting user and checks access itself (`mandate.access`); a refusal raises
PermissionDenied, bad input ValidationError with field messages. History is kept by django-simple-history
on every model here (narratives keep each state they went through).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benchmarks.models import Assessment, Benchmark, OperationalOutput
from mandate import access
from missions import imports
from missions.concurrency import claim_version
from missions.events import announce
from missions.models import Mission
from narratives import evidence
from narratives.models import Attachment, MandateTask, Narrative, Overview
from partners.models import Engagement

Action = access.Action


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Your role in this mission does not allow this action."))


# --- mandate tasks ------------------------------------------------------------------------------

MANDATE_TASK_FIELDS = ("resolution", "paragraph", "short_title", "text", "priority", "order")


def _check_links(mission: Mission, outputs: Iterable[OperationalOutput], benchmarks: Iterable[Benchmark]) -> None:
    errors = {}
    if any(o.mission_id != mission.pk for o in outputs):
        errors["outputs"] = _("Choose outputs of this mission.")
    if any(b.output.mission_id != mission.pk for b in benchmarks):
        errors["benchmarks"] = _("Choose benchmarks of this mission.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def mandate_task_create(
    *,
    user,
    mission: Mission,
    resolution: str,
    paragraph: str,
    short_title: str,
    text: str = "",
    priority: str = MandateTask.Priority.MEDIUM,
    order: int = 0,
    outputs: Iterable[OperationalOutput] = (),
    benchmarks: Iterable[Benchmark] = (),
) -> MandateTask:
    """Add an operative paragraph of the mandate, linked to the outputs and benchmarks that serve it."""
    _require(access.can_add(user, MandateTask, mission))
    outputs, benchmarks = list(outputs), list(benchmarks)
    _check_links(mission, outputs, benchmarks)
    task = MandateTask(
        mission=mission,
        resolution=resolution.strip(),
        paragraph=paragraph.strip(),
        short_title=short_title.strip(),
        text=text,
        priority=priority,
        order=order,
    )
    task.full_clean()
    task.save()
    task.outputs.set(outputs)
    task.benchmarks.set(benchmarks)
    return task


@transaction.atomic
def mandate_task_update(
    *,
    user,
    task: MandateTask,
    expected_version: int | None,
    outputs: Iterable[OperationalOutput] | None = None,
    benchmarks: Iterable[Benchmark] | None = None,
    **changes,
) -> MandateTask:
    """Change a mandate task's fields (any of MANDATE_TASK_FIELDS) and, when given, its links."""
    _require(access.can(user, Action.EDIT, task))
    unknown = set(changes) - set(MANDATE_TASK_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    claim_version(task, expected_version)
    for name, value in changes.items():
        setattr(task, name, value.strip() if isinstance(value, str) and name != "text" else value)
    task.full_clean()
    task.save()
    if outputs is not None or benchmarks is not None:
        outputs = list(outputs) if outputs is not None else list(task.outputs.all())
        benchmarks = list(benchmarks) if benchmarks is not None else list(task.benchmarks.all())
        _check_links(task.mission, outputs, benchmarks)
        task.outputs.set(outputs)
        task.benchmarks.set(benchmarks)
    return task


IMPORT_COLUMNS = ["resolution", "paragraph", "short_title", "text", "priority", "outputs"]
IMPORT_ALIASES = {
    "op": "paragraph",
    "operative_paragraph": "paragraph",
    "paragraphe": "paragraph",
    "title": "short_title",
    "titre": "short_title",
    "titre_court": "short_title",
    "texte": "text",
    "priorite": "priority",
    "output": "outputs",
    "produits": "outputs",
    "produit": "outputs",
}


@transaction.atomic
def mandate_tasks_import(*, user, mission: Mission, uploaded_file) -> imports.ImportReport:
    """Import mandate tasks from a CSV/XLSX with the columns of IMPORT_COLUMNS, all or nothing.

    `outputs` lists output titles separated by ";" (case and accents ignored). A row whose resolution and
    paragraph already exist updates that task; others are created. Nothing is written when any row has an
    error: the report lists them by row.
    """
    _require(access.can_add(user, MandateTask, mission))
    report = imports.ImportReport()
    try:
        rows = imports.read_table(uploaded_file, aliases=IMPORT_ALIASES, max_rows=2_000)
    except imports.TableError as exc:
        report.add(None, "", str(exc))
        return report
    report.total_rows = len(rows)
    for column in imports.missing_columns(rows, ["resolution", "paragraph", "short_title"]):
        report.add(None, column, _("The column is missing."))
    if not report.ok:
        return report
    outputs = {imports.normalise_header(o.title): o for o in mission.outputs.filter(retired_at__isnull=True)}
    priorities = {imports.normalise_header(str(label)): value for value, label in MandateTask.Priority.choices}
    priorities.update({value: value for value in MandateTask.Priority.values})
    existing = {(t.resolution, t.paragraph): t for t in mission.mandate_tasks.all()}
    seen: dict[tuple[str, str], int] = {}
    planned = []
    for position, row in enumerate(rows, start=1):
        line = row[imports.ROW]
        key = (row.get("resolution", ""), row.get("paragraph", ""))
        for column in ("resolution", "paragraph", "short_title"):
            if not row.get(column):
                report.add(line, column, _("A value is required."))
        if key in seen:
            report.add(
                line,
                "paragraph",
                _("%(resolution)s OP %(paragraph)s is already on row %(row)s.")
                % {"resolution": key[0], "paragraph": key[1], "row": seen[key]},
            )
        seen.setdefault(key, line)
        priority = priorities.get(imports.normalise_header(row.get("priority", "")) or "medium")
        if priority is None:
            report.add(
                line,
                "priority",
                _("“%(value)s” is not a priority; use one of: %(choices)s.")
                % {"value": row["priority"], "choices": ", ".join(MandateTask.Priority.values)},
            )
        linked = []
        for title in filter(None, (t.strip() for t in row.get("outputs", "").split(";"))):
            output = outputs.get(imports.normalise_header(title))
            if output is None:
                report.add(line, "outputs", _("“%(title)s” is not an output of this mission.") % {"title": title})
            else:
                linked.append(output)
        planned.append((key, row, priority, linked, position))
    if not report.ok:
        return report
    for key, row, priority, linked, position in planned:
        values = {
            "short_title": row["short_title"],
            "text": row.get("text", ""),
            "priority": priority,
            "order": position,
        }
        task = existing.get(key)
        if task is None:
            mandate_task_create(
                user=user, mission=mission, resolution=key[0], paragraph=key[1], outputs=linked, **values
            )
            report.created += 1
        else:
            mandate_task_update(user=user, task=task, expected_version=None, outputs=linked, **values)
    return report


# --- narratives ---------------------------------------------------------------------------------


def _validate_period(period_start: datetime.date, period_end: datetime.date) -> None:
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period cannot end before it starts.")})


@transaction.atomic
def narrative_save(
    *,
    user,
    output: OperationalOutput,
    period_start: datetime.date,
    period_end: datetime.date,
    progress: str,
    challenges: str,
    next_steps: str,
    rating: str,
    expected_version: int | None = None,
) -> Narrative:
    """Write (create or update) the draft narrative of `output` for the period.

    Only the output's lead component (or the leadership) writes it, and only while it is a draft or returned.
    Updating an existing narrative needs the version the writer started from (ConcurrentEditError if stale).
    """
    _validate_period(period_start, period_end)
    narrative = (
        Narrative.objects.select_for_update()
        .filter(output=output, period_start=period_start, period_end=period_end)
        .first()
    )
    texts = {"progress": progress, "challenges": challenges, "next_steps": next_steps, "rating": rating}
    if narrative is None:
        _require(access.can_add(user, Narrative, output))
        narrative = Narrative(output=output, period_start=period_start, period_end=period_end, written_by=user, **texts)
    else:
        if not narrative.is_editable:
            raise ValidationError(
                _("This narrative is %(status)s: it can no longer be changed.")
                % {"status": narrative.get_status_display().lower()}
            )
        _require(access.can(user, Action.EDIT, narrative))
        claim_version(narrative, expected_version)
        for name, value in texts.items():
            setattr(narrative, name, value)
    narrative.full_clean()
    narrative.save()
    return narrative


@transaction.atomic
def narrative_submit(*, user, narrative: Narrative, expected_version: int | None) -> Narrative:
    """Send the narrative to the output's leader for validation. It must say something in each part."""
    _require(access.can(user, Action.SUBMIT, narrative))
    errors = {
        name: _("Write this part before submitting.")
        for name in ("progress", "challenges", "next_steps")
        if not getattr(narrative, name).strip()
    }
    if not narrative.rating:
        errors["rating"] = _("Give the overall rating before submitting.")
    if errors:
        raise ValidationError(errors)
    claim_version(narrative, expected_version)
    narrative.status = Narrative.Status.SUBMITTED
    narrative.submitted_at = timezone.now()
    narrative.save()
    announce("narrative_submitted", obj=narrative, actor=user)
    return narrative


@transaction.atomic
def narrative_review(
    *, user, narrative: Narrative, expected_version: int | None, validate: bool, comment: str = ""
) -> Narrative:
    """Validate (freeze) or return a submitted narrative. Returning needs a comment saying what to change."""
    _require(access.can_validate_narrative(user, narrative))
    comment = comment.strip()
    if not validate and not comment:
        raise ValidationError({"review_comment": _("Say what should change before returning the narrative.")})
    claim_version(narrative, expected_version)
    narrative.status = Narrative.Status.VALIDATED if validate else Narrative.Status.RETURNED
    narrative.review_comment = comment
    narrative.reviewed_by = user
    narrative.reviewed_at = timezone.now()
    narrative.save()
    announce("narrative_validated" if validate else "narrative_returned", obj=narrative, actor=user)
    return narrative


@transaction.atomic
def overview_save(
    *,
    user,
    mission: Mission,
    period_start: datetime.date,
    period_end: datetime.date,
    text: str,
    expected_version: int | None = None,
) -> Overview:
    """Write the Head of Mission's overview of the period (create or update)."""
    _validate_period(period_start, period_end)
    if not text.strip():
        raise ValidationError({"text": _("Write the overview.")})
    overview = (
        Overview.objects.select_for_update()
        .filter(mission=mission, period_start=period_start, period_end=period_end)
        .first()
    )
    if overview is None:
        _require(access.can_add(user, Overview, mission))
        overview = Overview(mission=mission, period_start=period_start, period_end=period_end, written_by=user)
    else:
        _require(access.can(user, Action.EDIT, overview))
        claim_version(overview, expected_version)
        overview.written_by = user
    overview.text = text
    overview.full_clean()
    overview.save()
    return overview


# --- evidence -----------------------------------------------------------------------------------


def _mission_of_target(target) -> int:
    if isinstance(target, Assessment):
        return target.benchmark.output.mission_id
    if isinstance(target, Narrative):
        return target.output.mission_id
    if isinstance(target, Engagement):
        return target.mission_id
    raise ValueError("Evidence is attached to assessments, narratives and engagements only.")


@transaction.atomic
def attachment_add(*, user, target, uploaded_file, description: str = "") -> Attachment:
    """Store an uploaded document or photo as evidence for `target`.

    The size is limited (`evidence.MAX_BYTES`) and the type is read from the content, never from the name or
    the browser's claim (`evidence.sniff`); anything else is refused with a ValidationError on `file`.
    """
    _require(access.can_attach_evidence(user, target))
    content, kind, extension = evidence.read_checked(uploaded_file)
    name = (getattr(uploaded_file, "name", "") or "evidence").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]
    attachment = Attachment(
        mission_id=_mission_of_target(target),
        target=target,
        token=secrets.token_hex(16),
        extension=extension,
        name=name,
        kind=kind,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        description=description.strip()[:300],
        uploaded_by=user,
    )
    attachment.file.save(f"{attachment.token}{extension}", ContentFile(content), save=False)
    attachment.save()
    return attachment
