"""The election security report's body."""

from __future__ import annotations

from collections import Counter

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from elections import maps as election_maps
from elections import selectors as election_selectors
from elections.models import RiskLevel
from reports import selectors
from reports.documents._common import Body, _pdf_chart
from reports.models import Report


def _site_map(plan):
    """The plan's national site map, as on the readiness page, without links (a PDF has no pages to zoom to)."""
    svg = election_maps.site_map(
        election_selectors.site_map_data(plan),
        title=_("Polling sites of %(plan)s") % {"plan": plan},
        links=False,
        width=700,
        max_height=620,
    )
    return _pdf_chart(svg)


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
        "site_map": _site_map(data.plan) if data.plan is not None and readiness and readiness.total_sites else "",
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
