"""Shared pieces of the REST API: scoped viewsets, strict serializers and version checks.

Every viewset in the project builds on `ScopedViewSet`, so that, without writing anything:
- list querysets come from `access.scope`; a single object outside the user's scope answers 404;
- unsafe methods on an object ask `access.can` (403 when the object is visible but the action is not allowed);
- PUT/PATCH must carry the version the client started from (`If-Match: "<version>"` or a `version` field):
  428 without it, 412 when it is stale (checked before anything is validated or saved), and
  `self.if_match_version` holds it for the service, which re-checks it under a row lock (`claim_version`);
- responses for one object carry `ETag: "<version>"`.

Serializers build on `StrictModelSerializer`: unknown fields are refused (400), text has a length cap,
related ids are looked up only among rows the user may see (an id of another mission is 400), and the
`version` field is documented and accepted but never written by the serializer.

Pagination, errors and the schema: config.rest.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, filters, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.relations import ManyRelatedField, PrimaryKeyRelatedField
from rest_framework.response import Response

from config.rest import OrderingFilter
from mandate import access
from missions.concurrency import ConcurrentEditError, version_from_request
from missions.models import AuditEvent, Component, Location, Mission
from missions.search import search_filter

# Text without a database limit still gets one in the API: nobody types more in a field, and
# megabyte strings must be a 400, not a slow insert.
TEXT_MAX_LENGTH = 20_000
# Lists in a write are bounded before any item is validated: each nested object costs a validation and
# rows to write (500 follow-ups in one PATCH took 8 s), each related id far less (one IN query for all).
NESTED_LIST_MAX_ITEMS = 50
RELATED_IDS_MAX_ITEMS = 1_000
# Keys a client may send to any write besides the serializer's fields.
CONTROL_FIELDS = frozenset({"version", "csrfmiddlewaretoken"})
VERSION_HELP = _("The version this change starts from (as read from the ETag or the `version` field).")


# --- errors --------------------------------------------------------------------------------------


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _("Send the version you are updating, as an If-Match header or a 'version' field.")
    default_code = "precondition_required"


# --- versions ------------------------------------------------------------------------------------


def expected_version(request, serializer_data: Mapping | None = None) -> int:
    """The version an update started from: `If-Match: "<version>"` or a `version` field.

    Updates without either are refused (428), so no client can overwrite blindly; a value that is not
    a version is a 400 on `version` (`missions.concurrency.parse_version`).
    """
    version = None
    for data in (serializer_data, request.data):
        version = version_from_request(request, data if isinstance(data, Mapping) else {})
        if version is not None:
            break
    if version is None:
        raise PreconditionRequired()
    return version


def check_version(request, obj: models.Model) -> int:
    """The client's version for `obj`, refused with 412 (ConcurrentEditError) when it is not the current one.

    The service re-checks it under a row lock (`claim_version`); this early check means a stale request is
    refused before its body is even validated, and nothing changes.
    """
    version = expected_version(request)
    if version != obj.version:
        raise ConcurrentEditError(obj)
    return version


# --- permissions ---------------------------------------------------------------------------------


class AccessPermission(permissions.BasePermission):
    """Object-level checks through mandate.access.

    Safe methods pass (the queryset is already scoped to what the user may view). Unsafe methods need
    `view.action_permissions[view.action]`, else `view.edit_action` (default `Action.EDIT`).
    """

    message = _("Your role does not allow this action on this record.")

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        action = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        action = action or getattr(view, "edit_action", access.Action.EDIT)
        if access.can(request.user, action, obj):
            return True
        # A locked revision is refused for its state, not the role: say so (DRF reads `message` after this).
        if action == access.Action.EDIT and access.locked_reason(obj):
            self.message = access.locked_reason(obj)
        return False


# --- serializers ---------------------------------------------------------------------------------


class ScopedPrimaryKeyRelatedField(PrimaryKeyRelatedField):
    """A related id, looked up only among the rows the requesting user may view.

    An id of another mission (or of a restricted record) is answered like an id that does not exist (400),
    so a write cannot attach or reveal what the user cannot see.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if queryset is None or queryset.model not in access.MISSION_PATH:
            return queryset
        if request is None:
            return queryset.none()
        return access.scope(request.user, queryset)


class PrefetchedManyRelatedField(ManyRelatedField):
    """A list of related ids read straight from the prefetch cache when the view prefetched the relation.

    DRF asks the related manager for `.all()` on every row, which builds a manager and a queryset per row and
    field even when the rows are prefetched; on a page of 100 engagements with four such lists that is about
    a third of the serialisation time. Same result, as `.all()` returns the prefetched rows too.
    """

    def get_attribute(self, instance):
        cache = getattr(instance, "_prefetched_objects_cache", None)
        if cache and len(self.source_attrs) == 1 and self.source_attrs[0] in cache:
            return cache[self.source_attrs[0]]
        return super().get_attribute(instance)


class StrictFieldsMixin:
    """Refuse keys the serializer does not know (400 per unknown key) instead of silently dropping them.

    Read-only fields are accepted and ignored, so a client may send back what it read. Lists are bounded
    (NESTED_LIST_MAX_ITEMS nested objects, RELATED_IDS_MAX_ITEMS ids) before their items are looked at.
    """

    def to_internal_value(self, data):
        unknown = set(data) - set(self.fields) - CONTROL_FIELDS if isinstance(data, Mapping) else set()
        errors = {name: [_("Unknown field.")] for name in sorted(map(str, unknown))}
        oversized = _oversized_lists(self.fields, data) if isinstance(data, Mapping) else {}
        if oversized:
            raise exceptions.ValidationError({**errors, **oversized})
        try:
            value = super().to_internal_value(data)
        except exceptions.ValidationError as exc:
            if errors and isinstance(exc.detail, Mapping):
                raise exceptions.ValidationError({**exc.detail, **errors}) from None
            raise
        if errors:
            raise exceptions.ValidationError(errors)
        return value


def _oversized_lists(fields, data: Mapping) -> dict[str, list[str]]:
    errors = {}
    for name, field in fields.items():
        value = data.get(name) if not field.read_only else None
        if not isinstance(value, list | tuple):
            continue
        if isinstance(field, serializers.ListSerializer):
            limit = min(field.max_length or NESTED_LIST_MAX_ITEMS, NESTED_LIST_MAX_ITEMS)
        elif isinstance(field, ManyRelatedField | serializers.ListField):
            limit = RELATED_IDS_MAX_ITEMS
        else:
            continue
        if len(value) > limit:
            errors[name] = [
                _("At most %(n)s items in one request (%(count)s sent); send the rest in another request.")
                % {"n": limit, "count": len(value)}
            ]
    return errors


class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Base for every model serializer of the API.

    - unknown fields: 400; text capped at TEXT_MAX_LENGTH; related ids scoped to what the user may view;
    - models with a `version` show it, and accept it in writes (documented as optional) as an alternative to
      If-Match; it is removed from `validated_data` (the viewset reads it via `expected_version`);
    - fields that `to_representation` leaves out for some readers go in `Meta.optional_in_response`, so the
      schema does not promise them (config.schema.AutoSchema).
    """

    serializer_related_field = ScopedPrimaryKeyRelatedField

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if type(field) is ManyRelatedField:
                field.__class__ = PrefetchedManyRelatedField  # same field, faster read (see its docstring)
        if _has_version(self.Meta.model):
            fields["version"] = serializers.IntegerField(
                min_value=1, max_value=2_147_483_647, required=False, help_text=VERSION_HELP
            )
        return fields

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.TextField) and not model_field.max_length and "choices" not in field_kwargs:
            field_kwargs.setdefault("max_length", TEXT_MAX_LENGTH)
        return field_class, field_kwargs

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        value.pop("version", None)
        return value


def _has_version(model) -> bool:
    try:
        model._meta.get_field("version")
    except Exception:  # noqa: BLE001 - FieldDoesNotExist and non-model classes alike
        return False
    return True


# --- filters -------------------------------------------------------------------------------------


class ScopedFilterBackend(DjangoFilterBackend):
    """django-filter, with every related-row filter looked up among the rows the user may view.

    `?security_plan=<id>` of another mission's (or a restricted) plan is then refused exactly like an id
    that does not exist (400, "Select a valid choice."), instead of answering an empty page that tells
    the plan exists. Covers the filters a FilterSet declares and those built from `filterset_fields`.
    """

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            for filter_ in filterset.filters.values():
                if isinstance(filter_, ModelChoiceFilter | ModelMultipleChoiceFilter):
                    choices = filter_.get_queryset(request)
                    if choices is not None and choices.model in access.MISSION_PATH:
                        filter_.queryset = access.scope(request.user, choices)
        return filterset


class SearchFilter(filters.SearchFilter):
    """`?search=`: rows where every word is found, accents and case aside, in one of the view's
    `search_fields` (missions.search.search_filter: "cedeao" finds CEDEAO, "mosquee" finds MOSQUÉE).

    A view whose search is more than a list of fields (the engagement log's full-text search) defines
    `search_queryset(queryset, q)` instead. Views with neither offer no `search` parameter.
    Runs after the scope: search only ever narrows what the user may already see.
    """

    search_title = _("Search")
    search_description = _("Words to find, accents and case aside, in: %(fields)s.")

    def filter_queryset(self, request, queryset, view):
        q = request.query_params.get(self.search_param, "")
        custom = getattr(view, "search_queryset", None)
        if custom is not None:
            return custom(queryset, q)
        return search_filter(queryset, q, getattr(view, "search_fields", None) or [])

    def get_schema_operation_parameters(self, view):
        described = getattr(view, "search_described", None) or getattr(view, "search_fields", None)
        if not described:
            return []
        fields = ", ".join(field.lstrip("=").replace("__", ".") for field in described)
        return [
            {
                "name": self.search_param,
                "required": False,
                "in": "query",
                "description": str(self.search_description) % {"fields": fields},
                "schema": {"type": "string"},
            }
        ]


def refuse_hidden_query_params(request, hidden: set[str]) -> None:
    """400 (the API's error shape) when a filter or an ordering names a field hidden from the user.

    Refused rather than ignored: a script is told that its filter did not apply, instead of reading an
    unfiltered list as a filtered one. Documented on each such filter in the schema.
    """
    if not hidden:
        return
    errors = {name: [_("This filter is not available to you.")] for name in request.query_params if name in hidden}
    terms = [t.strip().lstrip("-").split("__")[0] for t in request.query_params.get("ordering", "").split(",")]
    if hidden & set(terms):
        errors["ordering"] = [_("You cannot order by a field you do not see.")]
    if errors:
        raise exceptions.ValidationError(errors)


# --- viewsets ------------------------------------------------------------------------------------


class ScopedViewSet(viewsets.GenericViewSet):
    """Base for every resource: the queryset is scoped by mandate.access; out-of-scope rows are 404.

    Subclasses set `queryset` (better: `get_queryset` from a selector, then `super().get_queryset()` is not
    needed; call `self.scope(qs)`), `serializer_class`, and the mixins they need. In `perform_update`, pass
    `self.if_match_version` to the service as its expected version. In `perform_create`, call
    `self.check_can_add(Model, parent, **fields)` before the service.
    """

    permission_classes = [permissions.IsAuthenticated, AccessPermission]
    filter_backends = [ScopedFilterBackend, SearchFilter, OrderingFilter]
    # Text fields `?search=` looks in (SearchFilter); forward relations allowed, e.g. "partner__name".
    search_fields: list[str] = []
    edit_action = access.Action.EDIT
    # Custom actions that need another access.Action than EDIT, e.g. {"submit": Action.SUBMIT}.
    action_permissions: dict[str, access.Action] = {}
    # Set by get_object() on PUT/PATCH: the version the client started from (already checked once).
    if_match_version: int | None = None

    def get_queryset(self):
        return self.scope(super().get_queryset())

    def scope(self, queryset):
        return access.scope(self.request.user, queryset)

    def hidden_fields(self) -> set[str]:
        """Fields, filters and orderings this user may not use here (the serializer does not show them)."""
        return set()

    def filter_queryset(self, queryset):
        refuse_hidden_query_params(self.request, self.hidden_fields())
        return super().filter_queryset(queryset)

    def get_object(self):
        obj = super().get_object()  # 404 outside the scope, then AccessPermission (403)
        if self.request.method in ("PUT", "PATCH") and _has_version(type(obj)):
            self.if_match_version = check_version(self.request, obj)
        self._etag_object = obj
        return obj

    def check_can_add(self, model, parent, **fields) -> None:
        """403 unless the user may create a `model` row under `parent` (see access.can_add)."""
        if not access.can_add(self.request.user, model, parent, **fields):
            raise exceptions.PermissionDenied(
                access.locked_reason(parent) or _("Your role does not allow adding this record here.")
            )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if 200 <= response.status_code < 300 and getattr(self, "action", None) != "list":
            data = getattr(response, "data", None)  # a FileResponse has none
            version = data.get("version") if isinstance(data, Mapping) else None
            if version is None and request.method in permissions.SAFE_METHODS:
                version = getattr(getattr(self, "_etag_object", None), "version", None)
            if isinstance(version, int):
                response["ETag"] = f'"{version}"'
        return response


# --- the missions resources ---------------------------------------------------------------------


class MissionSerializer(StrictModelSerializer):
    role = serializers.SerializerMethodField(help_text=_("Your role in this mission."))

    class Meta:
        model = Mission
        fields = [
            "id",
            "acronym",
            "name",
            "host_country",
            "mandate_references",
            "start_date",
            "end_date",
            "default_language",
            "role",
            "version",
            "updated_at",
        ]
        read_only_fields = ["acronym", "updated_at"]

    def get_role(self, mission) -> str | None:
        request = self.context.get("request")
        return access.role_in(request.user, mission.pk) if request else None

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": [_("The end date must not be before the start date.")]})
        return attrs


class MissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """The missions you belong to. The Head of Mission may update the mission's particulars."""

    queryset = Mission.objects.all()
    serializer_class = MissionSerializer
    filterset_fields = ["acronym"]
    ordering_fields = ["acronym", "name", "start_date"]
    search_fields = ["acronym", "name", "host_country"]

    def perform_update(self, serializer):
        from mandate.services import mission_update

        serializer.instance = mission_update(
            mission=serializer.instance,
            user=self.request.user,
            expected_version=self.if_match_version,
            **serializer.validated_data,
        )


class ComponentSerializer(StrictModelSerializer):
    class Meta:
        model = Component
        fields = ["id", "mission", "kind", "name"]


class ComponentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The components of your missions (read-only), to pick component ids for other resources."""

    queryset = Component.objects.all()
    serializer_class = ComponentSerializer
    filterset_fields = ["mission", "kind"]
    ordering_fields = ["name", "kind"]
    search_fields = ["name"]


class LocationSerializer(StrictModelSerializer):
    has_boundary = serializers.SerializerMethodField()

    class Meta:
        model = Location
        fields = [
            "id", "mission", "name", "name_fr", "level", "pcode", "parent", "latitude", "longitude",
            "min_lat", "min_lon", "max_lat", "max_lon", "has_boundary",
        ]  # fmt: skip

    def get_has_boundary(self, location) -> bool:
        return bool(location.has_boundary)


# The `mode` of every `import/` form: what a row matching an existing record does.
IMPORT_MODES = [("create", _("create only")), ("update", _("create and update"))]


def import_mode_field(*, help_text, default: str = "create") -> serializers.ChoiceField:
    """The `mode` field of an `import/` form; `help_text` says what matches an existing record."""
    return serializers.ChoiceField(choices=IMPORT_MODES, default=default, help_text=help_text)


def import_table_field() -> serializers.FileField:
    """The `file` field of an `import/` form whose table the import page reads too."""
    return serializers.FileField(
        help_text=_("CSV or XLSX, the first row naming the columns (in English or French, as the import page reads).")
    )


class LocationImportSerializer(serializers.Serializer):
    mission = ScopedPrimaryKeyRelatedField(
        queryset=Mission.objects.all(), help_text=_("The mission whose gazetteer to load.")
    )
    file = serializers.FileField(
        required=False, help_text=_("The areas table: CSV or XLSX in the layout of OCHA's common operational datasets.")
    )
    boundaries = serializers.FileField(
        required=False, help_text=_("GeoJSON: one feature per area, its P-code in a property such as ADM2_PCODE.")
    )
    mode = import_mode_field(
        help_text=_("“update”: areas whose P-code exists are updated; “create”: such changes are refused."),
        default="update",
    )
    dry_run = serializers.BooleanField(default=False, help_text=_("Check everything, write nothing."))

    def validate(self, attrs):
        if not attrs.get("file") and not attrs.get("boundaries"):
            raise serializers.ValidationError(_("Send an areas file, a boundaries file, or both."))
        return attrs

    def validate_mission(self, mission):
        # A mission whose gazetteer the user may not manage is answered like one that does not exist.
        if not access.can_manage_gazetteer(self.context["request"].user, mission.pk):
            field = self.fields["mission"]
            field.fail("does_not_exist", pk_value=mission.pk)
        return mission


class ImportJobStartedSerializer(serializers.Serializer):
    """An import started in the background: follow it at `status_url`."""

    job = serializers.IntegerField(help_text=_("The import job's id."))
    status = serializers.CharField(help_text=_("Where the job is: parsing, checking, importing, done or failed."))
    status_url = serializers.CharField(help_text=_("Where to follow the job (GET) until it is done or failed."))


class ImportActionsMixin:
    """`import/` and `import/{job_id}/` for a resource whose files are imported on the import pipeline
    (missions.pipeline, `auto=True`): POST a multipart form, answered 202 with the job and its `status_url`;
    GET the status until the job is done or failed.

    A subclass sets `import_serializer_class` (the form: validated with the request in its context, so its
    related ids are scoped) and names it again in `@extend_schema_view(import_file=extend_schema(request=
    {"multipart/form-data": ...}))`, so the schema shows each resource's own form; and defines `import_job`.
    The status action's URL name is `<basename>-import-status`.
    """

    import_serializer_class: type[serializers.Serializer]

    def import_job(self, data: Mapping) -> dict:
        """The arguments of `pipeline.import_job_start` besides `user` and `auto` (mission, kind, upload,
        mode, and target_id or attachments as the importer needs), for the validated form `data`. It checks
        first that the user may import there (`check_can_add`: 403), unless the form already refused it."""
        raise NotImplementedError

    def import_now(self, data: Mapping) -> Response | None:
        """An answer given at once, without the pipeline (a small gazetteer), or None to start the job."""
        return None

    def get_serializer_class(self):
        if getattr(self, "action", None) == "import_file":
            return self.import_serializer_class
        return super().get_serializer_class()

    @extend_schema(responses={202: ImportJobStartedSerializer})
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request):
        # No docstring: the operation's description is the resource's (its class docstring says what it imports).
        from missions import pipeline

        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        answer = self.import_now(data)
        if answer is not None:
            return answer
        job = pipeline.import_job_start(user=request.user, auto=True, **self.import_job(data))
        return import_job_accepted(request, job, f"{self.basename}-import-status")

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description=_(
            "An import started by `import/` (answered 202): its status, how far it is (per mille), then its "
            "counts (created, updated, unchanged) or why nothing was imported, with the grouped problems. Yours "
            "only: anyone else's job is not found."
        ),
    )
    @action(detail=False, methods=["get"], url_path=r"import/(?P<job_id>[0-9]+)", url_name="import-status")
    def import_status(self, request, job_id):
        return import_job_status(request, job_id)


def import_job_accepted(request, job, status_url_name: str) -> Response:
    """202 for an import started on the pipeline (missions.pipeline, `auto=True`): the job and where to follow
    it (the resource's `import/{job_id}/` action, answered by `import_job_status`)."""
    from django.urls import reverse

    job.refresh_from_db()
    url = reverse(status_url_name, kwargs={"job_id": job.pk})
    return Response(
        {"job": job.pk, "status": job.status, "status_url": request.build_absolute_uri(url)},
        status=status.HTTP_202_ACCEPTED,
    )


def import_job_status(request, job_id) -> Response:
    """An import job's status for the API: how far it is (per mille), then its counts or, when nothing was
    imported, why, with the grouped problems. Its uploader's only (404 for anyone else)."""
    from missions import pipeline

    job, _importer, _target = access.get_import_job_for_user(request.user, int(job_id))
    job = pipeline.import_job_release_if_stalled(job)
    progress = pipeline.import_job_progress(job)
    report = job.report or {}
    progress["errors"] = {key: report.get(key) for key in ("total_rows", "error_count", "error_rows", "groups")}
    return Response(progress)


@extend_schema_view(
    import_file=extend_schema(
        request={"multipart/form-data": LocationImportSerializer},
        responses={200: OpenApiTypes.OBJECT, 202: ImportJobStartedSerializer},
    )
)
class LocationViewSet(ImportActionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The regions, districts, sub-districts and sites of your missions (read-only), to pick location ids.

    `import/` loads a mission's gazetteer (Head of Mission, leadership team, members granted the gazetteer
    permission): multipart form data with `mission`, `file` and/or `boundaries`, `mode`, `dry_run`.
    It answers 200 with the counts and the changes when imported (or checked, with `dry_run`), 400 with the
    grouped problems when nothing was imported, or when the mission is unknown or not one you may manage.
    A large upload with an areas table (past GAZETTEER_API_SYNC_MAX_BYTES, 1 MB by default) is imported in
    the background instead, on the import pipeline: 202 with the job and its `status_url`
    (`import/{job_id}/`), which says how far it is, then the counts or the grouped problems.
    """

    # The outline itself is large and meant for maps: the list says whether there is one, and its box.
    queryset = Location.objects.defer("boundary").annotate(
        has_boundary=models.ExpressionWrapper(~models.Q(boundary=""), output_field=models.BooleanField())
    )
    serializer_class = LocationSerializer
    filterset_fields = ["mission", "level", "parent", "pcode"]
    ordering_fields = ["name", "level", "pcode"]
    search_fields = ["name", "name_fr", "pcode"]
    import_serializer_class = LocationImportSerializer

    def import_now(self, data):
        # The form checked the mission (validate_mission: 404-like 400 for one the user may not manage).
        from django.conf import settings

        from mandate.gazetteer import locations_import

        table, boundaries = data.get("file"), data.get("boundaries")
        size = sum(f.size or 0 for f in (table, boundaries) if f is not None)
        if table is not None and not data["dry_run"] and size > settings.GAZETTEER_API_SYNC_MAX_BYTES:
            return None
        result = locations_import(
            mission=data["mission"],
            user=self.request.user,
            table=table,
            boundaries=boundaries,
            mode=data["mode"],
            dry_run=data["dry_run"],
        )
        ok = not result.report.problems
        return Response(result.as_dict(), status=status.HTTP_200_OK if ok else status.HTTP_400_BAD_REQUEST)

    def import_job(self, data):
        from mandate import importers

        boundaries = data.get("boundaries")
        return {
            "mission": data["mission"],
            "kind": importers.LocationImporter.kind,
            "upload": data["file"],
            "mode": data["mode"],
            "attachments": {importers.BOUNDARIES_SUFFIX: boundaries} if boundaries is not None else None,
        }


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "user",
            "username",
            "mission",
            "ip_address",
            "user_agent",
            "object_type",
            "object_id",
            "summary",
        ]
        read_only_fields = fields


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The audit trail of the missions you are Head of Mission of (read-only, newest first): sign-ins of the
    mission's members, API tokens, report downloads and exports, approvals and releases, admin changes."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_fields = ["action"]
    ordering_fields = ["created_at"]
    search_fields = ["username", "summary"]


def register(router):
    """Register this app's viewsets on the API router."""
    router.register("missions", MissionViewSet, basename="mission")
    router.register("components", ComponentViewSet, basename="component")
    router.register("locations", LocationViewSet, basename="location")
    router.register("audit-events", AuditEventViewSet, basename="audit-event")
