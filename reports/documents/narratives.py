"""The narrative part of the progress report: the Head of Mission's overview, then one section per output
(or per mandate task, in the order of the resolutions), each with its narrative, its benchmarks, indicators
and risks.

Built from data the progress report has already read (`selectors.ProgressData`) plus the narratives, the
overview, the mandate tasks and the evidence lists: a constant number of extra queries, whatever the number
of outputs (tests/test_narratives.py counts them at two sizes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from benchmarks.models import Indicator, OperationalOutput, Risk
from narratives.models import Narrative
from narratives.selectors import attachments_for, mandate_tasks, narratives_for_period
from reports.models import Report, SectionsBy
from reports.selectors import BenchmarkRow, ProgressData

# Per section, the PDF lists this many benchmarks, indicators and risks; the XLSX has them all.
ROWS_PER_SECTION = 40


@dataclass
class OutputPart:
    output: OperationalOutput
    narrative: Narrative | None
    benchmarks: list[BenchmarkRow]
    indicators: list[dict]
    risks: list[Risk]
    attachments: list = field(default_factory=list)

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
    evidence = attachments_for(user=user, targets=list(narratives.values()))
    narrative_type = ContentType.objects.get_for_model(Narrative).pk

    def part(output: OperationalOutput) -> OutputPart:
        narrative = narratives.get(output.pk)
        return OutputPart(
            output=output,
            narrative=narrative,
            benchmarks=benchmarks_by_output.get(output.pk, []),
            indicators=indicators_by_output.get(output.pk, []),
            risks=risks_by_output.get(output.pk, []),
            attachments=evidence.get((narrative_type, narrative.pk), []) if narrative else [],
        )

    outputs = [summary.output for summary in data.outputs]
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
    return NarrativePart(
        overview=overview,
        sections=sections,
        by_task=report.sections_by == SectionsBy.MANDATE_TASK,
        include_unvalidated=report.include_unvalidated,
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
