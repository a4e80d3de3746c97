from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from missions import access
from missions.context_processors import current_mission


@login_required
def home(request):
    """A home page per role: what this user can open in their current mission."""
    mission = current_mission(request)
    return render(request, "missions/home.html", {"mission": mission})


@login_required
@require_POST
def switch_mission(request):
    mission_id = request.POST.get("mission")
    if not mission_id or not mission_id.isdigit() or access.membership(request.user, int(mission_id)) is None:
        raise Http404
    request.session["mission_id"] = int(mission_id)
    return redirect("home")


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
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "mode": "broker"}


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # No request context: the page must render even when the database is what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
