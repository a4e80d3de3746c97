"""Turning a report's HTML into PDF (WeasyPrint) and its tables into XLSX (openpyxl).

WeasyPrint fetches whatever the HTML points to: images, stylesheets, fonts, `<link rel="attachment">`
files it embeds into the PDF. Report HTML carries text users typed (escaped by the templates, but
defence in depth matters for a document sent to Headquarters), so the fetcher below serves only the
project's own static files, addressed as `mandate-static:<path>`, and refuses every other URL:
`file:`, `http(s):` to any host (no server-side request forgery towards 169.254.169.254 or the LAN),
`data:`, and anything else. It never follows redirects because it never opens a network connection.
"""

from __future__ import annotations

import functools
import gc
import logging
import mimetypes
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint import html as weasyprint_html
from weasyprint.css.counters import CounterStyle
from weasyprint.urls import URLFetcher, URLFetcherResponse

from missions import exports

logger = logging.getLogger(__name__)
# WeasyPrint narrates every layout step at INFO; a worker log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

STATIC_SCHEME = "mandate-static:"
# Only what a report needs; an SVG or stylesheet from static/ is also fine.
ALLOWED_SUFFIXES = frozenset({".ttf", ".otf", ".woff", ".woff2", ".css", ".svg", ".png", ".jpg", ".jpeg"})


class RefusedURL(ValueError):
    """A URL the report renderer does not fetch."""


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only files of the project's static folders.

    Every URL WeasyPrint asks for is recorded in `requested`, and the ones served in `served`, so
    tests (and a curious operator) can see exactly what a rendering touched.
    """

    def __init__(self):
        # `fetch` below never delegates to urllib, which would know how to open file:, http:, ftp:, data:.
        super().__init__(allowed_protocols=[], allow_redirects=False)
        self.requested: list[str] = []
        self.served: list[str] = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        path = resolve_static(url)
        body = path.read_bytes()
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def open(self, url, data=None, timeout=None):  # pragma: no cover - urllib entry point, never used
        raise RefusedURL(f"Refused: {url}")


def resolve_static(url: str) -> Path:
    """The file under the project's static folders that `mandate-static:<path>` names, or RefusedURL."""
    if not isinstance(url, str) or not url.startswith(STATIC_SCHEME):
        raise RefusedURL(f"Only {STATIC_SCHEME} URLs are fetched, not {url[:80]!r}")
    relative = url.removeprefix(STATIC_SCHEME).split("?", 1)[0].split("#", 1)[0].lstrip("/")
    normalised = posixpath.normpath(relative)
    if not relative or normalised.startswith("..") or normalised != relative or "\\" in relative:
        raise RefusedURL(f"Refused static path {relative[:80]!r}")
    if Path(normalised).suffix.lower() not in ALLOWED_SUFFIXES:
        raise RefusedURL(f"Refused file type {normalised[:80]!r}")
    try:
        found = finders.find(normalised)
    except SuspiciousFileOperation as exc:
        raise RefusedURL(str(exc)) from exc
    if not found:
        raise RefusedURL(f"No static file {normalised[:80]!r}")
    return Path(found)


# --- memory ------------------------------------------------------------------------------------------
# Measured on the SCALE progress report (184 pages, 20,600 HTML elements; perf/narratives.py): a worker peaked
# at 640 MB, of which 23 MB were the report's data and 1 MB its HTML; the rest was WeasyPrint's. Two things in
# WeasyPrint 70 (pinned in requirements.txt) made most of it, and neither changes a byte of the PDF:
#
# 1. Its user-agent stylesheet has six rules for pseudo-elements that match every element (`::marker`, and
#    `::footnote-call`, `::footnote-marker`, `::note-call`, `::note-marker`, `::note-callback`), so it computes
#    and keeps six styles per element for pseudo-elements that are never drawn: 124,000 style objects, 150 MB.
#    Reports use a copy of that stylesheet where `::marker` applies to list items (the only elements with
#    `display: list-item` in the report templates) and the footnote and note rules to elements of class
#    `footnote` and `note` (a report that wants a footnote gives it that class; none does today).
# 2. An inline SVG (the charts) keeps a reference to the layout context, and with it the layout caches: the
#    unpaginated box tree of every table and every section a `target-counter()` points to (the table of
#    contents), which drawing no longer needs. Released once the layout is done (`_release_layout_caches`).
#
# With both, the same report peaks at about 450 MB in a worker (perf/README.md), in the same time.

# The stock rules narrowed, each found exactly once in WeasyPrint's stylesheet (tests/test_reports_rendering.py
# checks it, so a WeasyPrint upgrade that changes them is noticed; until fixed, the stock stylesheet is used).
_UA_NARROWED = (
    ("\n::marker {", "\nli::marker {"),
    ("\n::footnote-call {", "\n.footnote::footnote-call {"),
    ("\n::footnote-marker {", "\n.footnote::footnote-marker {"),
    ("\n::note-call {", "\n.note::note-call {"),
    ("\n::note-marker {", "\n.note::note-marker {"),
    ("\n::note-callback {", "\n.note::note-callback {"),
)


def report_ua_stylesheet_text(stock: str | None = None) -> str | None:
    """WeasyPrint's user-agent stylesheet with the pseudo-element rules above narrowed, or None when one of them
    is not where it was (a different WeasyPrint)."""
    text = weasyprint_html.UA if stock is None else stock
    for old, new in _UA_NARROWED:
        if len(re.findall(re.escape(old), text)) != 1:
            return None
        text = text.replace(old, new)
    return text


@functools.cache
def _report_ua_stylesheets() -> list[CSS]:
    text = report_ua_stylesheet_text()
    if text is None:
        logger.warning("WeasyPrint's user-agent stylesheet changed: reports use it unchanged (more memory)")
        return [weasyprint_html.UA_STYLESHEET]
    # Its @counter-style rules are already in WeasyPrint's UA_COUNTER_STYLE (what rendering uses); parsed again
    # into a throwaway registry, they would otherwise be refused as redefinitions of predefined styles.
    return [CSS(string=text, counter_style=CounterStyle())]


class ReportHTML(HTML):
    """WeasyPrint's HTML with the report user-agent stylesheet (see above). Reports have no forms."""

    def _ua_stylesheets(self, forms=False):
        return _report_ua_stylesheets()


def _release_layout_caches(document) -> int:
    """Drop what only the layout needed from the layout context an inline SVG keeps alive (see above); returns
    how many contexts were released. Drawing an SVG still has the context's fonts and styles."""
    contexts = {}
    boxes = [page._page_box for page in document.pages]
    while boxes:
        box = boxes.pop()
        context = getattr(getattr(box, "replacement", None), "_context", None)
        if context is not None:
            contexts[id(context)] = context
        boxes.extend(getattr(box, "children", ()))
    for context in contexts.values():
        context.tables = {}
        context.target_collector = None
        context.page_maker = []
    if contexts:
        gc.collect()  # what was let go has reference cycles: free it before drawing needs the memory
    return len(contexts)


@dataclass
class RenderedPDF:
    content: bytes
    page_count: int
    page_size_pt: tuple[float, float]  # width, height of the first page, in points


def html_to_pdf(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> RenderedPDF:
    """Lay out `html` and write the PDF. No base URL: a relative URL resolves to nothing at all."""
    fetcher = fetcher or StaticOnlyFetcher()
    document = ReportHTML(string=html, base_url=None, url_fetcher=fetcher).render()
    _release_layout_caches(document)
    # Fixed metadata keep the bytes a function of the content (no creation timestamp noise).
    # PDF/UA-1: a tagged PDF (headings, tables, reading order) that screen readers at HQ can read.
    content = document.write_pdf(pdf_identifier=b"mandate-report", uncompressed_pdf=False, pdf_variant="pdf/ua-1")
    first = document.pages[0]
    # WeasyPrint lays out in CSS px (96 per inch); PDF points are 72 per inch.
    size = (round(first.width * 0.75, 1), round(first.height * 0.75, 1))
    return RenderedPDF(content=content, page_count=len(document.pages), page_size_pt=size)


def tables_to_xlsx(tables: list[dict]) -> bytes:
    """One worksheet per table: `{"title", "columns", "rows"}`, header row bold, frozen and filtered
    (`missions.exports`, which also neutralises any typed-in formula)."""
    return exports.xlsx_bytes(
        [exports.Sheet(title=t["title"], columns=t["columns"], rows=t["rows"]) for t in tables]
        or [exports.Sheet(title=_("Report"), columns=[], rows=[])]
    )
