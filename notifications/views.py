"""Thin HTML views: the notification list, mark read (one and all), preferences, and the header counts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mandate import access
from mandate.context_processors import current_mission
from notifications import messages as texts
from notifications import selectors, services
from notifications.forms import PreferencesForm
from notifications.models import Notification, Settings

PAGE_SIZE = 30


def _recount_unread(request):
    """After marking read, the header's unread count is recounted (one query) rather than left stale."""
    selectors.header_counts_remember(request, current_mission(request), unread=selectors.unread_count(request.user))


@login_required
@require_GET
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.notifications_for(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for n in page:
        n.text = texts.text(n)
    unread = selectors.unread_count(request.user)
    selectors.header_counts_remember(request, current_mission(request), unread=unread)
    return render(request, "notifications/list.html", {"page": page, "unread_only": unread_only, "unread": unread})


def _mark_read(request, pk: int) -> Notification:
    """Marks the user's notification `pk` read (someone else's answers 404) and recounts the header."""
    n = access.get_for_user(request.user, Notification, pk)
    services.notifications_mark_read(user=request.user, ids=[n.pk])
    _recount_unread(request)
    return n


@login_required
@require_POST
def notification_open(request, pk: int):
    """Marks one notification read and goes to its item (someone else's answers 404)."""
    n = _mark_read(request, pk)
    target = n.url if url_has_allowed_host_and_scheme(n.url, allowed_hosts=None) else "home"
    return redirect(target)


@login_required
@require_POST
def notification_read(request, pk: int):
    _mark_read(request, pk)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    count = services.notifications_mark_read(user=request.user)
    _recount_unread(request)
    messages.success(request, _("%(n)s notification(s) marked read.") % {"n": count})
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    prefs = Settings.objects.filter(user=request.user).first()
    current = services.deliveries_of(request.user)
    initial = {"time_zone": prefs.time_zone if prefs else "UTC"}
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=initial, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_update(
                user=request.user,
                deliveries_by_kind=form.deliveries(),
                time_zone=form.cleaned_data["time_zone"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your email settings are saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@login_required
@never_cache
@require_GET
def counts(request):
    """The header's counts, fetched by static/js/inbox.js: no page pays for them in its own queries."""
    mission = current_mission(request)
    counts = {
        "unread": selectors.unread_count(request.user),
        "work": selectors.my_work_count(user=request.user, mission=mission),
    }
    selectors.header_counts_remember(request, mission, **counts)
    return JsonResponse(counts)
