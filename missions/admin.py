"""Admin of components, locations, memberships, tokens, the audit trail (read-only), and shared helpers.

The mission's own admin page links to the rows of every app, so it is registered by `mandate.admin`.

The admin is for superusers (Django's default staff check stands); the role rules of
`mandate.access` are for the application's own pages and API. History of every edited model is
visible through django-simple-history's admin.
"""

from django.contrib import admin
from django.db import transaction
from django.db.models import Model
from django.forms.models import _get_foreign_key
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from missions import events
from missions.concurrency import claim_version
from missions.models import ApiToken, AuditEvent, Component, Location, Membership, Versioned
from missions.search import search_filter
from missions.services import audit_admin_log_entry

# Above this many child rows an inline is replaced by a link to the filtered list: a plan of the
# synthetic SCALE mission has 5,000 polling sites, and rendering 5,000 inline forms would stall the page.
INLINE_LIMIT = 100


class CachedChoicesInline:
    """Inline rows share one list of choices per foreign key and request.

    Without it every row's select box runs its own query (a hundred benchmarks inline, a hundred
    queries for the same list of components). Validation still goes through the field's queryset.
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is None or db_field.name in self.raw_id_fields or db_field.name in self.autocomplete_fields:
            return field
        cache = request.__dict__.setdefault("_mandate_inline_choices", {})
        key = (self.model._meta.label, db_field.name)
        if key not in cache:
            cache[key] = list(field.choices)
        field.choices = cache[key]
        return field


class ReadOnlyAdmin:
    """A record kept by the application alone (an audit trail, an append-only log): the admin shows it, and
    nothing can be added, changed or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NormalisedSearchAdmin:
    """The admin's search box ignores accents and case, as the application's do (missions.search).

    `^` and `@` prefixes of `search_fields` are read as plain fields; `=` keeps its meaning (equal).
    """

    def get_search_results(self, request, queryset, search_term):
        fields = [field.lstrip("^@") for field in self.get_search_fields(request)]
        try:
            return search_filter(queryset, search_term, fields), False
        except ValueError:  # a to-many field: Django's own search (and its duplicate handling)
            return super().get_search_results(request, queryset, search_term)


class MandateAdmin(NormalisedSearchAdmin, SimpleHistoryAdmin):
    """History, bounded inlines, and a version bump on every save.

    The version bump keeps optimistic concurrency honest: someone editing the same row in the
    application after an admin change is told their copy is stale instead of overwriting it.
    """

    # (label, child model, foreign key name) shown as links to the child's change list.
    child_links: tuple[tuple[str, type[Model], str], ...] = ()

    def log_deletions(self, request, queryset):
        # Django bulk-creates the LogEntry rows of a deletion of several rows, so no signal reaches the audit
        # trail (accounts.signals records single entries): record them here.
        entries = super().log_deletions(request, queryset)
        if len(entries) > 1:
            for entry in entries:
                audit_admin_log_entry(entry)
        return entries

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        if obj is None:
            return inlines
        kept = []
        for inline in inlines:
            fk = _get_foreign_key(type(obj), inline.model, fk_name=inline.fk_name)
            if inline.model._default_manager.filter(**{fk.name: obj}).count() <= INLINE_LIMIT:
                kept.append(inline)
        return kept

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self.child_links and obj is not None:
            fields.append("contents")
        return fields

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if self.child_links and obj is not None and "contents" not in fields:
            fields.append("contents")
        return fields

    @admin.display(description=_("contents"))
    def contents(self, obj):
        rows = []
        for label, model, fk in self.child_links:
            count = model._default_manager.filter(**{fk: obj}).count()
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            rows.append((f"{url}?{fk}={obj.pk}", count, label))
        return format_html_join(mark_safe("<br>"), '<a href="{}">{} {}</a>', rows)

    def save_model(self, request, obj, form, change):
        if change and isinstance(obj, Versioned):
            claim_version(obj, expected_version=None)
        super().save_model(request, obj, form, change)


class SummaryKeepingAdmin(MandateAdmin):
    """An admin whose saves and deletions change derived summaries (the dashboard's, the partner overview's):
    what the rows stand for in them (`touched`, read from the database) before and after the change is
    refreshed (`refresh`) in the same transaction. Django's change and delete views are atomic; the bulk
    deletion is made so here."""

    def touched(self, pks) -> set:
        """What these rows stand for in the summaries, as stored now (e.g. engagement places, output ids)."""
        raise NotImplementedError

    def refresh(self, touched: set) -> None:
        raise NotImplementedError

    def counts_changed(self, form) -> bool:
        """Whether this save may change what the summaries count (`form` None: unknown, so yes)."""
        return True

    def save_model(self, request, obj, form, change):
        counted = self.counts_changed(form)
        before = self.touched([obj.pk]) if change and counted else set()
        super().save_model(request, obj, form, change)
        request.summary_touched_before = before if counted else None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the links and inlines count too
        before = getattr(request, "summary_touched_before", None)
        if before is not None:
            self.refresh(before | self.touched([form.instance.pk]))

    def delete_model(self, request, obj):
        touched = self.touched([obj.pk])
        super().delete_model(request, obj)
        self.refresh(touched)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            touched = self.touched(list(queryset.values_list("pk", flat=True)))
            super().delete_queryset(request, queryset)
            self.refresh(touched)


class ComponentInline(CachedChoicesInline, admin.TabularInline):
    model = Component
    extra = 0


class MembershipInline(CachedChoicesInline, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "partner"]
    raw_id_fields = ["district"]
    fields = ["user", "role", "component", "partner", "district", "title"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only the mission's own components; the parent mission is known from the URL.
        if db_field.name == "component" and request.resolver_match and request.resolver_match.kwargs.get("object_id"):
            kwargs["queryset"] = Component.objects.filter(mission_id=request.resolver_match.kwargs["object_id"])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Component)
class ComponentAdmin(MandateAdmin):
    list_display = ["name", "kind", "mission"]
    list_filter = ["kind", "mission"]
    search_fields = ["name", "mission__acronym"]
    list_select_related = ["mission"]


@admin.register(Location)
class LocationAdmin(MandateAdmin):
    list_display = ["name", "level", "parent", "mission", "latitude", "longitude"]
    list_filter = ["level", "mission"]
    search_fields = ["name"]
    list_select_related = ["parent", "mission"]
    raw_id_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"parent", "level"} & set(form.changed_data):
            events.areas_moved.send(sender=Location, mission_id=obj.mission_id)


@admin.register(Membership)
class MembershipAdmin(MandateAdmin):
    list_display = ["user", "mission", "role", "component", "partner", "district", "title"]
    list_filter = ["role", "mission", "component__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "title", "partner__name"]
    list_select_related = ["user", "mission", "component", "partner", "district"]
    autocomplete_fields = ["user", "partner"]
    raw_id_fields = ["district"]


@admin.register(ApiToken)
class ApiTokenAdmin(NormalisedSearchAdmin, admin.ModelAdmin):
    """Tokens are created and revoked by their owner (the key is shown once); the admin may look at them
    and delete a leaked one, which stops it working at once."""

    list_display = ["name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "key_prefix"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, NormalisedSearchAdmin, admin.ModelAdmin):
    """The audit trail of every mission, for superusers: read-only, nothing can be added, changed or deleted."""

    list_display = ["created_at", "username", "action", "mission", "ip_address", "summary"]
    list_filter = ["action", "mission"]
    search_fields = ["username", "summary", "ip_address", "object_id"]
    list_select_related = ["mission"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
