"""The body of a report of any kind, and the full document around it."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from reports.documents._common import Body
from reports.documents.partner import _partner_body
from reports.documents.progress import _progress_body
from reports.documents.security import _security_body
from reports.models import PaperSize, Report, ReportKind


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
