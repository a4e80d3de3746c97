"""The partner summary report's body."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from partners.selectors import partnership_indicators_by_output
from reports import selectors
from reports.documents._common import Body
from reports.models import Report


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
