"""REST resources of the results framework: outputs, benchmarks, assessments, indicators (+ values), risks.

Thin: querysets are scoped by `mandate.access` (through `ScopedViewSet`), creation asks
`access.can_add`, updates `access.can` and the version the client started from
(`ScopedViewSet.if_match_version`), and every write goes through `benchmarks.services`, so the
API applies the same rules as the pages. Nothing is deleted: plan items are retired with
`{"retired": true}` in an update (PUT/PATCH carry the version: If-Match or `version`);
assessments are append-only (create, list, retrieve).
"""

from __future__ import annotations

import copy
import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.response import Response

from benchmarks import services
from benchmarks.models import (
    Activity,
    Assessment,
    Benchmark,
    Indicator,
    IndicatorValue,
    OperationalOutput,
    Risk,
    Status,
)
from mandate import access
from mandate.api import ScopedPrimaryKeyRelatedField, ScopedViewSet, StrictModelSerializer
from missions.area_filter import check_area
from missions.models import Location, Mission


def location_field() -> ScopedPrimaryKeyRelatedField:
    return ScopedPrimaryKeyRelatedField(
        queryset=Location.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The region or district concerned (a location of the mission); null: the whole country."),
    )


def validate_location(attrs: dict, mission_id: int | None) -> None:
    """Refuse, on the field, a location that is not a region or district of the record's mission."""
    problem = check_area(attrs.get("location"), mission_id) if mission_id is not None else None
    if problem:
        raise serializers.ValidationError({"location": [problem]})


class PlanItemSerializer(StrictModelSerializer):
    """Common parts of the plan items: retirement, and components of the parent's mission."""

    retired = serializers.BooleanField(
        required=False, write_only=True, help_text=_("True retires the item, false restores it.")
    )
    is_retired = serializers.BooleanField(read_only=True)
    parent_field = "output"

    def validate(self, attrs):
        # The service checks it again; here the API reports it on the field.
        parent = attrs.get(self.parent_field) or getattr(self.instance, self.parent_field, None)
        if parent is not None:
            mission_id = parent.pk if isinstance(parent, Mission) else access.mission_id_of(parent)
            for name in ("lead_component", "owner"):
                component = attrs.get(name)
                if component is not None and component.mission_id != mission_id:
                    raise serializers.ValidationError({name: [_("Choose a component of this mission.")]})
            validate_location(attrs, mission_id)
        return attrs


class OutputSerializer(PlanItemSerializer):
    parent_field = "mission"

    class Meta:
        model = OperationalOutput
        fields = [
            "id",
            "mission",
            "title",
            "description",
            "lead_component",
            "library_output",
            "order",
            "version",
            "retired",
            "is_retired",
            "retired_at",
            "updated_at",
        ]
        read_only_fields = ["library_output", "retired_at", "updated_at"]


class ActivitySerializer(PlanItemSerializer):
    class Meta:
        model = Activity
        fields = ["id", "output", "title", "lead_component", "order", "version", "retired", "is_retired"]


class BenchmarkSerializer(PlanItemSerializer):
    status = serializers.SerializerMethodField(help_text=_("Current status (the latest assessment's)."))
    progress = serializers.SerializerMethodField()
    last_assessed = serializers.SerializerMethodField()

    class Meta:
        model = Benchmark
        fields = [
            "id",
            "output",
            "term",
            "statement",
            "lead_component",
            "target_date",
            "order",
            "status",
            "progress",
            "last_assessed",
            "latest_assessment",
            "version",
            "retired",
            "is_retired",
            "retired_at",
        ]
        read_only_fields = ["latest_assessment", "retired_at"]

    def get_status(self, obj) -> str:
        return obj.latest_assessment.status if obj.latest_assessment_id else Status.NOT_STARTED

    def get_progress(self, obj) -> int:
        return obj.latest_assessment.progress if obj.latest_assessment_id else 0

    def get_last_assessed(self, obj) -> datetime.date | None:
        return obj.latest_assessment.assessed_on if obj.latest_assessment_id else None


class AssessmentSerializer(StrictModelSerializer):
    benchmark = ScopedPrimaryKeyRelatedField(queryset=Benchmark.objects.select_related("output"))
    assessed_by = serializers.StringRelatedField()
    location = location_field()

    def validate(self, attrs):
        benchmark = attrs.get("benchmark")
        validate_location(attrs, benchmark.output.mission_id if benchmark is not None else None)
        return attrs

    class Meta:
        model = Assessment
        fields = [
            "id",
            "benchmark",
            "assessed_on",
            "status",
            "progress",
            "evidence",
            "location",
            "corrects",
            "assessed_by",
            "created_at",
        ]
        read_only_fields = ["assessed_by", "created_at"]


class IndicatorValueSerializer(StrictModelSerializer):
    indicator = ScopedPrimaryKeyRelatedField(queryset=Indicator.objects.select_related("output"))
    location = location_field()

    def validate(self, attrs):
        indicator = attrs.get("indicator") or getattr(self.instance, "indicator", None)
        validate_location(attrs, indicator.output.mission_id if indicator is not None else None)
        return attrs

    class Meta:
        model = IndicatorValue
        fields = ["id", "indicator", *services.EDITABLE_FIELDS[IndicatorValue], "recorded_by", "version"]
        read_only_fields = ["recorded_by"]


class NestedValueSerializer(StrictModelSerializer):
    class Meta:
        model = IndicatorValue
        fields = ["id", "period_start", "period_end", "actual", "actual_women", "actual_men", "actual_youth", "version"]


class IndicatorSerializer(PlanItemSerializer):
    values = NestedValueSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "output",
            "benchmark",
            "name",
            "unit",
            "baseline",
            "target",
            "disaggregated",
            "order",
            "values",
            "version",
            "retired",
            "is_retired",
        ]


class RiskSerializer(PlanItemSerializer):
    location = location_field()
    score = serializers.IntegerField(read_only=True)
    level = serializers.CharField(read_only=True)

    class Meta:
        model = Risk
        fields = [
            "id",
            "output",
            "kind",
            "title",
            "likelihood",
            "impact",
            "score",
            "level",
            "owner",
            "mitigation",
            "review_date",
            "location",
            "order",
            "version",
            "retired",
            "is_retired",
        ]


class PlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """List / retrieve / create / update (PUT and PATCH) of a plan item; no delete (retire instead).

    Subclasses name the create service and the serializer field holding the parent.
    """

    create_service = None
    parent_field = "output"
    ordering = ["order", "id"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        parent = data.pop(self.parent_field)
        data.pop("retired", None)
        self.check_can_add(self.queryset.model, parent)
        self._check_keeps_edit_rights(self.queryset.model(**{self.parent_field: parent}), data)
        serializer.instance = type(self).create_service(**{self.parent_field: parent}, user=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = self.if_match_version
        retired = data.pop("retired", None)
        item = serializer.instance
        if self.parent_field in data and data[self.parent_field] != getattr(item, self.parent_field):
            raise serializers.ValidationError({self.parent_field: [_("An item cannot move to another parent.")]})
        data.pop(self.parent_field, None)
        editable = services.EDITABLE_FIELDS[type(item)]
        changes = {k: v for k, v in data.items() if k in editable}
        if changes:
            self._check_keeps_edit_rights(copy.copy(item), changes)
            item = services.plan_item_update(item=item, user=self.request.user, expected_version=version, **changes)
            version = item.version
        if retired is not None and retired != item.is_retired:
            item = services.plan_item_retire(
                item=item, user=self.request.user, expected_version=version, retire=retired
            )
        serializer.instance = item

    def _check_keeps_edit_rights(self, candidate, changes: dict) -> None:
        """As the forms do: refuse a change that would leave the editor unable to edit the item (lead handed away)."""
        for name, value in changes.items():
            setattr(candidate, name, value)
        if not access.can(self.request.user, access.Action.EDIT, candidate):
            field = "owner" if "owner" in changes else "lead_component"
            raise serializers.ValidationError(
                {field: [_("You could no longer edit this item: keep your component as its lead.")]}
            )


class OutputViewSet(PlanViewSet):
    """Operational outputs of the missions the user belongs to (not partners). Creating one: HoM and MLT."""

    queryset = OperationalOutput.objects.select_related("lead_component")
    serializer_class = OutputSerializer
    create_service = staticmethod(services.output_create)
    parent_field = "mission"
    filterset_fields = ["mission", "lead_component", "library_output"]
    ordering_fields = ["order", "title", "id", "updated_at"]
    search_fields = ["title"]
    ordering = ["mission", "order", "id"]


class BenchmarkViewSet(PlanViewSet):
    """Benchmarks with their current status (from the latest assessment). Filter by output, term, lead, status."""

    queryset = Benchmark.objects.select_related("output", "latest_assessment")
    serializer_class = BenchmarkSerializer
    create_service = staticmethod(services.benchmark_create)
    filterset_fields = {
        "output": ["exact"],
        "output__mission": ["exact"],
        "term": ["exact"],
        "lead_component": ["exact"],
        "latest_assessment__status": ["exact"],
        "retired_at": ["isnull"],
    }
    ordering_fields = ["order", "id", "term", "target_date", "latest_assessment__assessed_on"]
    search_fields = ["statement"]
    ordering = ["output", "term", "order", "id"]


class ActivityViewSet(PlanViewSet):
    queryset = Activity.objects.select_related("output")
    serializer_class = ActivitySerializer
    create_service = staticmethod(services.activity_create)
    filterset_fields = ["output", "lead_component"]
    ordering_fields = ["order", "id"]
    search_fields = ["title"]


class IndicatorViewSet(PlanViewSet):
    """Indicators with their values per period nested (read-only); write values through `indicator-values`."""

    queryset = Indicator.objects.select_related("output").prefetch_related(
        Prefetch("values", queryset=IndicatorValue.objects.order_by("period_start"))
    )
    serializer_class = IndicatorSerializer
    create_service = staticmethod(services.indicator_create)
    filterset_fields = ["output", "benchmark", "disaggregated"]
    ordering_fields = ["order", "id", "name"]
    search_fields = ["name"]


class RiskViewSet(PlanViewSet):
    queryset = Risk.objects.select_related("output")
    serializer_class = RiskSerializer
    create_service = staticmethod(services.risk_create)
    filterset_fields = ["output", "kind", "owner", "likelihood", "impact", "location"]
    ordering_fields = ["order", "id", "likelihood", "impact", "review_date"]
    search_fields = ["title", "mitigation"]


class IndicatorValueViewSet(PlanViewSet):
    """An indicator's value per reporting period; women / men / youth required when the indicator is disaggregated."""

    queryset = IndicatorValue.objects.select_related("indicator__output")
    serializer_class = IndicatorValueSerializer
    create_service = staticmethod(services.indicator_value_record)
    parent_field = "indicator"
    filterset_fields = ["indicator", "period_start", "location"]
    ordering_fields = ["period_start", "id"]
    search_fields = ["note"]
    ordering = ["indicator", "period_start"]


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Append-only: assessments are created (through `assessment_create`), listed and read, never changed.

    Creating one needs the right to assess the benchmark (its lead component's staff, the MLT, the HoM).
    """

    queryset = Assessment.objects.select_related("assessed_by", "benchmark__output")
    serializer_class = AssessmentSerializer
    filterset_fields = {
        "benchmark": ["exact"],
        "benchmark__output": ["exact"],
        "status": ["exact"],
        "assessed_on": ["gte", "lte"],
        "location": ["exact"],
    }
    ordering_fields = ["assessed_on", "created_at", "id"]
    search_fields = ["evidence"]
    ordering = ["-assessed_on", "-created_at", "-id"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        benchmark = data.pop("benchmark")
        if not access.can(request.user, access.Action.ASSESS, benchmark):
            raise exceptions.PermissionDenied(_("Your role does not allow assessing this benchmark."))
        assessment = services.assessment_create(benchmark=benchmark, user=request.user, **data)
        return Response(self.get_serializer(assessment).data, status=status.HTTP_201_CREATED)


def register(router):
    """Register this app's viewsets on the API router."""
    router.register("outputs", OutputViewSet, basename="output")
    router.register("activities", ActivityViewSet, basename="activity")
    router.register("benchmarks", BenchmarkViewSet, basename="benchmark")
    router.register("assessments", AssessmentViewSet, basename="assessment")
    router.register("indicators", IndicatorViewSet, basename="indicator")
    router.register("indicator-values", IndicatorValueViewSet, basename="indicator-value")
    router.register("risks", RiskViewSet, basename="risk")
