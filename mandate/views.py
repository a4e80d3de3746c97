"""The pages above every app: the home page (a tile per section the user's role opens) and the mission switch."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mandate import access
from mandate.context_processors import current_mission


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
