"""REST resources of the partners app: `partners`, `engagements`, `follow-ups`.

Thin: querysets are scoped by `mandate.access` (ScopedViewSet), writes go through `partners.services`
(the same due diligence, mission and permission rules as the pages), updates carry the version
(If-Match or `version`). A partner focal point's token reads only its own organisation, the
engagements shared with it (without the mission's internal fields) and the follow-ups assigned to it,
which it may complete.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from benchmarks.models import Benchmark, OperationalOutput
from mandate import access
from mandate.api import (
    ImportActionsMixin,
    ScopedPrimaryKeyRelatedField,
    ScopedViewSet,
    StrictModelSerializer,
    import_mode_field,
    import_table_field,
)
from missions.area_filter import within_q
from missions.models import Component, Location, Mission
from missions.search import search_filter
from partners import selectors, services
from partners.models import Engagement, FollowUp, Partner, follow_up_overdue_q

User = get_user_model()


@extend_schema_field(OpenApiTypes.INT)
class OfficerField(serializers.PrimaryKeyRelatedField):
    """A user id among the officers of the requester's missions (`access.officer_choices`): the id of a user of
    another mission answers exactly like an id that does not exist, and no message names a user."""

    def get_queryset(self):
        request = self.context.get("request")
        return access.officer_choices(request.user) if request is not None else User.objects.none()


def _internal_reader(serializer, mission_id) -> bool:
    """Whether the requester reads internal fields in this mission; decided once per response, not per row."""
    cache = serializer.context.setdefault("_internal_reader", {})
    if mission_id not in cache:
        request = serializer.context.get("request")
        cache[mission_id] = request is not None and access.can_see_internal_engagement_fields(request.user, mission_id)
    return cache[mission_id]


# --- partners -----------------------------------------------------------------------------------

# Among PARTNER_FIELDS: the mission's own human-rights assessment of the partner, never shown to it.
SCREENING_FIELDS = [name for name in services.PARTNER_FIELDS if name.startswith("screening_")]


# A row of one mission (a partner, an engagement): its mission is set once, at creation, and its
# `internal_fields` are left out for readers who may not see them (`_internal_reader`). A comment, not a
# docstring: drf-spectacular would show a docstring as each subclass's description in the API schema.
class MissionRowSerializer(StrictModelSerializer):
    internal_fields: list[str] = []

    def get_fields(self):
        fields = super().get_fields()
        if isinstance(self.instance, self.Meta.model):
            fields["mission"].read_only = True  # a row never moves to another mission
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not _internal_reader(self, instance.mission_id):
            for name in self.internal_fields:
                data.pop(name, None)
        return data


class PartnerSerializer(MissionRowSerializer):
    # Screening is the mission's own human-rights assessment of the partner: never shown to it.
    internal_fields = SCREENING_FIELDS

    class Meta:
        model = Partner
        fields = ["id", "mission", *services.PARTNER_FIELDS, "version", "updated_at"]
        read_only_fields = ["updated_at"]


class PartnerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name or acronym contains (accents and case aside)"))

    class Meta:
        model = Partner
        fields = ["mission", "partner_type", "district", "relationship", "screening_status"]

    def filter_q(self, queryset, name, value):
        return search_filter(queryset, value, selectors.SEARCH_FIELDS)


class PartnerImportSerializer(serializers.Serializer):
    mission = ScopedPrimaryKeyRelatedField(queryset=Mission.objects.all(), help_text=_("The mission of the partners."))
    file = import_table_field()
    mode = import_mode_field(
        help_text=_("“update”: partners already registered under the same name are updated; “create”: refused.")
    )


@extend_schema_view(import_file=extend_schema(request={"multipart/form-data": PartnerImportSerializer}))
class PartnerViewSet(
    ImportActionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Partners of your missions. Civil affairs, human rights and leadership register and edit them.

    `import/` loads a registry in the background on the import pipeline (multipart: `mission`, `file`,
    `mode`): 202 with the job and its `status_url` (`import/{job_id}/`); a file with any error imports
    nothing and its status lists the problems, grouped."""

    queryset = Partner.objects.select_related("district").order_by("mission_id", "name")
    serializer_class = PartnerSerializer
    filterset_class = PartnerFilter
    ordering_fields = ["name", "partner_type", "screening_review_due"]
    search_fields = selectors.SEARCH_FIELDS
    import_serializer_class = PartnerImportSerializer

    def hidden_fields(self):
        # A partner focal point never sees its screening, so it cannot order by it either (400).
        return set() if access.can_see_partner_screening_everywhere(self.request.user) else set(SCREENING_FIELDS)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        mission = data.pop("mission")
        serializer.instance = services.partner_create(user=self.request.user, mission=mission, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("mission", None)
        serializer.instance = services.partner_update(
            user=self.request.user, partner=serializer.instance, expected_version=self.if_match_version, **data
        )

    def import_job(self, data):
        from partners.importers import PartnerImporter

        self.check_can_add(Partner, data["mission"])
        return {"mission": data["mission"], "kind": PartnerImporter.kind, "upload": data["file"], "mode": data["mode"]}


# --- engagements --------------------------------------------------------------------------------


class FollowUpInputSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=2000)
    due_date = serializers.DateField()
    owner = OfficerField(required=False, allow_null=True)
    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all(), required=False, allow_null=True)


class FollowUpSerializer(StrictModelSerializer):
    owner = OfficerField(required=False, allow_null=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "engagement",
            "action",
            "owner",
            "partner",
            "due_date",
            "status",
            "completed_at",
            "completed_by",
            "completion_comment",
            "version",
        ]
        read_only_fields = ["status", "completed_at", "completed_by", "completion_comment"]


ENGAGEMENT_INTERNAL_FIELDS = ["partners", "component", "officers", "outputs", "benchmarks", "shareable", "follow_ups",
                              "created_by"]  # fmt: skip


class EngagementSerializer(MissionRowSerializer):
    internal_fields = ENGAGEMENT_INTERNAL_FIELDS
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    new_follow_ups = FollowUpInputSerializer(
        many=True, required=False, write_only=True, help_text=_("Follow-up actions to add with this change.")
    )
    officers = OfficerField(many=True, required=False)

    class Meta:
        model = Engagement
        fields = [
            "id",
            "mission",
            *services.ENGAGEMENT_FIELDS,
            "follow_ups",
            "new_follow_ups",
            "created_by",
            "version",
            "updated_at",
        ]
        read_only_fields = ["created_by", "updated_at"]
        # Left out for partner readers (to_representation): the schema must not promise them (config.schema).
        optional_in_response = ENGAGEMENT_INTERNAL_FIELDS


class EngagementFilter(django_filters.FilterSet):
    # The filters on internal fields say in the schema that partner focal points may not use them.
    partner = django_filters.NumberFilter(
        method="filter_partner", label=_("Partner id (not for partner focal points: 400).")
    )
    output = django_filters.NumberFilter(
        method="filter_output", label=_("Linked output id (not for partner focal points: 400).")
    )
    component = django_filters.ModelChoiceFilter(
        queryset=Component.objects.all(), label=_("Component id (not for partner focal points: 400).")
    )
    shareable = django_filters.BooleanFilter(label=_("Shared with its partners (not for partner focal points: 400)."))
    district = django_filters.ModelChoiceFilter(
        queryset=Location.objects.all(),
        method="filter_district",
        label=_("Region or district id: a region includes the engagements of its districts."),
    )
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    q = django_filters.CharFilter(method="filter_q", label=_("Text search in summary, outcomes and topics"))

    class Meta:
        model = Engagement
        fields = ["mission", "engagement_type", "component", "district", "shareable"]

    # Filters on fields partner readers do not see (EngagementViewSet.hidden_fields refuses them).
    INTERNAL = {"partner", "output", "component", "shareable"}

    def filter_district(self, qs, name, value):
        return qs.filter(within_q("district", value.pk))

    # Subqueries, not joins, as in partners.selectors.engagement_log: no repeated rows, no DISTINCT.
    def filter_partner(self, qs, name, value):
        return qs.filter(pk__in=Engagement.partners.through.objects.filter(partner_id=value).values("engagement_id"))

    def filter_output(self, qs, name, value):
        through = Engagement.outputs.through.objects.filter(operationaloutput_id=value)
        return qs.filter(pk__in=through.values("engagement_id"))

    def filter_q(self, qs, name, value):
        return search_engagements_for(self.request.user, qs, value)


def search_engagements_for(user, qs, q):
    """The log's text search (`?q=` and `?search=`). Matching by partner name or acronym only for readers
    of the engagements' partners: a partner focal point must not learn, by searching another partner's
    name, that it took part in an engagement shared with both."""
    by_partner = access.can_see_internal_engagement_fields_everywhere(user)
    return selectors.search_engagements(qs, q, by_partner=by_partner)


def _follow_up_inputs(rows) -> list[services.FollowUpInput]:
    return [services.FollowUpInput(**row) for row in rows or []]


class EngagementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """The engagement log. Any staff member logs for their component; a partner reads what was shared with it.

    A partner focal point reads no internal field (partners, component, officers, outputs, benchmarks,
    shareable, follow-ups, author): filtering or ordering by one of them is refused (400).
    """

    serializer_class = EngagementSerializer
    filterset_class = EngagementFilter
    ordering_fields = ["date", "id"]
    search_described = ["summary", "outcomes", "topics", "partner names and acronyms"]

    def search_queryset(self, queryset, q):
        return search_engagements_for(self.request.user, queryset, q)

    def hidden_fields(self):
        if access.can_see_internal_engagement_fields_everywhere(self.request.user):
            return set()
        return set(ENGAGEMENT_INTERNAL_FIELDS) | EngagementFilter.INTERNAL

    # Pages of the list: count, page, then one query per prefetched relation (constant).
    queryset = (
        Engagement.objects.select_related("mission")
        .prefetch_related(
            # The links are shown as ids: load only the ids, not whole partner, user, output and benchmark rows.
            Prefetch("partners", queryset=Partner.objects.only("id")),
            Prefetch("officers", queryset=User.objects.only("id")),
            Prefetch("outputs", queryset=OperationalOutput.objects.only("id")),
            Prefetch("benchmarks", queryset=Benchmark.objects.only("id")),
            Prefetch("follow_ups", queryset=FollowUp.objects.order_by("due_date", "id")),
        )
        .order_by("-date", "-id")
    )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        follow_ups = _follow_up_inputs(data.pop("new_follow_ups", None))
        mission = data.pop("mission")
        serializer.instance = services.engagement_create(
            user=self.request.user, mission=mission, follow_ups=follow_ups, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("mission", None)
        follow_ups = _follow_up_inputs(data.pop("new_follow_ups", None))
        serializer.instance = services.engagement_update(
            user=self.request.user,
            engagement=serializer.instance,
            expected_version=self.if_match_version,
            follow_ups=follow_ups,
            **data,
        )


# --- follow-ups ---------------------------------------------------------------------------------


class FollowUpCompleteSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(min_value=1, required=False)


class FollowUpFilter(django_filters.FilterSet):
    mission = django_filters.ModelChoiceFilter(field_name="mission", queryset=Mission.objects.all())
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Open and past its due date"))

    class Meta:
        model = FollowUp
        fields = ["engagement", "status", "owner", "partner"]

    def filter_overdue(self, qs, name, value):
        from django.utils import timezone

        overdue = follow_up_overdue_q(timezone.localdate())
        return qs.filter(overdue) if value else qs.exclude(overdue)


class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Follow-up actions. `complete` marks one done (its owner, its component, or the partner it is assigned to)."""

    queryset = FollowUp.objects.select_related("engagement").order_by("due_date", "id")
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    ordering_fields = ["due_date", "id"]
    search_fields = ["action"]
    action_permissions = {"complete": access.Action.COMPLETE}

    def get_serializer_class(self):
        return FollowUpCompleteSerializer if self.action == "complete" else FollowUpSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.follow_up_create(user=self.request.user, **data)

    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        follow_up = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        done = services.follow_up_complete(
            user=request.user,
            follow_up=follow_up,
            comment=serializer.validated_data["comment"],
            expected_version=serializer.validated_data.get("version"),
        )
        return Response(FollowUpSerializer(done, context=self.get_serializer_context()).data, status=status.HTTP_200_OK)


def register(router):
    """Register this app's viewsets on the API router."""
    router.register("partners", PartnerViewSet, basename="partner")
    router.register("engagements", EngagementViewSet, basename="engagement")
    router.register("follow-ups", FollowUpViewSet, basename="follow-up")
