"""Token authentication for scripts: `Authorization: Bearer <key>` (or `Token <key>`) with an ApiToken key."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

KEYWORDS = ("bearer", "token")
MAX_KEY_LENGTH = 100


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a request by an ApiToken key; `request.auth` is the ApiToken.

    Listed first in DEFAULT_AUTHENTICATION_CLASSES so that a request without credentials is answered 401
    with a `WWW-Authenticate` header (DRF takes the header from the first class), not 403.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: send 'Bearer <key>'."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if len(key) > MAX_KEY_LENGTH:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        # Imported here: DRF imports this module while it loads its own views, before the apps are ready.
        from missions.services import api_token_authenticate

        token = api_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "missions.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token you create on the 'API tokens' page: `Authorization: Bearer <key>`.",
        }
