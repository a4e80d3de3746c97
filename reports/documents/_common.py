"""What every report body shares: the size limits of a PDF, the Body, the change baseline."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.safestring import mark_safe

from benchmarks import charts
from benchmarks.models import Status
from missions.formats import format_day
from reports import selectors
from reports.models import Report

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


def since_date(report: Report) -> tuple[datetime.date, Report | None]:
    """The date changes are measured from: the previous report's period end, else the day before the period."""
    previous = selectors.previous_report(report)
    if previous is not None:
        return previous.period_end, previous
    return report.period_start - datetime.timedelta(days=1), None


def _d(day) -> str:
    return format_day(day)


def _pdf_chart(svg: str):
    """The dashboard's SVG chart, drawn in the report's vendored font rather than the browser's system fonts."""
    return mark_safe(str(svg).replace(charts.FONT, PDF_CHART_FONT))  # noqa: S308 - markup built by benchmarks.charts
