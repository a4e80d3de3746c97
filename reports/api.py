"""REST resource `reports`: list, retrieve (with generation progress), create (= request a report),
download, and the HoM's approve / release actions.

Thin: the queryset is scoped by `mandate.access` (hq: released reports only; partners: none), creation
asks `access.can_add` through `reports.services.report_request`, sign-off `access.Action.APPROVE`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from elections.models import ElectionPlan
from mandate import access
from mandate.api import ScopedPrimaryKeyRelatedField, ScopedViewSet, StrictModelSerializer
from missions.concurrency import version_from_request
from missions.models import Mission
from reports import services
from reports.models import PaperSize, Report, ReportComment, SectionsBy
from reports.views import CONTENT_TYPES


class ReportSerializer(StrictModelSerializer):
    mission = ScopedPrimaryKeyRelatedField(queryset=Mission.objects.all())
    election_plan = ScopedPrimaryKeyRelatedField(queryset=ElectionPlan.objects.all(), required=False, allow_null=True)
    paper_size = serializers.ChoiceField(choices=PaperSize.choices, default=PaperSize.A4)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("The language the report is written in (en, fr); default: the mission's default language."),
    )
    pdf_url = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id", "mission", "kind", "period_start", "period_end", "election_plan", "paper_size",
            "language", "state", "progress", "progress_message", "error", "attempts", "data_as_of",
            "sha256", "size_bytes", "page_count", "approval", "approved_at", "released_at",
            "scheduled", "created_at", "version", "pdf_url", "xlsx_url", "sections_by", "include_unvalidated",
            "approved_sha256",
        ]  # fmt: skip
        read_only_fields = [
            "state", "progress", "progress_message", "error", "attempts", "data_as_of", "sha256", "size_bytes",
            "page_count", "approval", "approved_at", "released_at", "scheduled", "created_at", "version",
            "approved_sha256",
        ]  # fmt: skip

    def _url(self, report, fmt):
        request = self.context.get("request")
        if request is None or not report.is_downloadable or (fmt == "xlsx" and not report.xlsx_file):
            return None
        return request.build_absolute_uri(reverse("report-download", args=[report.pk]) + f"?format_={fmt}")

    def get_pdf_url(self, report) -> str | None:
        return self._url(report, "pdf")

    def get_xlsx_url(self, report) -> str | None:
        return self._url(report, "xlsx")


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Reports of the missions you belong to (hq: only released ones). Create queues a generation."""

    queryset = Report.objects.select_related("mission").order_by("-created_at", "-id")
    serializer_class = ReportSerializer
    filterset_fields = ["mission", "kind", "state", "approval"]
    action_permissions = {"approve": access.Action.APPROVE, "release": access.Action.APPROVE}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self.check_can_add(Report, data["mission"], kind=data["kind"])
        try:
            report = services.report_request(
                mission=data["mission"],
                kind=data["kind"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                election_plan=data.get("election_plan"),
                paper_size=data.get("paper_size", PaperSize.A4),
                language=data.get("language"),
                sections_by=data.get("sections_by", SectionsBy.OUTPUT),
                include_unvalidated=data.get("include_unvalidated", True),
                user=request.user,
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None
        out = self.get_serializer(report)
        return Response(out.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("format_", str, OpenApiParameter.QUERY, enum=["pdf", "xlsx"])],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The report's PDF (default) or XLSX (`?format_=xlsx`) as an attachment; 404 until it is ready."""
        report = self.get_object()
        fmt = request.query_params.get("format_", "pdf")
        opened = services.report_file_open(report=report, user=request.user, fmt=fmt)
        if opened is None:
            raise Http404
        handle, filename = opened
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt])
        response.data = None  # a file, not serializer data: ScopedViewSet.finalize_response looks for `.data`
        return response

    def _sign_off(self, request, service):
        report = self.get_object()
        try:
            report = service(report=report, user=request.user, expected_version=version_from_request(request))
        except services.ReportStateError as exc:
            raise exceptions.ValidationError({"approval": exc.messages}) from None
        return Response(self.get_serializer(report).data)

    @extend_schema(request=None, responses=ReportSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """HoM only: approve a generated draft (the PDF is re-stamped "approved")."""
        return self._sign_off(request, services.report_approve)

    @extend_schema(request=None, responses=ReportSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """HoM only: release an approved report to HQ. It is final afterwards."""
        return self._sign_off(request, services.report_release)


class ReportCommentSerializer(StrictModelSerializer):
    report = ScopedPrimaryKeyRelatedField(queryset=Report.objects.all())
    parent = ScopedPrimaryKeyRelatedField(queryset=ReportComment.objects.all(), required=False, allow_null=True)

    class Meta:
        model = ReportComment
        fields = ["id", "report", "section", "parent", "author", "body", "created_at"]
        read_only_fields = ["author", "created_at"]


class ReportCommentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """HQ's comments on released reports and the mission's answers (`parent`), kept with the report.

    HQ readers comment (on the whole report or a `section` such as "overview" or "output-<id>") and answer;
    the HoM and the MLT answer. Comments are never changed or deleted.
    """

    queryset = ReportComment.objects.select_related("author")
    serializer_class = ReportCommentSerializer
    filterset_fields = ["report", "parent", "section"]
    search_fields = ["body"]
    ordering = ["created_at", "id"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report, parent = data["report"], data.get("parent")
        if not access.can_comment_report(request.user, report, answering=parent is not None):
            raise exceptions.PermissionDenied(_("Your role does not allow commenting on this report."))
        try:
            comment = services.report_comment_add(
                user=request.user, report=report, body=data["body"], section=data.get("section", ""), parent=parent
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


def register(router):
    """Register this app's viewsets on the API router."""
    router.register("reports", ReportViewSet, basename="report")
    router.register("report-comments", ReportCommentViewSet, basename="report-comment")
