"""Project-wide REST framework settings objects: pagination, ordering, throttling, the error shape, the schema.

Kept apart from the apps' api modules because DRF imports these while it loads its own views: this module
must not import models, nor rest_framework.views, at import time. The schema class is in config.schema.

Every error of the API has one JSON shape, `{"detail": "...", "errors": {field: [messages]}}`; nested
field errors are flattened to dotted names (`partners.0`), and a 412 adds `current_version`.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import FieldDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, filters, pagination, status, throttling
from rest_framework.response import Response
from rest_framework.settings import api_settings

from missions.concurrency import ConcurrentEditError

# --- pagination and ordering --------------------------------------------------------------------


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class OrderingFilter(filters.OrderingFilter):
    """`?ordering=` restricted to database columns.

    Without `ordering_fields` on the view, DRF offers every serializer field, including computed ones
    (a property, a method field), and ordering by those would be a 500. Relations to many rows are left out
    too: ordering by them repeats rows.
    """

    def get_default_valid_fields(self, queryset, view, context=None):
        fields = super().get_default_valid_fields(queryset, view, context or {})
        return [(name, label) for name, label in fields if _is_orderable(queryset, name)]


def _is_orderable(queryset, path: str) -> bool:
    if path in queryset.query.annotations:
        return True
    model = queryset.model
    parts = path.split("__")
    for position, part in enumerate(parts):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.many_to_many or field.one_to_many:
            return False
        if field.is_relation and position < len(parts) - 1:
            model = field.related_model
        elif position < len(parts) - 1:
            return False
    return True


# --- throttling ---------------------------------------------------------------------------------


class _SettingsRate:
    """Read the rate at request time, so a settings change (tests, reload) applies without re-import."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class TokenBurstThrottle(_SettingsRate, throttling.SimpleRateThrottle):
    """Requests authenticated by an API token (scripts), per token; people on the browsable API are not throttled.

    Per token rather than per user so that two scripts of one user do not starve each other; a user has at
    most `missions.services.MAX_ACTIVE_TOKENS` tokens.
    """

    scope = "token_burst"

    def get_cache_key(self, request, view):
        key_hash = getattr(request.auth, "key_hash", None)
        if not key_hash:
            return None
        return self.cache_format % {"scope": self.scope, "ident": key_hash}


class TokenSustainedThrottle(TokenBurstThrottle):
    scope = "token_sustained"


# --- errors -------------------------------------------------------------------------------------


def _flatten(detail, prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """DRF error details (nested dicts and lists) as (dotted field name, [messages]) pairs."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            if detail:
                yield prefix or api_settings.NON_FIELD_ERRORS_KEY, [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    yield from _flatten(item, f"{prefix}.{index}" if prefix else str(index))
    else:
        yield prefix or api_settings.NON_FIELD_ERRORS_KEY, [str(detail)]


def error_body(detail, errors: dict | list | None = None) -> dict:
    flat: dict[str, list[str]] = {}
    for field, messages in _flatten(errors or {}):
        flat.setdefault(field, []).extend(messages)
    return {"detail": str(detail), "errors": flat}


def exception_handler(exc, context):
    """All API errors in one JSON shape: {"detail": "...", "errors": {field: [messages]}}."""
    from rest_framework.views import exception_handler as drf_exception_handler  # see the module docstring

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        )
    elif isinstance(exc, ConcurrentEditError):
        response = Response(
            {**error_body(exc), "current_version": exc.current.version},
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
        response["ETag"] = f'"{exc.current.version}"'
        return response
    elif isinstance(exc, IntegrityError):
        # A database constraint refused the write: it conflicts with a row already there.
        return Response(
            error_body(_("This conflicts with a record that already exists.")), status=status.HTTP_409_CONFLICT
        )
    elif isinstance(exc, DataError | OverflowError):
        return Response(error_body(_("A value is out of range for its field.")), status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            error_body(_("The request is larger than this server accepts.")),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(exc, SuspiciousOperation):
        # Too many fields or files, a malformed multipart body: refused by Django while DRF parsed it.
        return Response(error_body(_("Bad request.")), status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict | list) else [response.data]
        response.data = error_body(_("Invalid input."), errors)
    else:
        data = response.data if isinstance(response.data, dict) else {}
        response.data = error_body(data.get("detail", exc))
    return response
