"""The mission progress report's body: changes, attention, evidence, indicators, charts."""

from __future__ import annotations

import datetime
from collections import Counter

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from benchmarks import charts
from benchmarks.models import Status, Term
from benchmarks.selectors import status_trend
from partners.selectors import partnership_indicators_by_output
from reports import selectors
from reports.documents import narratives as narrative_sections
from reports.documents._common import (
    CHART_CHUNK,
    EVIDENCE_CHARS,
    INDICATORS_BEHIND,
    INDICATORS_IN_FULL,
    LIST_CAP,
    LIST_IN_FULL,
    OUTPUTS_BY_TERM_CHART,
    RISKS_IN_PDF,
    STATEMENT_CHARS,
    STATUSES,
    Body,
    _d,
    _pdf_chart,
    since_date,
)
from reports.documents.partner import _partnership_table
from reports.models import Report


def _progress_body(report: Report, user) -> Body:
    since, previous = since_date(report)
    data = selectors.progress_report_data(
        mission=report.mission, user=user, period_start=report.period_start, period_end=report.period_end, since=since
    )
    partnership = partnership_indicators_by_output(report.mission, user, report.period_start, report.period_end)

    now, before = data.status_now, data.status_before
    status_summary = [
        {"status": s, "label": Status(s).label, "now": now.get(s, 0), "before": before.get(s, 0)} for s in STATUSES
    ]
    for row in status_summary:
        row["delta"] = row["now"] - row["before"]
    output_groups = []
    for summary in data.outputs:
        rows = []
        for term in Term:
            counts = summary.by_term[term.value]
            if sum(counts.values()):
                rows.append({"term": term.label, "counts": [counts.get(s, 0) for s in STATUSES],
                             "total": sum(counts.values())})  # fmt: skip
        output_groups.append({"summary": summary, "rows": rows})
    changed = data.changed
    changes_listed, changes_note = _changes_to_list(changed)
    attention_listed, attention_note = _attention_to_list(data.attention)
    key_evidence = _key_evidence(data, per_output=3 if len(data.outputs) <= 10 else 1)
    indicator_rows = [_indicator_row(i) for i in data.indicators]
    if len(indicator_rows) <= INDICATORS_IN_FULL:
        indicators_listed, indicator_summary = indicator_rows, []
    else:
        behind = [i for i in indicator_rows if i["percent"] is not None]
        indicators_listed = sorted(behind, key=lambda i: i["percent"])[:INDICATORS_BEHIND]
        indicator_summary = _indicator_summary(data, indicator_rows)
    trend = status_trend(report.mission, user, months=12, today=report.period_end)
    narrative = narrative_sections.build(report, user, data, indicator_rows)
    evidence_files = narrative_sections.evidence_files(report, user, narrative)
    first = len(narrative.sections) + 1

    context = {
        "report": report,
        "previous": previous,
        "since": since,
        "data": data,
        "statuses": [(s, Status(s).label) for s in STATUSES],
        "status_summary": status_summary,
        "output_groups": output_groups,
        "changed": changed,
        "changes_listed": changes_listed,
        "changes_note": changes_note,
        "transitions": _transitions(changed),
        "improved": sum(1 for r in changed if r.direction == "up"),
        "declined": sum(1 for r in changed if r.direction == "down"),
        "attention": data.attention,
        "attention_listed": attention_listed,
        "attention_note": attention_note,
        "key_evidence": key_evidence,
        "indicators": indicators_listed,
        "indicators_total": len(indicator_rows),
        "indicator_summary": indicator_summary,
        "risks": data.risks[:RISKS_IN_PDF],
        "risks_total": len(data.risks),
        "risks_in_pdf": RISKS_IN_PDF,
        "elections": data.elections,
        "partnership": partnership,
        "evidence_chars": EVIDENCE_CHARS,
        "statement_chars": STATEMENT_CHARS,
        "status_charts": [_pdf_chart(c) for c in _status_charts(data)],
        "risk_chart": _pdf_chart(charts.risk_heat_map(data.risk_heat)) if data.risks else "",
        "trend_chart": _pdf_chart(charts.status_trend(trend.months, trend.counts)) if data.rows else "",
        "total_benchmarks": len(data.rows),
        "narrative": narrative,
        "evidence_files": evidence_files[: narrative_sections.EVIDENCE_FILES_IN_PDF],
        "evidence_files_total": len(evidence_files),
        # The figures' chapters follow the narrative sections: ch.1 (summary) is numbered after them.
        "ch": list(range(first - 1, first + 9)),
    }
    html = render_to_string("reports/pdf/progress.html", context)

    tables = [
        {
            "title": _("Status summary"),
            "columns": [_("Status"), _("At %(date)s") % {"date": _d(since)}, _("Now"), _("Change")],
            "rows": [[r["label"], r["before"], r["now"], r["delta"]] for r in status_summary],
        },
        {
            "title": _("Status by output and term"),
            "columns": [_("Output"), _("Term"), *[Status(s).label for s in STATUSES], _("Total")],
            "rows": [
                [g["summary"].output.title, r["term"], *r["counts"], r["total"]]
                for g in output_groups
                for r in g["rows"]
            ],
        },
        {
            "title": _("Benchmarks"),
            "columns": [
                _("Output"),
                _("Term"),
                _("Benchmark"),
                _("Lead component"),
                _("Target date"),
                _("Status before"),
                _("Status"),
                _("Progress (%)"),
                _("Assessed on"),
                _("Evidence"),
            ],
            "rows": [
                [
                    r.benchmark.output.title,
                    Term(r.benchmark.term).label,
                    r.benchmark.statement,
                    str(r.benchmark.lead_component or ""),
                    r.benchmark.target_date,
                    Status(r.status_before).label,
                    Status(r.status).label,
                    r.progress,
                    r.now.assessed_on if r.now else None,
                    r.now.evidence if r.now else "",
                ]
                for r in data.rows
            ],
        },  # fmt: skip
        {
            "title": _("Indicators"),
            "columns": [
                _("Output"),
                _("Indicator"),
                _("Unit"),
                _("Baseline"),
                _("Target"),
                _("Actual"),
                _("Actual as of"),
                _("% of target"),
            ],
            "rows": [
                [
                    i["indicator"].output.title,
                    i["indicator"].name,
                    i["indicator"].unit,
                    i["baseline"],
                    i["target"],
                    i["actual"],
                    i["as_of"],
                    i["percent"],
                ]
                for i in indicator_rows
            ],
        },  # fmt: skip
        {
            "title": _("Risk register"),
            "columns": [
                _("Output"),
                _("Kind"),
                _("Risk"),
                _("Likelihood"),
                _("Impact"),
                _("Score"),
                _("Owner"),
                _("Mitigation"),
            ],
            "rows": [
                [
                    r.output.title,
                    r.get_kind_display(),
                    r.title,
                    r.likelihood,
                    r.impact,
                    r.score,
                    str(r.owner or ""),
                    r.mitigation,
                ]
                for r in data.risks
            ],
        },  # fmt: skip
        {
            "title": _("Elections"),
            "columns": [_("Election"), _("Polling"), _("Milestones"), _("Done"), _("Delayed"), _("Overdue")],
            "rows": [
                [
                    e.name,
                    e.polling_start,
                    e.milestones_total,
                    e.milestones_done,
                    e.milestones_delayed,
                    e.milestones_overdue,
                ]
                for e in data.elections
            ],
        },  # fmt: skip
        _partnership_table(partnership),
        narrative_sections.narrative_table(narrative),
        narrative_sections.evidence_table(evidence_files),
    ]
    return Body(html=html, tables=tables)


def _changes_to_list(changed: list) -> tuple[list, str]:
    if len(changed) <= LIST_IN_FULL:
        return changed, ""
    notable = [r for r in changed if r.status in {Status.OFF_TRACK, Status.ACHIEVED}]
    notable.sort(key=lambda r: (r.status != Status.OFF_TRACK, r.benchmark.output.order, r.benchmark.output_id))
    listed = notable[:LIST_CAP]
    note = _(
        "%(changed)s benchmarks changed status. Listed here: the %(listed)s that went off track or were "
        "achieved%(capped)s. The XLSX lists every benchmark with its status before and now."
    ) % {
        "changed": len(changed),
        "listed": len(listed),
        "capped": _(" (the first %(n)s of %(total)s)") % {"n": len(listed), "total": len(notable)}
        if len(notable) > len(listed)
        else "",
    }
    return listed, note


def _attention_to_list(attention: list) -> tuple[list, str]:
    if len(attention) <= LIST_IN_FULL:
        return attention, ""
    off_track = [r for r in attention if r.status == Status.OFF_TRACK]
    off_track.sort(key=lambda r: (r.progress, r.benchmark.target_date or datetime.date.max))
    listed = off_track[:LIST_CAP]
    note = _(
        "%(n)s benchmarks stay off track or at risk (%(off)s off track). Listed here: the off-track ones with "
        "the least progress (%(listed)s); the XLSX lists them all."
    ) % {"n": len(attention), "off": len(off_track), "listed": len(listed)}
    return listed, note


def _transitions(changed: list) -> list[dict]:
    """Status before (rows) x status now (columns): how the changed benchmarks moved."""
    counts = Counter((r.status_before, r.status) for r in changed)
    return [
        {"label": Status(before).label, "status": before, "counts": [counts.get((before, now), 0) for now in STATUSES]}
        for before in STATUSES
        if any(counts.get((before, now)) for now in STATUSES)
    ]


def _indicator_summary(data, rows: list[dict]) -> list[dict]:
    by_output: dict[int, list] = {}
    for row in rows:
        by_output.setdefault(row["indicator"].output_id, []).append(row)
    result = []
    for summary in data.outputs:
        items = by_output.get(summary.output.pk, [])
        if not items:
            continue
        measured = [i["percent"] for i in items if i["percent"] is not None]
        result.append({
            "output": summary.output,
            "n": len(items),
            "measured": len(measured),
            "on_target": sum(1 for p in measured if p >= 100),
            "behind": sum(1 for p in measured if p < 50),
            "median": sorted(measured)[len(measured) // 2] if measured else None,
        })  # fmt: skip
    return result


def _key_evidence(data: selectors.ProgressData, per_output: int = 3) -> list[dict]:
    """Per output, the newest assessments recorded in the period that give evidence."""
    by_output: dict[int, list] = {}
    for row in data.rows:
        if row.assessed_in_period and row.now.evidence.strip() and row.now.assessed_on >= data.period_start:
            by_output.setdefault(row.benchmark.output_id, []).append(row)
    result = []
    for summary in data.outputs:
        rows = sorted(by_output.get(summary.output.pk, []), key=lambda r: r.now.assessed_on, reverse=True)
        if rows:
            result.append({"output": summary.output, "rows": rows[:per_output], "more": max(0, len(rows) - per_output)})
    return result


def _indicator_row(indicator) -> dict:
    percent = None
    if indicator.actual is not None and indicator.target not in (None, 0):
        base = indicator.baseline or 0
        span = indicator.target - base
        percent = round(100 * (indicator.actual - base) / span) if span else None
    return {
        "indicator": indicator,
        "baseline": indicator.baseline,
        "target": indicator.target,
        "actual": indicator.actual,
        "as_of": indicator.actual_period_end,
        "percent": percent,
    }


def _status_charts(data: selectors.ProgressData) -> list:
    """Vector charts of status by output: by term for a handful of outputs, else one bar per output."""
    summaries = [s for s in data.outputs if sum(s.total.values())]
    if not summaries:
        return []
    if len(summaries) <= OUTPUTS_BY_TERM_CHART:
        groups = [
            (s.output.title, [(Term(t).label, counts) for t, counts in s.by_term.items() if sum(counts.values())])
            for s in summaries
        ]
        return [charts.status_distribution(groups, label_lines=PDF_LABEL_LINES)]
    # Many outputs: one row per output with one bar for all its terms, so each output's name has a row's
    # width to itself (side by side as columns, the names overlapped or were cut to a few letters).
    result = []
    all_terms = _("All terms")
    for start in range(0, len(summaries), CHART_CHUNK):
        chunk = summaries[start : start + CHART_CHUNK]
        groups = [(s.output.title, [(all_terms, dict(s.total))]) for s in chunk]
        title = _("Benchmark status by output (%(first)s–%(last)s of %(n)s)") % {
            "first": start + 1,
            "last": start + len(chunk),
            "n": len(summaries),
        }
        result.append(charts.status_distribution(groups, title=title, label_lines=PDF_LABEL_LINES))
    return result


# A PDF has no tooltip to show the rest of a name: output names wrap over up to this many lines in charts.
PDF_LABEL_LINES = 3
