"""API of the mandate and the narratives: `mandate-tasks`, `narratives` (with submit / validate / return),
`attachments` (evidence on assessments, narratives and engagements). Thin: services decide, access scopes."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from benchmarks.models import Assessment, Benchmark, OperationalOutput
from mandate import access
from mandate.api import ScopedPrimaryKeyRelatedField, ScopedViewSet, StrictModelSerializer, expected_version
from missions.models import Mission
from narratives import evidence, services
from narratives.models import Attachment, MandateTask, Narrative
from partners.models import Engagement


class MandateTaskSerializer(StrictModelSerializer):
    mission = ScopedPrimaryKeyRelatedField(queryset=Mission.objects.all())
    outputs = ScopedPrimaryKeyRelatedField(queryset=OperationalOutput.objects.all(), many=True, required=False)
    benchmarks = ScopedPrimaryKeyRelatedField(queryset=Benchmark.objects.all(), many=True, required=False)

    class Meta:
        model = MandateTask
        fields = [
            "id", "mission", "resolution", "paragraph", "short_title", "text", "priority", "order",
            "outputs", "benchmarks", "version", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["updated_at"]


class MandateTaskViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """The mandate's operative paragraphs, linked to the outputs and benchmarks that serve them.
    Read by every member but partners; the HoM and the MLT create and change them."""

    queryset = MandateTask.objects.prefetch_related("outputs", "benchmarks")
    serializer_class = MandateTaskSerializer
    filterset_fields = ["mission", "resolution", "priority"]
    ordering_fields = ["resolution", "order", "id"]
    search_fields = ["resolution", "paragraph", "short_title", "text"]
    ordering = ["mission", "resolution", "order", "id"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        mission = data.pop("mission")
        self.check_can_add(MandateTask, mission)
        serializer.instance = services.mandate_task_create(user=self.request.user, mission=mission, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "mission" in data and data.pop("mission") != serializer.instance.mission:
            raise serializers.ValidationError({"mission": [_("A mandate task cannot move to another mission.")]})
        serializer.instance = services.mandate_task_update(
            user=self.request.user,
            task=serializer.instance,
            expected_version=self.if_match_version,
            outputs=data.pop("outputs", None),
            benchmarks=data.pop("benchmarks", None),
            **data,
        )


class NarrativeSerializer(StrictModelSerializer):
    output = ScopedPrimaryKeyRelatedField(queryset=OperationalOutput.objects.all())

    class Meta:
        model = Narrative
        fields = [
            "id", "output", "period_start", "period_end", "progress", "challenges", "next_steps", "rating",
            "status", "review_comment", "written_by", "submitted_at", "reviewed_by", "reviewed_at", "version",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "status", "review_comment", "written_by", "submitted_at", "reviewed_by", "reviewed_at", "updated_at",
        ]  # fmt: skip


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5_000, default="")
    version = serializers.IntegerField(required=False, min_value=1, help_text=_("The version you reviewed."))


class NarrativeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """Narrative assessments per output and reporting period: draft -> submitted -> validated or returned.

    The output's lead component (or the leadership) writes and submits; the MLT member leading the output or
    the HoM validates or returns (with a comment). Validated narratives are frozen.
    """

    queryset = Narrative.objects.select_related("output")
    serializer_class = NarrativeSerializer
    filterset_fields = {
        "output": ["exact"],
        "output__mission": ["exact"],
        "status": ["exact"],
        "period_start": ["exact", "gte"],
        "period_end": ["exact", "lte"],
    }
    ordering_fields = ["period_end", "updated_at", "id"]
    search_fields = ["progress", "challenges", "next_steps"]
    ordering = ["-period_end", "output", "id"]
    action_permissions = {
        "submit": access.Action.SUBMIT,
        "validate": access.Action.APPROVE,
        "return_": access.Action.APPROVE,
    }

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        output = data.pop("output")
        self.check_can_add(Narrative, output)
        if Narrative.objects.filter(
            output=output, period_start=data["period_start"], period_end=data["period_end"]
        ).exists():
            raise serializers.ValidationError(
                {"period_start": [_("This output already has a narrative for the period: update it instead.")]}
            )
        serializer.instance = services.narrative_save(
            user=self.request.user,
            output=output,
            period_start=data["period_start"],
            period_end=data["period_end"],
            progress=data.get("progress", ""),
            challenges=data.get("challenges", ""),
            next_steps=data.get("next_steps", ""),
            rating=data.get("rating", ""),
        )

    def perform_update(self, serializer):
        item = serializer.instance
        data = dict(serializer.validated_data)
        for name in ("output", "period_start", "period_end"):
            if name in data and data.pop(name) != getattr(item, name):
                raise serializers.ValidationError({name: [_("The output and period of a narrative do not change.")]})
        serializer.instance = services.narrative_save(
            user=self.request.user,
            output=item.output,
            period_start=item.period_start,
            period_end=item.period_end,
            expected_version=self.if_match_version,
            **{name: data.get(name, getattr(item, name)) for name in Narrative.TEXT_FIELDS},
        )

    def _review(self, request, *, validate: bool | None):
        narrative = self.get_object()
        body = ReviewSerializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        version = expected_version(request, body.validated_data)
        if validate is None:
            narrative = services.narrative_submit(user=request.user, narrative=narrative, expected_version=version)
        else:
            narrative = services.narrative_review(
                user=request.user,
                narrative=narrative,
                expected_version=version,
                validate=validate,
                comment=body.validated_data["comment"],
            )
        return Response(self.get_serializer(narrative).data)

    @extend_schema(request=ReviewSerializer, responses=NarrativeSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft (or returned) narrative for validation. Needs the version (If-Match or `version`)."""
        return self._review(request, validate=None)

    @extend_schema(request=ReviewSerializer, responses=NarrativeSerializer)
    @action(detail=True, methods=["post"])
    def validate(self, request, pk=None):
        """Validate a submitted narrative: it is frozen from then on."""
        return self._review(request, validate=True)

    @extend_schema(request=ReviewSerializer, responses=NarrativeSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Return a submitted narrative to its writer with a comment (required)."""
        return self._review(request, validate=False)


TARGETS = {"assessment": Assessment, "narrative": Narrative, "engagement": Engagement}


class AttachmentSerializer(StrictModelSerializer):
    target_type = serializers.ChoiceField(choices=sorted(TARGETS), write_only=True)
    target_id = serializers.IntegerField(write_only=True, min_value=1)
    file = serializers.FileField(write_only=True)
    attached_to = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id", "name", "kind", "size_bytes", "sha256", "description", "uploaded_by", "uploaded_at",
            "attached_to", "target_type", "target_id", "file",
        ]  # fmt: skip
        read_only_fields = ["name", "kind", "size_bytes", "sha256", "uploaded_by", "uploaded_at"]

    def get_attached_to(self, attachment) -> dict:
        return {"type": attachment.content_type.model, "id": attachment.object_id}


class AttachmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Evidence attachments (PDF, office files, JPEG/PNG; up to 10 MB; type checked from the content).

    Upload with multipart form data (`target_type`, `target_id`, `file`, `description`); download with
    `download/`. Only those who may see the record a file supports may list or download it.
    """

    queryset = Attachment.objects.select_related("content_type")
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["mission", "kind"]
    search_fields = ["name", "description"]
    ordering = ["uploaded_at", "id"]

    def get_queryset(self):
        queryset = super().get_queryset()
        kind, target = self.request.query_params.get("target_type"), self.request.query_params.get("target_id")
        if kind in TARGETS and target and target.isdigit():
            queryset = queryset.filter(
                content_type=ContentType.objects.get_for_model(TARGETS[kind]), object_id=int(target)
            )
        return queryset

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        model = TARGETS[data["target_type"]]
        target = access.scope(request.user, model.objects.filter(pk=data["target_id"])).first()
        if target is None:
            raise exceptions.ValidationError({"target_id": [_("No such record.")]})
        if not access.can_attach_evidence(request.user, target):
            raise exceptions.PermissionDenied(_("Your role does not allow adding evidence to this record."))
        attachment = services.attachment_add(
            user=request.user, target=target, uploaded_file=data["file"], description=data.get("description", "")
        )
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file itself, as an attachment (never rendered inline)."""
        attachment = self.get_object()
        if not access.can_view_evidence(request.user, attachment):
            raise exceptions.NotFound()
        return evidence.attachment_response(attachment)  # Http404 answers 404 here too


def register(router):
    router.register("mandate-tasks", MandateTaskViewSet, basename="mandate-task")
    router.register("narratives", NarrativeViewSet, basename="narrative")
    router.register("attachments", AttachmentViewSet, basename="attachment")
