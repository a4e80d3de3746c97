"""The pages above every app: the home page (a tile per section the user's role opens), the mission switch,
and the mission's audit trail."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from mandate import access
from mandate.context_processors import current_mission
from mandate.languages import SESSION_KEY, remember_language, supported
from missions.models import AuditEvent
from missions.services import profile_language_set
from notifications import selectors as inbox

AUDIT_PAGE_SIZE = 50


@login_required
def home(request):
    """A home page per role: what this user can open in their current mission."""
    mission = current_mission(request)
    # The inbox is read here, before the page renders, so the header shows the same counts as the panel.
    areas = inbox.my_work(user=request.user, mission=mission)
    inbox.header_counts_remember(
        request, mission, work=sum(a.count for a in areas), unread=inbox.unread_count(request.user)
    )
    return render(request, "missions/home.html", {"mission": mission, "my_work_areas": areas})


@login_required
@require_POST
def switch_mission(request):
    mission_id = request.POST.get("mission")
    if not mission_id or not mission_id.isdigit() or access.membership(request.user, int(mission_id)) is None:
        raise Http404
    request.session["mission_id"] = int(mission_id)
    remember_language(request)  # without a choice of their own, the user now reads the new mission's language
    return redirect("home")


@require_POST
def language_set(request):
    """The header's language switch, signed in or not: Django's `set_language` (cookie, back to `next`),
    and for a signed-in user the choice saved on their profile, so it follows them to other browsers."""
    response = set_language(request)
    language = supported(request.POST.get("language"))
    if language and request.user.is_authenticated:
        profile_language_set(user=request.user, language=language)
        request.session[SESSION_KEY] = language
    return response


@login_required
def audit_events(request):
    """The current mission's audit trail, newest first, for its Head of Mission (404 for anyone else).

    Queries: the session's memberships (shared with the navigation), the count, one page of events.
    """
    mission = current_mission(request)
    if mission is None or not access.can_view_audit(request.user, mission.pk):
        raise Http404
    events = AuditEvent.objects.filter(access.audit_in_mission_q(mission.pk))
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    else:
        action = ""
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "missions/audit_events.html",
        {
            "mission": mission,
            "page": page,
            "actions": AuditEvent.Action.choices,
            "action": action,
            "query": f"action={action}" if action else "",
        },
    )
