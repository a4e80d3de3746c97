from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionsConfig(AppConfig):
    name = "elections"
    verbose_name = _("Elections")

    def ready(self):
        # The polling-site importer joins the import pipeline (missions.pipeline).
        from elections.services.site_import import SiteImporter
        from missions.pipeline import register

        register(SiteImporter())
