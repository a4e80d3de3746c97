from mandate import access


def navigation(request):
    """The current mission and the sections of the site the user's role there opens."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    mission = current_mission(request)
    return {
        "current_mission": mission,
        "current_membership": access.membership(user, mission.pk) if mission else None,
        "nav": access.navigation(user, mission.pk if mission else None),
        "user_missions": list(access.missions_for(user)) if len(access.memberships(user)) > 1 else [],
    }


def current_mission(request):
    """The mission the user works in: the one chosen in the session, else their first."""
    cached = getattr(request, "_current_mission", None)
    if cached is not None:
        return cached
    mine = access.memberships(request.user)
    chosen = request.session.get("mission_id") if hasattr(request, "session") else None
    mission_id = chosen if chosen in mine else next(iter(sorted(mine)), None)
    request._current_mission = mine[mission_id].mission if mission_id else None
    return request._current_mission
