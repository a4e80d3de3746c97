from django.contrib import admin

from notifications.models import Digest, Notification, Preference, Settings


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "mission", "email", "read_at"]
    list_filter = ["kind", "email", "delivery", "mission"]
    search_fields = ["recipient__username", "event_key"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False  # recorded by events only


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "delivery"]
    list_filter = ["kind", "delivery"]


@admin.register(Settings)
class SettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "time_zone"]


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["user", "frequency", "period_start", "sent_at"]
    list_filter = ["frequency"]
    readonly_fields = ["user", "frequency", "period_start", "created_at", "sent_at"]
