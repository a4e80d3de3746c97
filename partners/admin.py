from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from missions.admin import MandateAdmin
from partners.models import Contact, Engagement, FollowUp, Partner


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "position", "phone", "email", "is_focal_point"]


@admin.register(Partner)
class PartnerAdmin(MandateAdmin):
    list_display = [
        "name",
        "acronym",
        "partner_type",
        "district",
        "relationship",
        "screening_status",
        "screening_review_due",
        "mission",
    ]
    list_filter = ["partner_type", "screening_status", "relationship", "mission"]
    search_fields = ["name", "acronym", "description"]
    list_select_related = ["district", "mission"]
    raw_id_fields = ["mission", "district"]
    readonly_fields = ["version", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["mission", "name", "acronym", "partner_type", "district", "relationship", "description"]}),
        (
            _("Human rights due diligence"),
            {"fields": ["screening_status", "screening_date", "screening_review_due", "screening_notes"]},
        ),
        (None, {"fields": ["version", "created_at", "updated_at"]}),
    ]
    inlines = [ContactInline]
    child_links = ((_("follow-ups assigned"), FollowUp, "partner"),)


@admin.register(Contact)
class ContactAdmin(MandateAdmin):
    list_display = ["name", "position", "partner", "phone", "email", "is_focal_point"]
    list_filter = ["is_focal_point", "partner__mission"]
    search_fields = ["name", "email", "partner__name"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0
    fields = ["action", "owner", "partner", "due_date", "status", "completed_at", "completed_by"]
    raw_id_fields = ["owner", "partner", "completed_by"]


@admin.register(Engagement)
class EngagementAdmin(MandateAdmin):
    list_display = [
        "date",
        "engagement_type",
        "component",
        "district",
        "short_summary",
        "participants_women",
        "participants_men",
        "participants_youth",
        "shareable",
    ]
    list_filter = ["engagement_type", "shareable", "component__kind", "mission"]
    search_fields = ["summary", "outcomes", "topics", "place"]
    list_select_related = ["component", "district"]
    raw_id_fields = ["mission", "component", "district", "partners", "officers", "outputs", "benchmarks", "created_by"]
    readonly_fields = ["version", "created_at", "updated_at"]
    date_hierarchy = "date"
    inlines = [FollowUpInline]

    @admin.display(description=_("summary"))
    def short_summary(self, obj):
        return obj.summary[:100]


@admin.register(FollowUp)
class FollowUpAdmin(MandateAdmin):
    list_display = ["short_action", "engagement", "owner", "partner", "due_date", "status", "completed_at"]
    list_filter = ["status", "engagement__mission"]
    search_fields = ["action", "partner__name", "owner__username"]
    list_select_related = ["engagement", "owner", "partner"]
    raw_id_fields = ["engagement", "owner", "partner", "completed_by"]
    readonly_fields = ["version", "created_at", "updated_at"]
    date_hierarchy = "due_date"

    @admin.display(description=_("action"), ordering="action")
    def short_action(self, obj):
        return str(obj)
