from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self):
        # The partner importer joins the import pipeline (missions.pipeline).
        from missions.pipeline import register
        from partners.importers import PartnerImporter

        register(PartnerImporter())
