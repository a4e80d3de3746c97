"""The request an audit event comes from: its address and browser, without passing the request down.

`AuditRequestMiddleware` keeps the current request in a context variable, so that a service deep in a
workflow (an approval, an export) records where the action came from without a `request` argument.
"""

from __future__ import annotations

import contextvars

_current_request: contextvars.ContextVar = contextvars.ContextVar("mandate_audit_request", default=None)


def current_request():
    return _current_request.get()


class AuditRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def client_ip(request) -> str | None:
    """The client's address as django-axes sees it (the same TRUSTED_PROXY_COUNT rules), or None."""
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None
