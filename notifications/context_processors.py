"""The header's counts (my work, unread notifications) for every page, without JavaScript and without a query:
the snapshot the session keeps (`notifications.selectors.header_counts`)."""

from mandate.context_processors import current_mission
from notifications import selectors


def header_counts(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    return {"header_counts": selectors.header_counts(request, current_mission(request))}
