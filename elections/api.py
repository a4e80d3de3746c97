"""REST resources of election support: election-plans, security-plans (+ submit / approve / return /
new-revision), polling-sites, threats, security-tasks, incidents.

Thin: querysets are scoped by `mandate.access` (through `ScopedViewSet`) and fetched in a constant
number of queries; creation asks `access.can_add`, updates `access.can` and the version the client
started from (If-Match or `version`: 428 without it, 412 when stale); every write goes through
`elections.services`, so the API applies the same rules and messages as the pages.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from elections import selectors, services
from elections.forms import COORDINATES_CHOICES
from elections.models import (
    CoordinatesIssue,
    ElectionPlan,
    ElectoralPhase,
    Incident,
    PollingSite,
    RiskLevel,
    SecurityPlan,
    SecurityTask,
    Threat,
)
from mandate.access import Action
from mandate.api import (
    ImportActionsMixin,
    ScopedPrimaryKeyRelatedField,
    ScopedViewSet,
    StrictModelSerializer,
    import_mode_field,
    import_table_field,
)
from missions.concurrency import version_from_request
from missions.search import search_filter

CRU = (mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin)


class PhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = ElectoralPhase
        fields = ["kind", "start", "end"]


class ElectionPlanSerializer(StrictModelSerializer):
    phases = PhaseSerializer(many=True, read_only=True)

    class Meta:
        model = ElectionPlan
        fields = [
            "id",
            "mission",
            "name",
            "election_type",
            "scope",
            "polling_start",
            "polling_end",
            "benchmarks",
            "notes",
            "phases",
            "version",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def validate(self, attrs):
        if self.instance is not None and "mission" in attrs and attrs["mission"] != self.instance.mission:
            raise serializers.ValidationError({"mission": [_("An election plan cannot move to another mission.")]})
        return attrs


class ElectionPlanViewSet(*CRU, ScopedViewSet):
    """Election plans of your missions, with their electoral-cycle phases (read-only here)."""

    serializer_class = ElectionPlanSerializer
    queryset = ElectionPlan.objects.all()
    filterset_fields = ["mission", "election_type", "scope"]
    ordering_fields = ["polling_start", "name"]
    search_fields = ["name"]

    def get_queryset(self):
        # Query 1: the plans; 2: their phases; 3: their benchmark ids.
        return self.scope(ElectionPlan.objects.prefetch_related("phases", "benchmarks").order_by("-polling_start"))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        benchmarks = data.pop("benchmarks", [])
        self.check_can_add(ElectionPlan, data["mission"])
        serializer.instance = services.election_plan_create(
            mission=data.pop("mission"), user=self.request.user, data=data, benchmarks=benchmarks
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("mission", None)
        benchmarks = data.pop("benchmarks", None)
        serializer.instance = services.election_plan_update(
            plan=serializer.instance,
            user=self.request.user,
            expected_version=self.if_match_version,
            data=data,
            benchmarks=benchmarks,
        )


class SecurityPlanSerializer(StrictModelSerializer):
    class Meta:
        model = SecurityPlan
        fields = [
            "id",
            "election_plan",
            "revision",
            "status",
            "previous",
            "summary",
            "submitted_at",
            "submitted_by",
            "decided_at",
            "decided_by",
            "decision_comment",
            "version",
            "updated_at",
        ]
        read_only_fields = [
            "revision",
            "status",
            "previous",
            "submitted_at",
            "submitted_by",
            "decided_at",
            "decided_by",
            "decision_comment",
            "updated_at",
        ]


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    version = serializers.IntegerField(required=False, min_value=1)


class SecurityPlanViewSet(*CRU, ScopedViewSet):
    """Security plan revisions. Confidential: electoral, military and police staff, the MLT and the HoM,
    or someone granted the plan. Workflow: POST submit / approve / return (with `comment`) / new-revision."""

    serializer_class = SecurityPlanSerializer
    queryset = SecurityPlan.objects.all()
    filterset_fields = ["election_plan", "status"]
    ordering_fields = ["revision", "updated_at"]
    search_fields = ["summary"]
    action_permissions = {"submit": Action.SUBMIT, "approve": Action.APPROVE, "return_plan": Action.APPROVE}

    def get_queryset(self):
        return self.scope(
            SecurityPlan.objects.select_related("election_plan").order_by("election_plan_id", "-revision")
        )

    def perform_create(self, serializer):
        election_plan = serializer.validated_data["election_plan"]
        self.check_can_add(SecurityPlan, election_plan)
        serializer.instance = services.security_plan_create(
            election_plan=election_plan, user=self.request.user, summary=serializer.validated_data.get("summary", "")
        )

    def perform_update(self, serializer):
        serializer.instance = services.security_plan_update(
            security_plan=serializer.instance,
            user=self.request.user,
            expected_version=self.if_match_version,
            summary=serializer.validated_data.get("summary", serializer.instance.summary),
        )

    def _decide(self, request, service, **extra):
        plan = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kwargs = {"security_plan": plan, "user": request.user, "expected_version": version_from_request(request)}
        if service is not services.security_plan_submit:
            kwargs["comment"] = body.validated_data.get("comment", "")
        service(**kwargs)
        return Response(self.get_serializer(plan).data)

    @action(detail=True, methods=["post"], serializer_class=DecisionSerializer)
    def submit(self, request, pk=None):
        """Draft or returned -> submitted, for the HoM's decision."""
        return self._decide(request, services.security_plan_submit)

    @action(detail=True, methods=["post"], serializer_class=DecisionSerializer)
    def approve(self, request, pk=None):
        """Submitted -> approved (HoM). The revision is frozen."""
        return self._decide(request, services.security_plan_approve)

    @action(detail=True, methods=["post"], url_path="return", url_name="return", serializer_class=DecisionSerializer)
    def return_plan(self, request, pk=None):
        """Submitted -> returned with the HoM's `comment` (required)."""
        return self._decide(request, services.security_plan_return)

    @action(detail=True, methods=["post"], url_path="new-revision", url_name="new-revision")
    def new_revision(self, request, pk=None):
        """A new draft revision copied from this approved one (same item uids)."""
        plan = self.get_object_for_view()
        self.check_can_add(SecurityPlan, plan.election_plan)
        new = services.security_plan_new_revision(security_plan=plan, user=request.user)
        return Response(SecurityPlanSerializer(new, context=self.get_serializer_context()).data, status=201)

    def get_serializer_class(self):
        if self.action in {"submit", "approve", "return_plan"}:
            return SecurityPlanSerializer
        return super().get_serializer_class()

    def get_object_for_view(self):
        # new-revision is a creation under the plan, decided by can_add rather than EDIT on a frozen plan.
        # DRF's get_object_or_404 answers 404 for an id that is not a number (`abc`), Django's raised a 500.
        return generics.get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class PlanItemViewSet(*CRU, ScopedViewSet):
    """Common create/update for the items of a security plan revision."""

    model = None
    create_service = None
    update_service = None
    update_arg = ""

    def _split(self, data: dict):
        return data, {}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        plan = data.pop("security_plan")
        data, extra = self._split(data)
        serializer.instance = type(self).create_service(security_plan=plan, user=self.request.user, data=data, **extra)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        plan = data.pop("security_plan", serializer.instance.security_plan)
        if plan != serializer.instance.security_plan:
            raise serializers.ValidationError({"security_plan": [_("An item cannot move to another revision.")]})
        data, extra = self._split(data)
        serializer.instance = type(self).update_service(
            **{self.update_arg: serializer.instance},
            user=self.request.user,
            expected_version=self.if_match_version,
            data=data,
            **extra,
        )


class PollingSiteFilter(django_filters.FilterSet):
    risk = django_filters.ChoiceFilter(
        choices=[*RiskLevel.choices, (selectors.HIGH_OR_CRITICAL, _("High or critical"))], method="filter_risk"
    )
    has_tasks = django_filters.BooleanFilter(method="filter_has_tasks")
    q = django_filters.CharFilter(method="filter_q", label=_("Code or name contains"))
    coordinates = django_filters.ChoiceFilter(
        choices=COORDINATES_CHOICES[1:],
        method="filter_coordinates",
        label=_("Coordinates: “suspect” for those that look wrong, or one reason"),
    )

    class Meta:
        model = PollingSite
        fields = ["security_plan", "district", "risk", "has_tasks", "q", "code", "coordinates"]

    def filter_coordinates(self, queryset, name, value):
        return selectors.filter_coordinates(queryset, value)

    def filter_risk(self, queryset, name, value):
        if value == selectors.HIGH_OR_CRITICAL:
            return queryset.filter(risk__in=selectors.HIGH_RISK)
        return queryset.filter(risk=value)

    def filter_has_tasks(self, queryset, name, value):
        return queryset.filter(selectors.has_task()) if value else queryset.filter(~selectors.has_task())

    def filter_q(self, queryset, name, value):
        return search_filter(queryset, value, selectors.SITE_SEARCH_FIELDS)


class PollingSiteSerializer(StrictModelSerializer):
    risk_level = serializers.CharField(read_only=True, source="risk", help_text=_("Override, else the suggestion."))
    task_count = serializers.IntegerField(read_only=True)
    # Read-only model fields lose `allow_blank`, so the schema would not admit "" (coordinates that look right).
    coordinates_issue = serializers.ChoiceField(
        choices=CoordinatesIssue.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("Why the coordinates look wrong; empty when they look right."),
    )

    class Meta:
        model = PollingSite
        fields = [
            "id",
            "uid",
            "security_plan",
            "code",
            "name",
            "district",
            "locality",
            "latitude",
            "longitude",
            "registered_voters",
            "coordinates_issue",
            "coordinates_note",
            "suggested_risk",
            "risk_override",
            "risk_reason",
            "risk_level",
            "task_count",
            "version",
        ]
        read_only_fields = ["uid", "suggested_risk", "coordinates_issue", "coordinates_note"]


class PollingSiteImportSerializer(serializers.Serializer):
    security_plan = ScopedPrimaryKeyRelatedField(
        queryset=SecurityPlan.objects.all(), help_text=_("The security plan revision the sites go into.")
    )
    file = import_table_field()
    mode = import_mode_field(
        help_text=_("“update”: sites whose code exists are updated; “create”: such rows are refused.")
    )


@extend_schema_view(import_file=extend_schema(request={"multipart/form-data": PollingSiteImportSerializer}))
class PollingSiteViewSet(ImportActionsMixin, PlanItemViewSet):
    """Polling sites of the security plans you may see.

    `import/` loads a national list in the background on the import pipeline (multipart: `security_plan`,
    `file`, `mode`): 202 with the job and its `status_url` (`import/{job_id}/`). The columns are matched as
    the import page guesses them; a file with any error imports nothing and its status lists the problems,
    grouped."""

    serializer_class = PollingSiteSerializer
    queryset = PollingSite.objects.all()
    filterset_class = PollingSiteFilter
    ordering_fields = ["code", "name", "registered_voters"]
    search_fields = [*selectors.SITE_SEARCH_FIELDS, "locality"]
    create_service = staticmethod(services.polling_site_create)
    update_service = staticmethod(services.polling_site_update)
    update_arg = "site"
    import_serializer_class = PollingSiteImportSerializer

    def get_queryset(self):
        # Page: one query for the count, one for the rows (district joined, risk and task count annotated).
        return self.scope(
            PollingSite.objects.select_related("district")
            .annotate(risk=selectors.effective_risk(), task_count=selectors.task_count())
            .order_by("security_plan_id", "district__name", "code")
        )

    def perform_create(self, serializer):
        self.check_can_add(PollingSite, serializer.validated_data["security_plan"])
        super().perform_create(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def import_job(self, data):
        from elections.services.site_import import SiteImporter

        plan = data["security_plan"]
        self.check_can_add(PollingSite, plan)
        return {
            "mission": plan.election_plan.mission,
            "kind": SiteImporter.kind,
            "upload": data["file"],
            "target_id": plan.pk,
            "mode": data["mode"],
        }


class ThreatSerializer(StrictModelSerializer):
    class Meta:
        model = Threat
        fields = [
            "id",
            "uid",
            "security_plan",
            "actor",
            "threat_type",
            "district",
            "sites",
            "likelihood",
            "impact",
            "description",
            "mitigation",
            "version",
        ]
        read_only_fields = ["uid"]


class ThreatViewSet(PlanItemViewSet):
    serializer_class = ThreatSerializer
    queryset = Threat.objects.all()
    filterset_fields = ["security_plan", "district", "threat_type"]
    ordering_fields = ["likelihood", "impact"]
    search_fields = ["actor", "description"]
    create_service = staticmethod(services.threat_create)
    update_service = staticmethod(services.threat_update)
    update_arg = "threat"

    def get_queryset(self):
        # Query 1: the threats; 2: the ids of their sites.
        return self.scope(
            Threat.objects.prefetch_related("sites").order_by("security_plan_id", "-likelihood", "-impact")
        )

    def _split(self, data):
        sites = data.pop("sites", None)
        return data, {"sites": sites}

    def perform_create(self, serializer):
        self.check_can_add(Threat, serializer.validated_data["security_plan"])
        super().perform_create(serializer)


class SecurityTaskSerializer(StrictModelSerializer):
    class Meta:
        model = SecurityTask
        fields = [
            "id",
            "uid",
            "security_plan",
            "task_type",
            "provider",
            "component",
            "site",
            "district",
            "phase",
            "start",
            "end",
            "description",
            "version",
        ]
        read_only_fields = ["uid"]


class SecurityTaskViewSet(PlanItemViewSet):
    """Security tasks; military and police staff create and edit those of their own component."""

    serializer_class = SecurityTaskSerializer
    queryset = SecurityTask.objects.all()
    filterset_fields = ["security_plan", "phase", "task_type", "provider", "component", "site", "district"]
    ordering_fields = ["start", "end"]
    search_fields = ["description"]
    create_service = staticmethod(services.security_task_create)
    update_service = staticmethod(services.security_task_update)
    update_arg = "task"

    def get_queryset(self):
        return self.scope(SecurityTask.objects.order_by("security_plan_id", "start", "pk"))

    def perform_create(self, serializer):
        data = serializer.validated_data
        self.check_can_add(SecurityTask, data["security_plan"], component=data.get("component"))
        super().perform_create(serializer)


class IncidentSerializer(StrictModelSerializer):
    class Meta:
        model = Incident
        fields = ["id", "election_plan", *services.INCIDENT_FIELDS, "reported_by", "version"]
        read_only_fields = ["reported_by"]


class IncidentFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = Incident
        fields = ["election_plan", "district", "status", "severity", "incident_type", "site_code", "since"]


class IncidentViewSet(*CRU, ScopedViewSet):
    """Incidents of an election (whatever the security plan revision). Not in the future."""

    serializer_class = IncidentSerializer
    queryset = Incident.objects.all()
    filterset_class = IncidentFilter
    ordering_fields = ["occurred_at", "severity"]
    search_fields = ["site_code", "place", "description"]

    def get_queryset(self):
        return self.scope(Incident.objects.order_by("-occurred_at", "-pk"))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        election_plan = data.pop("election_plan")
        self.check_can_add(Incident, election_plan)
        serializer.instance = services.incident_create(election_plan=election_plan, user=self.request.user, data=data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        plan = data.pop("election_plan", serializer.instance.election_plan)
        if plan != serializer.instance.election_plan:
            raise serializers.ValidationError({"election_plan": [_("An incident cannot move to another election.")]})
        serializer.instance = services.incident_update(
            incident=serializer.instance, user=self.request.user, expected_version=self.if_match_version, data=data
        )


def register(router):
    """Register this app's viewsets on the API router."""
    router.register("election-plans", ElectionPlanViewSet, basename="election-plan")
    router.register("security-plans", SecurityPlanViewSet, basename="security-plan")
    router.register("polling-sites", PollingSiteViewSet, basename="polling-site")
    router.register("threats", ThreatViewSet, basename="threat")
    router.register("security-tasks", SecurityTaskViewSet, basename="security-task")
    router.register("incidents", IncidentViewSet, basename="incident")
