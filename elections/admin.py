from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from elections.models import (
    ElectionPlan,
    ElectoralPhase,
    Incident,
    Milestone,
    PollingSite,
    SecurityPlan,
    SecurityTask,
    Threat,
    TransportLeg,
)
from missions.admin import CachedChoicesInline, MandateAdmin


class ElectoralPhaseInline(CachedChoicesInline, admin.TabularInline):
    model = ElectoralPhase
    extra = 0
    fields = ["kind", "start", "end"]


class MilestoneInline(CachedChoicesInline, admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["phase", "title", "due_date", "status", "benchmark"]
    raw_id_fields = ["benchmark"]


class SecurityPlanInline(admin.TabularInline):
    model = SecurityPlan
    fk_name = "election_plan"
    extra = 0
    fields = ["revision", "status", "submitted_at", "decided_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ElectionPlan)
class ElectionPlanAdmin(MandateAdmin):
    list_display = ["name", "mission", "election_type", "scope", "polling_start", "polling_end"]
    list_filter = ["election_type", "scope", "mission"]
    search_fields = ["name", "notes"]
    list_select_related = ["mission"]
    raw_id_fields = ["mission", "benchmarks"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ElectoralPhaseInline, MilestoneInline, SecurityPlanInline]
    child_links = ((_("incidents"), Incident, "election_plan"),)


@admin.register(ElectoralPhase)
class ElectoralPhaseAdmin(MandateAdmin):
    list_display = ["plan", "kind", "start", "end"]
    list_filter = ["kind", "plan__mission"]
    list_select_related = ["plan"]
    raw_id_fields = ["plan"]


@admin.register(Milestone)
class MilestoneAdmin(MandateAdmin):
    list_display = ["title", "plan", "phase", "due_date", "status", "benchmark"]
    list_filter = ["status", "phase", "plan__mission"]
    search_fields = ["title"]
    list_select_related = ["plan", "benchmark"]
    raw_id_fields = ["plan", "benchmark"]
    date_hierarchy = "due_date"


class PollingSiteInline(CachedChoicesInline, admin.TabularInline):
    model = PollingSite
    extra = 0
    fields = ["code", "name", "district", "registered_voters", "suggested_risk", "risk_override", "risk_reason"]
    # The district is changed on the site's own page: an editable district widget per row costs a query per row.
    readonly_fields = ["district", "suggested_risk"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("district")


class ThreatInline(CachedChoicesInline, admin.TabularInline):
    model = Threat
    extra = 0
    fields = ["actor", "threat_type", "district", "likelihood", "impact"]
    readonly_fields = ["district"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("district")


class TransportLegInline(admin.TabularInline):
    model = TransportLeg
    extra = 0
    fields = ["materials", "origin", "destination", "departs_at", "arrives_at", "escort"]
    # The escort is chosen on the leg's own page: a task widget per row would cost a query per row.
    readonly_fields = ["escort"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("escort")


@admin.register(SecurityPlan)
class SecurityPlanAdmin(MandateAdmin):
    """Submission, approval and return happen in the application (they are workflow steps with rules);
    the status is read-only here."""

    list_display = ["election_plan", "revision", "status", "submitted_at", "submitted_by", "decided_at", "decided_by"]
    list_filter = ["status", "election_plan__mission"]
    search_fields = ["election_plan__name", "summary"]
    list_select_related = ["election_plan", "submitted_by", "decided_by"]
    raw_id_fields = ["election_plan", "previous"]
    readonly_fields = [
        "status",
        "submitted_at",
        "submitted_by",
        "decided_at",
        "decided_by",
        "decision_comment",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [PollingSiteInline, ThreatInline, TransportLegInline]
    child_links = (
        (_("polling sites"), PollingSite, "security_plan"),
        (_("threats"), Threat, "security_plan"),
        (_("security tasks"), SecurityTask, "security_plan"),
        (_("transport legs"), TransportLeg, "security_plan"),
    )


@admin.register(PollingSite)
class PollingSiteAdmin(MandateAdmin):
    list_display = ["code", "name", "district", "registered_voters", "suggested_risk", "risk_override", "security_plan"]
    list_filter = ["suggested_risk", "risk_override", "security_plan__status", "security_plan__election_plan__mission"]
    search_fields = ["code", "name", "locality"]
    list_select_related = ["district", "security_plan__election_plan"]
    raw_id_fields = ["security_plan", "district"]
    readonly_fields = ["uid", "suggested_risk", "version", "created_at", "updated_at"]


@admin.register(Threat)
class ThreatAdmin(MandateAdmin):
    list_display = ["actor", "threat_type", "district", "likelihood", "impact", "security_plan"]
    list_filter = ["threat_type", "likelihood", "impact", "security_plan__election_plan__mission"]
    search_fields = ["actor", "description"]
    list_select_related = ["district", "security_plan__election_plan"]
    raw_id_fields = ["security_plan", "district", "sites"]
    readonly_fields = ["uid", "version"]


@admin.register(SecurityTask)
class SecurityTaskAdmin(MandateAdmin):
    list_display = ["task_type", "provider", "component", "site", "district", "phase", "start", "end"]
    list_filter = ["task_type", "provider", "phase", "security_plan__election_plan__mission"]
    search_fields = ["description", "site__code", "site__name"]
    list_select_related = ["component", "site", "district"]
    raw_id_fields = ["security_plan", "component", "site", "district"]
    readonly_fields = ["uid", "version"]
    date_hierarchy = "start"


@admin.register(TransportLeg)
class TransportLegAdmin(MandateAdmin):
    list_display = ["materials", "origin", "destination", "departs_at", "arrives_at", "escort"]
    list_filter = ["security_plan__election_plan__mission"]
    search_fields = ["materials", "origin", "destination"]
    list_select_related = ["escort"]
    raw_id_fields = ["security_plan", "escort"]
    readonly_fields = ["uid", "version"]


@admin.register(Incident)
class IncidentAdmin(MandateAdmin):
    list_display = ["occurred_at", "incident_type", "severity", "casualties", "district", "site_code", "status"]
    list_filter = ["status", "incident_type", "severity", "election_plan__mission"]
    search_fields = ["description", "site_code", "place"]
    list_select_related = ["district"]
    raw_id_fields = ["election_plan", "district", "reported_by"]
    date_hierarchy = "occurred_at"
