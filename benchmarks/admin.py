from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from benchmarks import summaries
from benchmarks.models import (
    Activity,
    Assessment,
    Benchmark,
    Indicator,
    IndicatorValue,
    LibraryBenchmark,
    LibraryOutput,
    OperationalOutput,
    Risk,
)
from missions.admin import CachedChoicesInline, MandateAdmin, NormalisedSearchAdmin, ReadOnlyAdmin, SummaryKeepingAdmin


class NoDeleteMixin:
    """Plan items that carry append-only assessments are retired, never deleted: deleting one would
    erase its assessment log with it."""

    def has_delete_permission(self, request, obj=None):
        return False


class TrendKeepingAdmin(SummaryKeepingAdmin):
    """Outputs and benchmarks edited here change what the dashboard's summaries group by (output, term,
    lead component, retirement): the outputs concerned, before and after, are recounted and their missions
    rolled up again (`benchmarks.summaries.trend_refresh`), as the plan services do."""

    def refresh(self, touched: set) -> None:
        summaries.trend_refresh(output_ids=touched)


# --- the framework library ---------------------------------------------------------------------


class LibraryBenchmarkInline(admin.TabularInline):
    model = LibraryBenchmark
    extra = 0
    fields = ["term", "order", "statement"]


@admin.register(LibraryOutput)
class LibraryOutputAdmin(NormalisedSearchAdmin, admin.ModelAdmin):
    """Loaded from benchmarks/framework/handbook.json by `load_framework`; edit the file, not these rows."""

    list_display = ["order", "title", "key", "lead_component_kind", "framework_version"]
    list_display_links = ["title"]
    search_fields = ["title", "key"]
    readonly_fields = ["source"]
    inlines = [LibraryBenchmarkInline]


@admin.register(LibraryBenchmark)
class LibraryBenchmarkAdmin(NormalisedSearchAdmin, admin.ModelAdmin):
    list_display = ["statement", "output", "term", "order"]
    list_filter = ["term", "output"]
    search_fields = ["statement"]
    list_select_related = ["output"]


# --- a mission's plan --------------------------------------------------------------------------------


class ActivityInline(CachedChoicesInline, admin.TabularInline):
    model = Activity
    extra = 0
    fields = ["order", "title", "lead_component", "retired_at"]


class BenchmarkInline(CachedChoicesInline, admin.TabularInline):
    model = Benchmark
    extra = 0
    fields = ["term", "order", "statement", "lead_component", "target_date", "retired_at"]
    show_change_link = True
    can_delete = False


class RiskInline(CachedChoicesInline, admin.TabularInline):
    model = Risk
    extra = 0
    fields = ["kind", "title", "likelihood", "impact", "owner", "review_date"]
    show_change_link = True


@admin.register(OperationalOutput)
class OperationalOutputAdmin(NoDeleteMixin, TrendKeepingAdmin):
    list_display = ["title", "mission", "lead_component", "library_output", "order", "retired_at"]
    list_filter = ["mission", "lead_component__kind", ("retired_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "description"]
    list_select_related = ["mission", "lead_component", "library_output"]
    raw_id_fields = ["mission", "lead_component"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ActivityInline, BenchmarkInline, RiskInline]
    child_links = (
        (_("benchmarks"), Benchmark, "output"),
        (_("indicators"), Indicator, "output"),
        (_("risks"), Risk, "output"),
    )

    def touched(self, pks) -> set:
        return set(pks)


@admin.register(Activity)
class ActivityAdmin(MandateAdmin):
    list_display = ["title", "output", "lead_component", "retired_at"]
    list_filter = ["output__mission", "lead_component__kind"]
    search_fields = ["title"]
    list_select_related = ["output", "lead_component"]
    raw_id_fields = ["output", "lead_component"]


class AssessmentInline(admin.TabularInline):
    """The benchmark's assessment log, read-only: assessments are append-only."""

    model = Assessment
    fk_name = "benchmark"
    extra = 0
    fields = ["assessed_on", "status", "progress", "evidence", "assessed_by", "corrects"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Benchmark)
class BenchmarkAdmin(NoDeleteMixin, TrendKeepingAdmin):
    list_display = ["short_statement", "output", "term", "lead_component", "target_date", "current_status"]
    list_filter = ["term", "output__mission", "lead_component__kind", "latest_assessment__status"]
    search_fields = ["statement"]
    list_select_related = ["output", "lead_component", "latest_assessment"]
    raw_id_fields = ["output", "lead_component"]
    readonly_fields = ["latest_assessment", "version", "created_at", "updated_at"]
    date_hierarchy = "target_date"
    inlines = [AssessmentInline]

    def touched(self, pks) -> set:
        return set(Benchmark.objects.filter(pk__in=pks).values_list("output_id", flat=True))

    @admin.display(description=_("statement"), ordering="statement")
    def short_statement(self, obj):
        return str(obj)

    @admin.display(description=_("current status"), ordering="latest_assessment__status")
    def current_status(self, obj):
        return obj.latest_assessment.get_status_display() if obj.latest_assessment else "—"


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin, NormalisedSearchAdmin, admin.ModelAdmin):
    """Read-only: assessments are append-only and recorded in the application (which keeps the
    benchmark's current status); a correction is a new assessment there, not an edit here."""

    list_display = ["benchmark", "assessed_on", "status", "progress", "assessed_by", "corrects", "created_at"]
    list_filter = ["status", "benchmark__output__mission", "benchmark__term"]
    search_fields = ["evidence", "benchmark__statement", "assessed_by__username"]
    list_select_related = ["benchmark", "assessed_by", "corrects"]
    date_hierarchy = "assessed_on"


class IndicatorValueInline(CachedChoicesInline, admin.TabularInline):
    model = IndicatorValue
    extra = 0
    fields = ["period_start", "period_end", "actual", "actual_women", "actual_men", "actual_youth", "note"]


@admin.register(Indicator)
class IndicatorAdmin(MandateAdmin):
    list_display = ["name", "output", "benchmark", "unit", "baseline", "target", "disaggregated"]
    list_filter = ["disaggregated", "output__mission"]
    search_fields = ["name"]
    list_select_related = ["output", "benchmark"]
    raw_id_fields = ["output", "benchmark"]
    inlines = [IndicatorValueInline]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(MandateAdmin):
    list_display = ["indicator", "period_start", "period_end", "actual", "actual_women", "actual_men", "actual_youth"]
    list_filter = ["indicator__output__mission"]
    search_fields = ["indicator__name"]
    list_select_related = ["indicator"]
    raw_id_fields = ["indicator", "recorded_by"]
    date_hierarchy = "period_start"


@admin.register(Risk)
class RiskAdmin(MandateAdmin):
    list_display = ["short_title", "output", "kind", "likelihood", "impact", "score", "owner", "review_date"]
    list_filter = ["kind", "likelihood", "impact", "output__mission", "owner__kind"]
    search_fields = ["title", "mitigation"]
    list_select_related = ["output", "owner"]
    raw_id_fields = ["output", "owner"]

    @admin.display(description=_("title"), ordering="title")
    def short_title(self, obj):
        return str(obj)

    @admin.display(description=_("score"))
    def score(self, obj):
        return obj.score
