"""The admin of the mission itself: its page links to the mission's rows in every app."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from benchmarks.models import OperationalOutput
from elections.models import ElectionPlan
from missions.admin import ComponentInline, MandateAdmin, MembershipInline
from missions.models import Location, Mission
from partners.models import Engagement, Partner
from reports.models import Report


@admin.register(Mission)
class MissionAdmin(MandateAdmin):
    list_display = ["acronym", "name", "host_country", "start_date", "end_date", "default_language", "version"]
    search_fields = ["acronym", "name", "host_country"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ComponentInline, MembershipInline]

    child_links = (
        (_("locations"), Location, "mission"),
        (_("operational outputs"), OperationalOutput, "mission"),
        (_("election plans"), ElectionPlan, "mission"),
        (_("partners"), Partner, "mission"),
        (_("engagements"), Engagement, "mission"),
        (_("reports"), Report, "mission"),
    )

    def has_delete_permission(self, request, obj=None):
        # Deleting a mission would take its signed-off reports, assessments and history with it. A mission
        # that has ended is closed by its end date, and stays readable.
        return False
