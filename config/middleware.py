"""Project-wide middleware.

`RequestSizeLimitMiddleware` refuses a request whose declared body is larger than any view accepts, from its
Content-Length header and before a byte of the body is read: a 200 MB upload costs the server nothing.
Django's own limits (DATA_UPLOAD_MAX_MEMORY_SIZE) apply only once a view reads `request.POST` or
`request.body`, and not at all to file parts or to DRF's parsers, which read the stream themselves.

`DatabaseBusyMiddleware` answers 503 with a Retry-After, saying that nothing was saved, when the embedded
SQLite database stayed locked past its busy timeout (a long import confirm holds its write lock, all or
nothing): a colleague's save then fails as "try again in a moment", never as a server error.
"""

from __future__ import annotations

from django.conf import settings
from django.db import OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# Room for the multipart boundaries and the other fields of an upload form (the CSRF token, a few choices).
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def body_limit(content_type: str) -> int:
    """The largest body accepted for a request of this content type, in bytes."""
    if content_type.split(";")[0].strip().lower() == "multipart/form-data":
        return settings.IMPORT_MAX_BYTES + MULTIPART_OVERHEAD_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f}"


def too_large_response(request, limit: int):
    """413 in the API's error shape under /api/, a page saying what to do elsewhere."""
    message = _("The request is larger than %(mb)s MB, the most this server accepts.") % {"mb": _megabytes(limit)}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": {}}, status=413)
    return render(request, "413.html", {"message": message}, status=413)


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads no body from a request without a valid length
        limit = body_limit(request.META.get("CONTENT_TYPE", ""))
        if declared > limit:
            response = too_large_response(request, limit)
            # The body stays unread: the connection must not be reused for a next request.
            response["Connection"] = "close"
            return response
        return self.get_response(request)


BUSY_RETRY_AFTER_SECONDS = 30


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError) or "database is locked" not in str(exception):
            return None
        message = _(
            "The database is busy with a large import; nothing was saved. Try again in a minute (your "
            "browser's Back button keeps what you typed)."
        )
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message, "errors": {}}, status=503)
        else:
            response = render(request, "503.html", {"message": message}, status=503)
        response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
        return response
