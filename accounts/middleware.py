"""Per-request sign-in rules: the idle timeout, and the second factor before anything else is served."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.services import LAST_SEEN_KEY, TWO_FACTOR_STEP_KEY, two_factor_step
from config.rest import error_body

# What an unverified session may still open: login, logout and the two-factor steps (all under /accounts/;
# the account's own security page is /account/security/, behind the check), the language switch, assets.
OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/favicon.ico")


class SessionIdleTimeoutMiddleware:
    """Signs a user out after SESSION_IDLE_TIMEOUT seconds without a request.

    The last-seen time is written to the session at most every `refresh` seconds (a tenth of the timeout,
    at most 5 minutes), so most requests do not write the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = settings.SESSION_IDLE_TIMEOUT
        if timeout and request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_SEEN_KEY)
            if last is not None and now - last > timeout:
                logout(request)
                hours = max(1, round(timeout / 3600))
                message = ngettext(
                    "You were signed out after %(hours)d hour without activity.",
                    "You were signed out after %(hours)d hours without activity.",
                    hours,
                ) % {"hours": hours}
                if request.path.startswith("/api/"):
                    return JsonResponse(error_body(message), status=401)
                messages.info(request, message)
                return redirect_to_login(request.get_full_path())
            if last is None or now - last > min(timeout / 10, 300):
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """After the password, a user who has an authenticator (or must have one) proves it before any page,
    API call or admin page is served. After django-otp's OTPMiddleware.

    What is owed is kept in the session at sign-in (accounts.services.session_started), so a request costs
    no query; a session from before this rule learns it on its first request.
    API tokens are not affected: they are created from a verified session and stand for it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Read by the page header: until the second step is passed, it offers no links into the site.
        request.second_factor_owed = False
        if settings.TWO_FACTOR_ENFORCED and request.user.is_authenticated:
            step = request.session.get(TWO_FACTOR_STEP_KEY)
            if step is None:
                step = request.session[TWO_FACTOR_STEP_KEY] = two_factor_step(request.user)
            request.second_factor_owed = bool(step) and not request.user.is_verified()
            if request.second_factor_owed and not request.path.startswith(OPEN_PREFIXES):
                if request.path.startswith("/api/"):
                    return JsonResponse(error_body(_("Finish signing in with your second factor first.")), status=403)
                target = "two-factor-verify" if step == "verify" else "two-factor-setup"
                return redirect_to_login(request.get_full_path(), login_url=reverse(target))
        return self.get_response(request)
