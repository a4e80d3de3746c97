"""Deployment checks and the start-up guard for production (DEBUG off).

With DEBUG off, static files are served from STATIC_ROOT through a hashed manifest that `collectstatic`
writes; without it every page fails while rendering its first `{% static %}`. `static_files_problem()`
says so in words; `manage.py check --deploy` reports it (mandate.E001) and `config.wsgi` refuses to start
with it, so a forgotten `collectstatic` stops the deployment at once rather than answering 500 everywhere.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, register
from django.core.files.storage import storages


def static_files_problem() -> str | None:
    """Why the static files cannot be served as configured, or None."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None
    if storage.exists(storage.manifest_name):
        return None
    return (
        f"The static files are not collected: {settings.STATIC_ROOT}/{storage.manifest_name} is missing, so "
        "every page would fail. Run `python manage.py collectstatic --noinput` (with the same settings) "
        "before starting the server."
    )


@register(deploy=True)
def check_static_files_collected(app_configs, **kwargs):
    problem = static_files_problem()
    return [Error(problem, id="mandate.E001")] if problem else []
