"""What goes into each report kind: the body HTML (from the selectors, through Django templates, which
escape every piece of user text) and the tables for the XLSX export.

The body is rendered once, at the first generation, and frozen in a `ReportSnapshot`; the frame
around it (cover with status, watermark, page size) is rendered at every PDF rendering, so sign-off
can restamp the PDF without changing a word of its content.

One module a report kind; this package re-exports what callers use.
"""

from reports.documents._common import (
    CHART_CHUNK,
    EVIDENCE_CHARS,
    INDICATORS_BEHIND,
    INDICATORS_IN_FULL,
    LIST_CAP,
    LIST_IN_FULL,
    OUTPUTS_BY_TERM_CHART,
    PDF_CHART_FONT,
    RISKS_IN_PDF,
    STATEMENT_CHARS,
    STATUSES,
    Body,
    since_date,
)
from reports.documents.build import build_body, render_document

__all__ = [
    "EVIDENCE_CHARS",
    "STATEMENT_CHARS",
    "LIST_IN_FULL",
    "LIST_CAP",
    "RISKS_IN_PDF",
    "INDICATORS_IN_FULL",
    "INDICATORS_BEHIND",
    "OUTPUTS_BY_TERM_CHART",
    "CHART_CHUNK",
    "PDF_CHART_FONT",
    "STATUSES",
    "Body",
    "build_body",
    "render_document",
    "since_date",
]
