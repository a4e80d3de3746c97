"""The PDF renderer's memory savings (reports/rendering.py) change nothing in the file: same bytes as WeasyPrint's
own rendering, still tagged PDF/UA. The memory itself is measured by perf/narratives.py, not here."""

import io

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from reports import documents, rendering, services
from reports.models import ReportKind
from tests.reports_support import PERIOD_END, PERIOD_START, build_plan, eager_tasks  # noqa: F401

WRITE_OPTIONS = {"pdf_identifier": b"mandate-report", "uncompressed_pdf": False, "pdf_variant": "pdf/ua-1"}


def stock_pdf(html: str) -> bytes:
    """What WeasyPrint makes of the HTML with its own user-agent stylesheet and nothing released."""
    document = HTML(string=html, base_url=None, url_fetcher=rendering.StaticOnlyFetcher()).render()
    return document.write_pdf(**WRITE_OPTIONS)


@pytest.fixture
def progress_html(mission, hom, components, django_capture_on_commit_callbacks, eager_tasks):  # noqa: F811
    """A generated progress report's full HTML: contents with page references, charts, tables, the draft frame."""
    build_plan(mission, hom, components, outputs=3)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            mission=mission, kind=ReportKind.PROGRESS, period_start=PERIOD_START, period_end=PERIOD_END, user=hom
        )
    report.refresh_from_db()
    assert "<svg" in report.snapshot.body_html  # the charts that kept the layout alive are in it
    return documents.render_document(report, report.snapshot.body_html)


@pytest.mark.django_db
def test_the_report_pdf_is_byte_for_byte_what_weasyprint_makes_with_its_own_stylesheet(progress_html):
    rendered = rendering.html_to_pdf(progress_html)
    assert rendered.content == stock_pdf(progress_html)
    assert rendered.page_count >= 8


@pytest.mark.django_db
def test_the_report_pdf_stays_tagged_pdf_ua_with_page_numbers(progress_html):
    rendered = rendering.html_to_pdf(progress_html)
    pdf = PdfReader(io.BytesIO(rendered.content))
    catalog = pdf.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]
    assert b"pdfuaid:part" in catalog["/Metadata"].get_object().get_data()
    last = len(pdf.pages)
    assert f"{last} / {last}" in pdf.pages[-1].extract_text()  # the footer counts the pages


def test_every_pseudo_element_rule_for_all_elements_is_narrowed():
    text = rendering.report_ua_stylesheet_text()
    assert text is not None, "WeasyPrint's user-agent stylesheet changed: update rendering._UA_NARROWED"
    assert "\nli::marker {" in text and "\n.footnote::footnote-call {" in text
    assert not [line for line in text.splitlines() if line.startswith("::")]


def test_a_stylesheet_without_those_rules_is_used_unchanged():
    assert rendering.report_ua_stylesheet_text("body { margin: 0 }") is None


def test_lists_and_footnotes_of_class_footnote_render_as_with_the_stock_stylesheet():
    html = (
        "<style>@page { @bottom-right { content: counter(page) } }</style>"
        "<ol><li>First</li><li>Second</li></ol><ul><li>Item</li></ul>"
        '<p>A claim<span class="footnote" style="float: footnote">The source.</span> and more text.</p>'
    )
    assert rendering.html_to_pdf(html).content == stock_pdf(html)


def test_the_layout_caches_an_inline_svg_keeps_are_released():
    html = (
        '<p id="a">x</p><p><a href="#a" style="content: target-counter(attr(href), page)"></a></p>'
        '<table><tr><td>cell</td></tr></table><svg width="10" height="10"><rect width="5" height="5"/></svg>'
    )
    document = rendering.ReportHTML(string=html, base_url=None, url_fetcher=rendering.StaticOnlyFetcher()).render()
    assert rendering._release_layout_caches(document) == 1
    (context,) = {
        id(box.replacement._context): box.replacement._context
        for page in document.pages
        for box in page._page_box.descendants()
        if getattr(box, "replacement", None) is not None
    }.values()
    assert context.tables == {} and context.target_collector is None
    assert document.write_pdf(**WRITE_OPTIONS).startswith(b"%PDF")
