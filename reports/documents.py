"""What goes into each report kind: the body HTML (from the selectors, through Django templates, which
escape every piece of user text) and the tables for the XLSX export.

The body is rendered once, at the first generation, and frozen in a `ReportSnapshot`; the frame
around it (cover with status, watermark, page size) is rendered at every PDF rendering, so sign-off
can restamp the PDF without changing a word of its content.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from benchmarks import charts
from benchmarks.models import Status, Term
from benchmarks.selectors import status_trend
from elections.models import RiskLevel
from partners.selectors import partnership_indicators_by_output
from reports import selectors
from reports.models import PaperSize, Report, ReportKind

# What a PDF read at HQ can hold. A mission of 5,000 benchmarks would otherwise make a 400-page PDF;
# past these sizes the PDF lists the rows that matter most and says so, and the XLSX has every row.
# Evidence is cut to this length in the PDF tables; the XLSX carries it in full.
EVIDENCE_CHARS = 300
STATEMENT_CHARS = 220
# Up to this many changed (or off-track / at-risk) benchmarks, the PDF lists them all.
LIST_IN_FULL = 100
# Past it, the changes table lists the benchmarks that went off track or were achieved, and the
# attention table the off-track ones, each up to this cap (worst first).
LIST_CAP = 150
# The register's top risks go in the PDF; the XLSX has them all.
RISKS_IN_PDF = 60
INDICATORS_IN_FULL = 100
INDICATORS_BEHIND = 60
# With more outputs than this, the summary chart shows one bar per output instead of one per term.
OUTPUTS_BY_TERM_CHART = 8
CHART_CHUNK = 25

PDF_CHART_FONT = 'font-family="Mandate Sans"'  # the @font-face of templates/reports/pdf/_styles.css

STATUSES = [Status.NOT_STARTED, Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.ACHIEVED]


@dataclass
class Body:
    html: str
    tables: list[dict]


def build_body(report: Report, *, user) -> Body:
    """Read the data for `report` as `user` may see it and render the body of the document."""
    builder = {
        ReportKind.PROGRESS: _progress_body,
        ReportKind.ELECTION_SECURITY: _security_body,
        ReportKind.PARTNER_SUMMARY: _partner_body,
    }[report.kind]
    return builder(report, user)


def render_document(report: Report, body_html: str) -> str:
    """The full HTML document: cover and frame for the report's current sign-off status, then the body."""
    return render_to_string(
        "reports/pdf/document.html",
        {
            "report": report,
            "mission": report.mission,
            # The body is our own template output (user text escaped there), frozen in the snapshot.
            "body": mark_safe(body_html),  # noqa: S308
            "page_size": "letter" if report.paper_size == PaperSize.LETTER else "A4",
            "is_draft": report.approval == Report.Approval.DRAFT,
            "generated_at": timezone.localtime(report.data_as_of) if report.data_as_of else None,
        },
    )


def since_date(report: Report) -> tuple[datetime.date, Report | None]:
    """The date changes are measured from: the previous report's period end, else the day before the period."""
    previous = selectors.previous_report(report)
    if previous is not None:
        return previous.period_end, previous
    return report.period_start - datetime.timedelta(days=1), None


def _d(day) -> str:
    return date_format(day, "j M Y") if day else ""


# --- mission progress report ------------------------------------------------------------------------


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
    ]
    return Body(html=html, tables=tables)


def _partnership_table(partnership) -> dict:
    """The partnership indicators as an XLSX table: the progress report and the partner summary share it."""
    return {
        "title": _("Partnership indicators"),
        "columns": [
            _("Output"),
            _("Engagements"),
            _("Partners engaged"),
            _("With women (%)"),
            _("With youth (%)"),
            _("Follow-ups done (%)"),
            _("Districts reached"),
        ],
        "rows": [
            [
                p.output.title if p.output else _("All engagements"),
                p.engagements,
                p.partners_engaged,
                p.share_with_women,
                p.share_with_youth,
                p.follow_up_completion,
                p.districts_reached,
            ]
            for p in partnership
        ],
    }


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


def _pdf_chart(svg: str):
    """The dashboard's SVG chart, drawn in the report's vendored font rather than the browser's system fonts."""
    return mark_safe(str(svg).replace(charts.FONT, PDF_CHART_FONT))  # noqa: S308 - markup built by benchmarks.charts


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
        return [charts.status_distribution(groups)]
    result = []
    for start in range(0, len(summaries), CHART_CHUNK):
        chunk = summaries[start : start + CHART_CHUNK]
        bars = [(_short(s.output.title), dict(s.total)) for s in chunk]
        title = _("Benchmark status by output (%(first)s–%(last)s of %(n)s)") % {
            "first": start + 1,
            "last": start + len(chunk),
            "n": len(summaries),
        }
        result.append(charts.status_distribution([("", bars)], title=title))
    return result


def _short(text: str, length: int = 24) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# --- election security readiness report ------------------------------------------------------------


def _security_body(report: Report, user) -> Body:
    data = selectors.election_security_data(
        election=report.election_plan, user=user, period_start=report.period_start, period_end=report.period_end
    )
    levels = [(level.value, level.label) for level in RiskLevel]
    readiness = data.readiness
    district_rows = [
        {"name": d.name, "counts": [d.by_risk.get(level, 0) for level, _label in levels], "sites": d.sites,
         "voters": d.voters, "uncovered": d.high_risk_without_tasks, "open_incidents": d.open_incidents}
        for d in (readiness.districts if readiness else [])
    ]  # fmt: skip
    milestone_counts = Counter(m.status for m in data.milestones)
    context = {
        "report": report,
        "data": data,
        "readiness": readiness,
        "levels": levels,
        "level_totals": [readiness.sites_by_risk.get(level, 0) for level, _label in levels] if readiness else [],
        "district_rows": district_rows,
        "milestone_counts": milestone_counts,
        "days_to_polling": (data.election.polling_start - report.period_end).days,
    }
    html = render_to_string("reports/pdf/election_security.html", context)
    tables = [
        {
            "title": _("Polling sites by district"),
            "columns": [
                _("District"),
                *[label for _level, label in levels],
                _("Sites"),
                _("Registered voters"),
                _("High risk without a task"),
                _("Open incidents"),
            ],
            "rows": [
                [r["name"], *r["counts"], r["sites"], r["voters"], r["uncovered"], r["open_incidents"]]
                for r in district_rows
            ],
        },  # fmt: skip
        {
            "title": _("Security tasks by phase"),
            "columns": [_("Phase"), _("Start"), _("End"), _("Tasks"), _("Sites covered")],
            "rows": [
                [p.label, p.start, p.end, p.tasks, p.sites_covered]
                for p in (readiness.phase_coverage if readiness else [])
            ],
        },
        {
            "title": _("Threats"),
            "columns": [
                _("Actor"),
                _("Type"),
                _("Area"),
                _("Likelihood"),
                _("Impact"),
                _("Score"),
                _("Sites"),
                _("Mitigation"),
            ],
            "rows": [
                [
                    t.actor,
                    t.get_threat_type_display(),
                    str(t.district or ""),
                    t.likelihood,
                    t.impact,
                    t.score_value,
                    t.site_count,
                    t.mitigation,
                ]
                for t in data.threats
            ],
        },  # fmt: skip
        {
            "title": _("Incidents"),
            "columns": [
                _("Time"),
                _("District"),
                _("Type"),
                _("Severity"),
                _("Casualties"),
                _("Status"),
                _("Description"),
            ],
            "rows": [
                [
                    timezone.localtime(i.occurred_at).replace(tzinfo=None),
                    str(i.district),
                    i.get_incident_type_display(),
                    i.get_severity_display(),
                    i.casualties,
                    i.get_status_display(),
                    i.description,
                ]
                for i in data.incidents
            ],
        },  # fmt: skip
        {
            "title": _("Milestones"),
            "columns": [_("Due"), _("Phase"), _("Milestone"), _("Status")],
            "rows": [[m.due_date, m.get_phase_display(), m.title, m.get_status_display()] for m in data.milestones],
        },
    ]
    return Body(html=html, tables=tables)


# --- partner engagement summary --------------------------------------------------------------------------


def _partner_body(report: Report, user) -> Body:
    data = selectors.partner_summary_data(
        mission=report.mission, user=user, period_start=report.period_start, period_end=report.period_end
    )
    partnership = partnership_indicators_by_output(report.mission, user, report.period_start, report.period_end)
    context = {"report": report, "data": data, "partnership": partnership}
    html = render_to_string("reports/pdf/partner_summary.html", context)
    tables = [
        {
            "title": _("Engagements"),
            "columns": [
                _("Date"),
                _("Type"),
                _("Partners"),
                _("Component"),
                _("District"),
                _("Women"),
                _("Men"),
                _("Of whom youth"),
                _("Summary"),
                _("Outcomes"),
            ],
            "rows": [
                [
                    e.date,
                    e.get_engagement_type_display(),
                    ", ".join(p.name for p in e.partners.all()),
                    str(e.component),
                    str(e.district or ""),
                    e.participants_women,
                    e.participants_men,
                    e.participants_youth,
                    e.summary,
                    e.outcomes,
                ]
                for e in data.engagements
            ],
        },  # fmt: skip
        {
            "title": _("By type"),
            "columns": [_("Type"), _("Engagements")],
            "rows": [[r["label"], r["n"]] for r in data.by_type],
        },
        {
            "title": _("Partners engaged"),
            "columns": [_("Partner"), _("Type"), _("Screening"), _("Engagements")],
            "rows": [
                [p.name, p.get_partner_type_display(), p.get_screening_status_display(), p.n] for p in data.partners
            ],
        },
        _partnership_table(partnership),
    ]
    return Body(html=html, tables=tables)
