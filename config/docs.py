"""The schema and docs views (kept apart from config.schema, which DRF imports while it loads its own views)."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# --- the schema and docs views --------------------------------------------------------------------


class _DocsAccess:
    """The schema and the docs answer only signed-in users (session or token), unless API_DOCS_PUBLIC is on:
    the schema lists every resource and field, which is a map for an attacker without an account."""

    def get_permissions(self):
        from django.conf import settings
        from rest_framework.permissions import AllowAny, IsAuthenticated

        return [AllowAny() if settings.API_DOCS_PUBLIC else IsAuthenticated()]


class SchemaView(_DocsAccess, SpectacularAPIView):
    pass


class SwaggerView(_DocsAccess, SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served by this view (`?script`), not inline, for the CSP.
    A person who is not signed in is sent to the login page rather than shown a JSON error."""

    def dispatch(self, request, *args, **kwargs):
        from django.conf import settings
        from django.contrib.auth.views import redirect_to_login

        if request.method == "GET" and not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)
