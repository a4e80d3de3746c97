import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from mandate.checks import static_files_problem  # noqa: E402 - needs the settings loaded above

# Refuse to serve at all rather than answer every page with a 500 (see mandate.checks).
if problem := static_files_problem():
    raise ImproperlyConfigured(problem)
