"""Project-wide REST framework settings objects: pagination and the one error shape.

Kept apart from the apps' api modules because DRF imports these while it loads its own views.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from missions.concurrency import ConcurrentEditError


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """All API errors in one JSON shape: {"detail": "...", "errors": {field: [messages]}}."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, ConcurrentEditError):
        return Response(
            {"detail": str(exc), "errors": {}, "current_version": exc.current.version},
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": "Invalid input.", "errors": errors}
    else:
        response.data = {"detail": response.data.get("detail", str(exc)), "errors": {}}
    return response
