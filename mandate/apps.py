from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MandateConfig(AppConfig):
    """The layer above the domain apps: who may do what (access), the API base built on it, the demo
    and scale seeding, and maintenance that spans apps. `missions`, the ground floor, imports none of it."""

    name = "mandate"
    verbose_name = _("Mandate")

    def ready(self):
        from mandate import (
            checks,  # noqa: F401 - registers the deployment checks
            languages,  # noqa: F401  (its signal receivers: login, mission changes)
        )

        # The gazetteer's importer joins the import pipeline (missions.pipeline).
        from mandate.importers import LocationImporter
        from missions.pipeline import register

        register(LocationImporter())
