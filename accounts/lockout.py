"""Brute-force protection with django-axes: what a locked-out person sees, and the client address.

django-axes counts failed sign-ins in the database (so every web process shares the count) per account and,
separately, per address (settings.AXES_LOCKOUT_PARAMETERS); it covers every form that calls
`django.contrib.auth.authenticate` with the request: the site login, the admin login. API tokens are only
created from a signed-in session (the tokens page), so that login is their gate as well.
Unlock: by time (AXES_COOLOFF_TIME after the last failure) or by an administrator (admin "Access attempts":
delete the rows; or `manage.py axes_reset_username NAME`).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.rest import error_body


def lockout_message() -> str:
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return ngettext(
        "Too many failed sign-in attempts for this account or from this address. Sign-in is blocked for "
        "%(minutes)d minute after the last attempt; an administrator can unlock it sooner.",
        "Too many failed sign-in attempts for this account or from this address. Sign-in is blocked for "
        "%(minutes)d minutes after the last attempt; an administrator can unlock it sooner.",
        minutes,
    ) % {"minutes": minutes}


class _LockedOutForm(AuthenticationForm):
    """An empty login form that carries the lockout message as its error, where both login pages show errors."""

    def __init__(self, request, message: str):
        super().__init__(request)
        self._errors = ErrorDict({NON_FIELD_ERRORS: self.error_class([message], error_class="nonfield")})


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: answer 429 with the login page and the reason (JSON for the API)."""
    from django.http import JsonResponse

    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(lockout_message()), status=status)
    form = _LockedOutForm(request, lockout_message())
    template = "admin/login.html" if request.path.startswith("/admin/") else "registration/login.html"
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    if template.startswith("admin/"):
        from django.contrib import admin

        context.update(admin.site.each_context(request), title=_("Log in"), app_path=request.get_full_path())
    return render(request, template, context, status=status)
