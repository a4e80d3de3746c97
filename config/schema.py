"""The OpenAPI schema class: what ScopedViewSet and config.rest add to every operation.

Error responses in their one shape, `If-Match` on updates, `ETag` on single-object responses.
"""

from __future__ import annotations

import gettext
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.plumbing import get_view_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, for a person."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Messages by field name (dotted for nested fields); empty when the error is not about a field."),
    )
    current_version = serializers.IntegerField(
        required=False, help_text=_("On 412 only: the version of the record as saved now.")
    )


ERROR_DESCRIPTIONS = {
    "400": _("Invalid input: field-level messages in `errors`."),
    "401": _("No or invalid credentials."),
    "403": _("Your role does not allow this."),
    "404": _("Not found, or outside what you may see."),
    "409": _("Conflicts with an existing record."),
    "412": _("The version you sent is not the current one: nothing was changed."),
    "415": _("Unsupported media type: send JSON."),
    "428": _("Send the version you are updating (If-Match header or `version` field)."),
    "429": _("Too many requests: wait for the number of seconds in Retry-After."),
}


@cache
def _api_docs(language: str) -> gettext.NullTranslations:
    from config.catalogues import API_DOCS_DOMAIN, LOCALE_DIR

    return gettext.translation(API_DOCS_DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True)


def translated_doc(text: str) -> str:
    """A view's, action's or serializer's docstring in the language of the request (the `apidocs` catalogue,
    config.catalogues): the schema and /api/docs/ read in French for a French request, or with `?lang=fr`."""
    if not text:
        return text
    return _api_docs((get_language() or "en").split("-")[0]).gettext(text)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus what ScopedViewSet and the error handler add to every operation:
    the error responses in their one shape, `If-Match` on updates and `ETag` on single-object responses,
    and the descriptions in the request's language."""

    def get_description(self):
        return translated_doc(super().get_description())

    def _is_versioned(self) -> bool:
        model = get_view_model(self.view, emit_warnings=False)
        try:
            model and model._meta.get_field("version")
        except FieldDoesNotExist:
            return False
        return model is not None

    def _is_detail(self) -> bool:
        return "{" in self.path

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._is_versioned():
            if self.method in ("PUT", "PATCH"):
                parameters.append(
                    OpenApiParameter(
                        "If-Match",
                        OpenApiTypes.STR,
                        OpenApiParameter.HEADER,
                        description=str(
                            _('The version the change starts from, as `"<version>"` (the ETag); or send `version`.')
                        ),
                    )
                )
            if self._is_detail() and self.method in ("GET", "PUT", "PATCH"):
                parameters.append(
                    OpenApiParameter(
                        "ETag",
                        OpenApiTypes.STR,
                        OpenApiParameter.HEADER,
                        description=str(_("The record's version, to send back in If-Match.")),
                        response=["200"],
                    )
                )
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        # A serializer that leaves fields out for some readers (a partner does not see the mission's internal
        # fields) lists them in `Meta.optional_in_response`, so the schema does not promise them to everyone.
        schema = super()._map_basic_serializer(serializer, direction)
        if schema.get("description"):
            schema["description"] = translated_doc(schema["description"])
        optional = set(getattr(getattr(serializer, "Meta", None), "optional_in_response", ()))
        if direction == "response" and optional and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
        return schema

    def _error_codes(self) -> list[str]:
        codes = ["401", "403", "429"]
        if self._is_detail():
            codes.append("404")
        if self.method == "GET" and not self._is_detail():
            codes += ["400", "404"]  # bad filter values; a page past the end
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["400", "409", "415"]
        # Actions on one versioned row (update, and POST actions such as submit or complete) check its version.
        if self._is_versioned() and (self.method in ("PUT", "PATCH") or (self.method == "POST" and self._is_detail())):
            codes += ["412", "428"]
        if self.method == "DELETE":
            codes.append("409")
        return sorted(set(codes))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = str(ERROR_DESCRIPTIONS[code])
                responses[code] = response
        return responses


def get_lib_doc_excludes():
    """Classes whose docstrings are for developers, not API users: never used as a description."""
    from drf_spectacular.plumbing import get_lib_doc_excludes as library_excludes

    from mandate.api import ScopedViewSet, StrictFieldsMixin, StrictModelSerializer

    return [*library_excludes(), ScopedViewSet, StrictModelSerializer, StrictFieldsMixin]
