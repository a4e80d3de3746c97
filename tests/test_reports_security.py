"""WeasyPrint fetches only the project's static files; text users typed reaches the PDF as text.

The fetcher records every URL WeasyPrint asked for (`requested`) and the ones it served (`served`).
"""

import contextlib
import datetime
import re
import zlib

import pytest

from benchmarks.models import Status
from missions.models import Component
from reports import documents, rendering, services
from reports.models import Report, ReportKind
from reports.rendering import RefusedURL, StaticOnlyFetcher, resolve_static
from tests.factories import AssessmentFactory, BenchmarkFactory, OutputFactory
from tests.reports_support import PERIOD_END, PERIOD_START, build_engagements, eager_tasks  # noqa: F401

ATTACKS = (
    '<img src="file:///etc/passwd">'
    '<img src="http://169.254.169.254/latest/meta-data/">'
    '<link rel="attachment" href="file:///etc/passwd">'
    '<style>@import url("http://169.254.169.254/x.css");</style>'
)
HOSTILE_URLS = [
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data/",
    "https://example.org/font.ttf",
    "data:text/plain;base64,cm9vdDp4OjA6MDo=",
    "ftp://example.org/x.png",
    "mandate-static:../../../etc/passwd",
    "mandate-static:fonts/../../config/settings.py",
    "mandate-static:/etc/passwd",
    "mandate-static:js/app.js",  # a static file, but not a type a report needs
    "mandate-static:fonts/missing.ttf",
    "/static/fonts/DejaVuSans.ttf",  # relative: there is no base URL to resolve it against
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_fetcher_refuses_everything_but_the_projects_static_files(url):
    fetcher = StaticOnlyFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.requested == [url] and fetcher.served == []


def test_fetcher_serves_a_vendored_font():
    fetcher = StaticOnlyFetcher()
    response = fetcher.fetch("mandate-static:fonts/DejaVuSans.ttf")
    assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType file
    assert resolve_static("mandate-static:fonts/DejaVuSans.ttf").name == "DejaVuSans.ttf"


def _pdf_text_streams(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated, to search it for leaked content."""
    out = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            out.append(zlib.decompress(match.group(1)))
    return b"\n".join(out)


def assert_nothing_leaked(pdf: bytes, fetcher: StaticOnlyFetcher):
    assert fetcher.served, "the project's fonts should have been fetched"
    # The project's fonts, and on drafts the watermark image (a picture, so copied text never includes it).
    assert all(
        url.startswith(("mandate-static:fonts/", "mandate-static:img/watermark-draft-")) for url in fetcher.served
    )
    everything = _pdf_text_streams(pdf)
    assert b"/EmbeddedFile" not in everything and b"/EmbeddedFiles" not in everything
    assert b"root:x:0:0" not in everything  # /etc/passwd content


def test_raw_hostile_html_is_not_fetched_by_the_renderer():
    """Even if markup got past the templates, the fetcher stops every outside URL."""
    fetcher = StaticOnlyFetcher()
    html = (
        '<html><head><style>@font-face { font-family: M; src: url("mandate-static:fonts/DejaVuSans.ttf"); }'
        "body { font-family: M; }</style></head><body><p>Hello</p>" + ATTACKS + "</body></html>"
    )
    pdf = rendering.html_to_pdf(html, fetcher=fetcher)
    refused = set(fetcher.requested) - set(fetcher.served)
    assert "file:///etc/passwd" in refused  # it was asked, and refused
    assert "http://169.254.169.254/latest/meta-data/" in refused
    assert_nothing_leaked(pdf.content, fetcher)


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_markup_typed_into_evidence_and_engagements_reaches_the_pdf_as_text(
    mission, hom, components, partner_a, django_capture_on_commit_callbacks
):
    output = OutputFactory(mission=mission)
    benchmark = BenchmarkFactory(output=output)
    AssessmentFactory(benchmark=benchmark, assessed_on=datetime.date(2026, 2, 1), status=Status.OFF_TRACK,
                      evidence="Evidence " + ATTACKS, assessed_by=hom)  # fmt: skip
    build_engagements(mission, components[Component.Kind.CIVIL_AFFAIRS], [partner_a], hom, summary="Met " + ATTACKS)

    for kind in (ReportKind.PROGRESS, ReportKind.PARTNER_SUMMARY):
        with django_capture_on_commit_callbacks(execute=True):
            report = services.report_request(
                mission=mission, kind=kind, period_start=PERIOD_START, period_end=PERIOD_END, user=hom
            )
        report.refresh_from_db()
        assert report.state == Report.State.DONE
        body = report.snapshot.body_html
        assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in body  # escaped by the template
        assert '<img src="file:' not in body and "<link" not in body

        # Render the stored document again with a recording fetcher: only fonts were asked for.
        fetcher = StaticOnlyFetcher()
        pdf = rendering.html_to_pdf(documents.render_document(report, body), fetcher=fetcher)
        assert fetcher.requested == fetcher.served
        assert not [u for u in fetcher.requested if "passwd" in u or "169.254" in u]
        assert_nothing_leaked(pdf.content, fetcher)
        assert_nothing_leaked(report.file.read(), fetcher)
