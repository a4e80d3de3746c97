"""Turning a report's HTML into PDF (WeasyPrint) and its tables into XLSX (openpyxl).

WeasyPrint fetches whatever the HTML points to: images, stylesheets, fonts, `<link rel="attachment">`
files it embeds into the PDF. Report HTML carries text users typed (escaped by the templates, but
defence in depth matters for a document sent to Headquarters), so the fetcher below serves only the
project's own static files, addressed as `mandate-static:<path>`, and refuses every other URL:
`file:`, `http(s):` to any host (no server-side request forgery towards 169.254.169.254 or the LAN),
`data:`, and anything else. It never follows redirects because it never opens a network connection.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from dataclasses import dataclass
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from missions import exports

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


@dataclass
class RenderedPDF:
    content: bytes
    page_count: int
    page_size_pt: tuple[float, float]  # width, height of the first page, in points


def html_to_pdf(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> RenderedPDF:
    """Lay out `html` and write the PDF. No base URL: a relative URL resolves to nothing at all."""
    fetcher = fetcher or StaticOnlyFetcher()
    document = HTML(string=html, base_url=None, url_fetcher=fetcher).render()
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
