from django.contrib import admin

from missions.admin import MandateAdmin
from reports.models import Report, ReportSchedule


@admin.register(Report)
class ReportAdmin(MandateAdmin):
    """Reports are generated, signed off and released in the application, which keeps the files, the
    checksum and the sign-off consistent; here everything but the period is read-only."""

    list_display = ["__str__", "mission", "kind", "state", "progress", "approval", "requested_by", "created_at"]
    list_filter = ["kind", "state", "approval", "scheduled", "mission"]
    search_fields = ["mission__acronym", "error", "sha256"]
    list_select_related = ["mission", "requested_by"]
    raw_id_fields = ["mission", "election_plan", "requested_by"]
    readonly_fields = [
        "state",
        "progress",
        "progress_message",
        "error",
        "attempts",
        "started_at",
        "finished_at",
        "data_as_of",
        "file",
        "xlsx_file",
        "sha256",
        "size_bytes",
        "page_count",
        "approval",
        "approved_by",
        "approved_at",
        "released_by",
        "released_at",
        "version",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A signed-off report is the mission's record of what it told UNHQ: it stays. Drafts may go.
        if obj is not None and obj.approval != Report.Approval.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # The bulk delete action asks no question per report; a draft is deleted from its own page.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(ReportSchedule)
class ReportScheduleAdmin(MandateAdmin):
    list_display = ["mission", "kind", "enabled", "last_period_end"]
    list_filter = ["kind", "enabled"]
    list_select_related = ["mission"]
    raw_id_fields = ["mission"]
