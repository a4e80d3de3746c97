from collections import defaultdict

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from missions.admin import MandateAdmin, SummaryKeepingAdmin
from partners import summaries
from partners.models import Contact, Engagement, FollowUp, Partner


class EngagementSummaryAdmin(SummaryKeepingAdmin):
    """Changes that reach the partner overview's summary: the places (mission, date, area) of the
    engagements concerned (`engagements_of`) are refreshed (`partners.summaries.places_refresh`)."""

    def engagements_of(self, pks) -> QuerySet[Engagement]:
        """The engagements whose sums these rows take part in."""
        raise NotImplementedError

    def touched(self, pks) -> set:
        return set(self.engagements_of(pks).values_list("mission_id", "date", "district_id").distinct())

    def refresh(self, touched: set) -> None:
        by_mission = defaultdict(set)
        for mission_id, day, district_id in touched:
            by_mission[mission_id].add((day, district_id))
        for mission_id, places in by_mission.items():
            summaries.places_refresh(mission_id, places)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "position", "phone", "email", "is_focal_point"]


@admin.register(Partner)
class PartnerAdmin(EngagementSummaryAdmin):
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

    def engagements_of(self, pks):
        return Engagement.objects.filter(partners__in=pks)

    def counts_changed(self, form):
        # The overview counts engagements per partner type; without a form, what changed is unknown.
        return form is None or "partner_type" in form.changed_data


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
class EngagementAdmin(EngagementSummaryAdmin):
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

    def engagements_of(self, pks):
        return Engagement.objects.filter(pk__in=pks)

    @admin.display(description=_("summary"))
    def short_summary(self, obj):
        return obj.summary[:100]


@admin.register(FollowUp)
class FollowUpAdmin(EngagementSummaryAdmin):
    list_display = ["short_action", "engagement", "owner", "partner", "due_date", "status", "completed_at"]
    list_filter = ["status", "mission"]
    search_fields = ["action", "partner__name", "owner__username"]
    list_select_related = ["engagement", "owner", "partner"]
    raw_id_fields = ["engagement", "owner", "partner", "completed_by"]
    readonly_fields = ["version", "created_at", "updated_at"]
    date_hierarchy = "due_date"

    def engagements_of(self, pks):
        return Engagement.objects.filter(follow_ups__in=pks)

    @admin.display(description=_("action"), ordering="action")
    def short_action(self, obj):
        return str(obj)
