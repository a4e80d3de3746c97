from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # The domain apps announce events through missions.events; this app listens (it sits above them).
        from notifications import receivers  # noqa: F401
