from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class MissionsConfig(AppConfig):
    name = "missions"
    verbose_name = _("Missions")

    def ready(self):
        # The `normalised` lookup on text fields, and mandate_normalise() on every SQLite connection.
        from missions.search import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="missions.search.sqlite_function")
