"""The REST API router: each app registers its viewsets in its own api.py, listed here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()


def _register_all():
    from benchmarks.api import register as register_benchmarks
    from elections.api import register as register_elections
    from mandate.api import register as register_missions
    from narratives.api import register as register_narratives
    from notifications.api import register as register_notifications
    from partners.api import register as register_partners
    from reports.api import register as register_reports

    for register in (
        register_missions,
        register_benchmarks,
        register_elections,
        register_partners,
        register_reports,
        register_notifications,
        register_narratives,
    ):
        register(router)


_register_all()
