from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchmarksConfig(AppConfig):
    name = "benchmarks"
    verbose_name = _("Benchmarks")

    def ready(self):
        from benchmarks import summaries
        from missions import events

        events.areas_moved.connect(summaries.on_areas_moved, dispatch_uid="benchmarks.area_status")
