"""The narrative part of the progress report: the Head of Mission's overview, then one section per output
(or per mandate task, in the order of the resolutions), each with its narrative, its benchmarks, indicators
and risks.

Built from data the progress report has already read (`selectors.ProgressData`) plus the narratives, the
overview, the mandate tasks and the evidence on file: a constant number of extra queries, whatever the number
of outputs (tests/test_narratives.py counts them at two sizes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from benchmarks.models import Indicator, OperationalOutput, Risk, Status
from narratives.models import Narrative
from narratives.selectors import (
    EvidenceFile,
    evidence_in_period,
    mandate_tasks,
    narratives_for_period,
)
from reports.models import Report, SectionsBy
from reports.selectors import BenchmarkRow, ProgressData

# Per section, the PDF lists this many benchmarks, indicators and risks; the XLSX has them all.
ROWS_PER_SECTION = 40
# A mission with more outputs than this has the shorter sections of a large mission: each lists the rows that
# most need attention (off track, at risk, changed; indicators furthest from target; the highest risks), up to
# ROWS_PER_SECTION_LARGE, and an output serving several mandate tasks is shown in full once. Fifty outputs of
# forty rows each made a 300-page PDF that took a worker over 900 MB to lay out (perf/narratives.py).
LARGE_MISSION_OUTPUTS = 10
ROWS_PER_SECTION_LARGE = 10
# Benchmarks that most need attention first: off track, at risk, then those whose status changed.
ATTENTION_ORDER = {Status.OFF_TRACK: 0, Status.AT_RISK: 1}


@dataclass
class OutputPart:
    output: OperationalOutput
    narrative: Narrative | None
    benchmarks: list[BenchmarkRow]
    indicators: list[dict]
    risks: list[Risk]
    attachments: list = field(default_factory=list)
    shown_in: str = ""  # in a large mission's report by mandate task: the section already showing this output

    @property
    def narrative_validated(self) -> bool:
        return self.narrative is not None and self.narrative.status == Narrative.Status.VALIDATED


@dataclass
class Section:
    key: str  # the section a comment from HQ can name: "output-<id>" or "task-<id>"
    title: str
    subtitle: str
    parts: list[OutputPart]
    text: str = ""  # a mandate task's paragraph


@dataclass
class NarrativePart:
    overview: object | None
    sections: list[Section]
    by_task: bool
    include_unvalidated: bool
    rows_per_section: int = ROWS_PER_SECTION
    large: bool = False  # the shorter sections of a large mission (LARGE_MISSION_OUTPUTS)

    @property
    def narratives(self) -> list[Narrative]:
        """The narratives the report shows, once each (an output may serve several mandate tasks)."""
        seen: dict[int, Narrative] = {}
        for section in self.sections:
            for item in section.parts:
                if item.narrative is not None:
                    seen.setdefault(item.narrative.pk, item.narrative)
        return list(seen.values())


def build(report: Report, user, data: ProgressData, indicator_rows: list[dict]) -> NarrativePart:
    """The overview and the sections of the progress report, as `user` may see them."""
    narratives, overview = narratives_for_period(
        user=user,
        mission=report.mission,
        start=report.period_start,
        end=report.period_end,
        validated_only=not report.include_unvalidated,
    )
    benchmarks_by_output: dict[int, list[BenchmarkRow]] = {}
    for row in data.rows:
        benchmarks_by_output.setdefault(row.benchmark.output_id, []).append(row)
    indicators_by_output: dict[int, list[dict]] = {}
    for row in indicator_rows:
        indicator: Indicator = row["indicator"]
        indicators_by_output.setdefault(indicator.output_id, []).append(row)
    risks_by_output: dict[int, list[Risk]] = {}
    for risk in data.risks:
        risks_by_output.setdefault(risk.output_id, []).append(risk)

    outputs = [summary.output for summary in data.outputs]
    large = len(outputs) > LARGE_MISSION_OUTPUTS

    def part(output: OperationalOutput) -> OutputPart:
        narrative = narratives.get(output.pk)
        if narrative is not None:
            narrative.output = output  # already in memory: the evidence list names it without a query
        benchmarks = benchmarks_by_output.get(output.pk, [])
        indicators = indicators_by_output.get(output.pk, [])
        if large:
            # Stable sorts: within each rank the framework's order stays.
            benchmarks = sorted(benchmarks, key=lambda r: ATTENTION_ORDER.get(r.status, 2 if r.changed else 3))
            indicators = sorted(indicators, key=lambda i: (i["percent"] is None, i["percent"] or 0))
        return OutputPart(
            output=output,
            narrative=narrative,
            benchmarks=benchmarks,
            indicators=indicators,
            risks=risks_by_output.get(output.pk, []),  # highest score first (the register's order)
        )

    if report.sections_by == SectionsBy.MANDATE_TASK:
        sections = _by_task(report, user, outputs, part)
    else:
        sections = [
            Section(
                key=f"output-{o.pk}",
                title=o.title,
                subtitle=str(o.lead_component or ""),
                parts=[part(o)],
            )
            for o in outputs
        ]
    if large and report.sections_by == SectionsBy.MANDATE_TASK:
        first_shown: dict[int, str] = {}
        for number, section in enumerate(sections, start=1):
            for item in section.parts:
                if item.output.pk in first_shown:
                    item.shown_in = first_shown[item.output.pk]
                else:
                    first_shown[item.output.pk] = str(number)
    return NarrativePart(
        overview=overview,
        sections=sections,
        by_task=report.sections_by == SectionsBy.MANDATE_TASK,
        include_unvalidated=report.include_unvalidated,
        rows_per_section=ROWS_PER_SECTION_LARGE if large else ROWS_PER_SECTION,
        large=large,
    )


def _by_task(report: Report, user, outputs: list[OperationalOutput], part) -> list[Section]:
    """One section per mandate task in resolution order; an output serving several tasks appears in each.
    Outputs that serve no task close the report under their own heading."""
    by_pk = {o.pk: o for o in outputs}
    sections, served = [], set()
    for task in mandate_tasks(user=user, mission=report.mission):
        task_outputs = [by_pk[o.pk] for o in task.live_outputs if o.pk in by_pk]
        own = {b.output_id for b in task.own_benchmarks if b.output_id in by_pk}
        for output_id in sorted(own - {o.pk for o in task_outputs}):
            task_outputs.append(by_pk[output_id])
        served.update(o.pk for o in task_outputs)
        sections.append(
            Section(
                key=f"task-{task.pk}",
                title=_("%(resolution)s, OP %(paragraph)s: %(title)s")
                % {"resolution": task.resolution, "paragraph": task.paragraph, "title": task.short_title},
                subtitle=task.get_priority_display(),
                text=task.text,
                parts=[part(o) for o in task_outputs],
            )
        )
    rest = [o for o in outputs if o.pk not in served]
    if rest:
        sections.append(
            Section(
                key="other-outputs",
                title=_("Outputs not linked to a mandate task"),
                subtitle="",
                parts=[part(o) for o in rest],
            )
        )
    return sections


def narrative_table(part: NarrativePart) -> dict:
    """The narratives as an XLSX table (full texts)."""
    rows = []
    for section in part.sections:
        for item in section.parts:
            n = item.narrative
            rows.append(
                [
                    section.title,
                    item.output.title,
                    n.get_status_display() if n else _("Not written"),
                    n.get_rating_display() if n and n.rating else "",
                    n.progress if n else "",
                    n.challenges if n else "",
                    n.next_steps if n else "",
                ]
            )
    return {
        "title": _("Narratives"),
        "columns": [
            _("Section"),
            _("Output"),
            _("Status"),
            _("Overall rating"),
            _("Progress"),
            _("Challenges and risks"),
            _("Next steps"),
        ],
        "rows": rows,
    }


# The PDF lists this many evidence files; the XLSX lists them all.
EVIDENCE_FILES_IN_PDF = 200


def evidence_files(report: Report, user, part: NarrativePart) -> list[EvidenceFile]:
    """The evidence on file for the report: attachments of the period's assessments and engagements and of
    the report's narratives, listed by name, type and size (never embedded, never fetched). Each narrative's
    own files are also listed under it, from the same query."""
    files = evidence_in_period(
        user=user, mission=report.mission, start=report.period_start, end=report.period_end,
        narratives=part.narratives,
    )  # fmt: skip
    narrative_type = ContentType.objects.get_for_model(Narrative).pk
    by_narrative: dict[int, list] = {}
    for f in files:
        if f.attachment.content_type_id == narrative_type:
            by_narrative.setdefault(f.attachment.object_id, []).append(f.attachment)
    for section in part.sections:
        for item in section.parts:
            item.attachments = by_narrative.get(item.narrative.pk, []) if item.narrative else []
    return files


def evidence_table(files: list[EvidenceFile]) -> dict:
    return {
        "title": _("Evidence on file"),
        "columns": [_("File"), _("Type"), _("Size (bytes)"), _("Supports"), _("Dated"), _("Uploaded by")],
        "rows": [
            [
                f.attachment.name,
                f.attachment.get_kind_display(),
                f.attachment.size_bytes,
                f.supports,
                f.on,
                f.attachment.uploaded_by.get_full_name() or f.attachment.uploaded_by.username,
            ]
            for f in files
        ],
    }
