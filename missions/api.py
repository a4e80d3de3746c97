"""Shared pieces of the REST API: scoped viewsets and version checks (pagination and errors: config.rest).

Every viewset in the project builds on `ScopedViewSet`, so list querysets come from `access.scope`,
single objects answer 404 outside the user's scope, and writes ask `access.can` / `access.can_add`.
"""

from __future__ import annotations

from rest_framework import exceptions, permissions, viewsets

from missions import access


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send the version you are updating, as an If-Match header or a 'version' field."
    default_code = "precondition_required"


class AccessPermission(permissions.BasePermission):
    """Object-level checks through missions.access. Unsafe methods need `access.Action.EDIT`."""

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True  # the queryset is already scoped to what the user may view
        return access.can(request.user, getattr(view, "edit_action", access.Action.EDIT), obj)


class ScopedViewSet(viewsets.GenericViewSet):
    """Base for every resource: the queryset is scoped by missions.access; out-of-scope rows are 404."""

    permission_classes = [permissions.IsAuthenticated, AccessPermission]

    def get_queryset(self):
        return access.scope(self.request.user, super().get_queryset())


def expected_version(request, serializer_data: dict | None = None) -> int | None:
    """The version an update started from: `If-Match: "<version>"` or a `version` field.

    Updates without either are refused (428), so no client can overwrite blindly.
    """
    header = request.headers.get("If-Match", "").strip().strip("W/").strip('"')
    raw = header or (serializer_data or {}).get("version") or request.data.get("version")
    if raw in (None, ""):
        raise PreconditionRequired()
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise exceptions.ValidationError({"version": ["A whole number is required."]}) from None


def register(router):
    """Register this app's viewsets on the API router."""
