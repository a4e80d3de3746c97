from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from missions.forms import ApiTokenForm
from missions.models import ApiToken
from missions.services import api_token_create, api_token_revoke


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request):
    """The user's API tokens: create one (its key is shown on this response only), list, revoke.

    The new key is rendered directly rather than after a redirect, so it never sits in the session or a cookie.
    """
    new_key = None
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiTokenForm()
    user_tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "missions/tokens.html", {"form": form, "new_key": new_key, "tokens": user_tokens})


@login_required
@require_POST
def token_revoke(request, pk: int):
    # Someone else's token answers 404, like any object outside the user's scope.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, user=request.user)
    messages.success(
        request, _("Token “%(name)s” revoked: scripts using it can no longer sign in.") % {"name": token.name}
    )
    return redirect("tokens")


@never_cache
def healthz(request):
    """Reports whether the database and the Celery broker answer; 503 when either is down."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the reason is reported
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def _check_broker() -> dict:
    from django.conf import settings

    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process"}
    try:
        # The URL from the settings, not the one Celery cached when it first read them: the same
        # source of truth as CELERY_TASK_ALWAYS_EAGER above (and what a settings override changes).
        with app.connection_for_write(settings.CELERY_BROKER_URL or None) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "mode": "broker"}


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_400(request, exception=None):
    # Django answers 400 for what it refuses itself (a form with too many fields, a suspicious request).
    if _is_api(request):
        return JsonResponse({"detail": _("Bad request."), "errors": {}}, status=400)
    return render(request, "400.html", status=400)


def error_403(request, exception=None):
    # The project raises PermissionDenied with a message only to say why (e.g. access.locked_reason).
    reason = str(exception or "")
    if _is_api(request):
        return JsonResponse(
            {"detail": reason or _("You do not have permission to perform this action."), "errors": {}}, status=403
        )
    return render(request, "403.html", {"reason": reason}, status=403)


def error_404(request, exception=None):
    # Unknown URLs under /api/ answer in the API's one error shape, not with an HTML page.
    if _is_api(request):
        return JsonResponse({"detail": _("Not found."), "errors": {}}, status=404)
    return render(request, "404.html", status=404)


def error_500(request):
    if _is_api(request):
        return JsonResponse({"detail": _("Server error: the failure was logged."), "errors": {}}, status=500)
    # No request context: the page must render even when the database is what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
