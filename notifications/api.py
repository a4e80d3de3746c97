"""REST resources `notifications` (list, retrieve, mark read one or all) and `my-work` (the inbox as JSON).

Notifications are scoped by `mandate.access` like every other row (a person sees their own, in the missions
they belong to); `my-work` comes from the same selector as the home page.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from mandate import access
from mandate.api import ScopedViewSet, StrictModelSerializer
from missions.models import Mission
from notifications import messages, selectors, services
from notifications.models import Notification


class NotificationSerializer(StrictModelSerializer):
    text = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "mission", "kind", "text", "url", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_text(self, n) -> str:
        return messages.text(n)

    def get_unread(self, n) -> bool:
        return n.read_at is None


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications this call marked read.")


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Your notifications, newest first. `?unread=true` lists the unread ones only."""

    queryset = Notification.objects.order_by("-created_at", "-id")
    serializer_class = NotificationSerializer
    filterset_fields = ["mission", "kind"]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list" and self.request.query_params.get("unread") in {"1", "true"}:
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, OpenApiParameter.QUERY, description="Only unread ones")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark this notification read."""
        n = self.get_object()
        return Response({"marked": services.notifications_mark_read(user=request.user, ids=[n.pk])})

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark all your notifications read."""
        return Response({"marked": services.notifications_mark_read(user=request.user)})


class WorkItemSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField()
    detail = serializers.CharField()
    due = serializers.DateField(allow_null=True)
    late = serializers.BooleanField()
    gaps = serializers.ListField(child=serializers.CharField())


class WorkAreaSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    count = serializers.IntegerField()
    items = WorkItemSerializer(many=True)
    more_url = serializers.CharField()


class MyWorkView(APIView):
    """What awaits you in one mission (`?mission=<id>`, default: your first), area by area, as on the home page.
    Items are the first few of each area; `count` says how many there are."""

    @extend_schema(
        parameters=[OpenApiParameter("mission", int, OpenApiParameter.QUERY)],
        responses=inline_serializer(
            "MyWork", {"mission": serializers.IntegerField(allow_null=True), "areas": WorkAreaSerializer(many=True)}
        ),
    )
    def get(self, request):
        mine = access.memberships(request.user)
        raw = request.query_params.get("mission")
        if raw:
            if not raw.isdigit() or int(raw) not in mine:
                raise NotFound()
            mission_id = int(raw)
        else:
            mission_id = min(mine) if mine else None
        mission: Mission | None = mine[mission_id].mission if mission_id else None
        areas = selectors.my_work(user=request.user, mission=mission)
        return Response({"mission": mission_id, "areas": WorkAreaSerializer(areas, many=True).data})


def register(router):
    """Register this app's viewsets on the API router."""
    router.register("notifications", NotificationViewSet, basename="notification")
