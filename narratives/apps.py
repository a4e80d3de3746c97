from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NarrativesConfig(AppConfig):
    name = "narratives"
    verbose_name = _("Mandate and performance narratives")
