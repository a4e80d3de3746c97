"""The run modes of config/settings.py: `make run` (DEBUG unset) shows the project's own error pages.

Before the fix DEBUG defaulted to on, so a guessed URL under `make run` showed Django's debug 404
page with the whole URL map. Each case runs Django in a subprocess with a controlled environment,
with no database needed, and requests pages through the test client there.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
missing = client.get("/no-such-page/")
static = client.get("/static/css/app.css")
print(json.dumps({
    "debug": settings.DEBUG,
    "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "missing_status": missing.status_code,
    "url_map_shown": b"URLconf" in missing.content or b"urlpatterns" in missing.content,
    "own_404": b"There is nothing here, or it is not shared with you." in missing.content,
    "static_status": static.status_code,
}))
"""


def _probe(tmp_path, **env) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE"}}
    environment.pop("DATABASE_URL", None)
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path), **env})
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_default_run_mode_shows_the_projects_404_page_and_still_serves_static_files(tmp_path):
    seen = _probe(tmp_path)
    assert seen["debug"] is False
    assert seen["missing_status"] == 404 and seen["own_404"] and not seen["url_map_shown"]
    assert seen["static_status"] == 200  # no collectstatic needed on a fresh machine
    assert seen["ssl_redirect"] is False  # plain http://127.0.0.1 keeps working


def test_debug_pages_only_when_debug_is_set_explicitly(tmp_path):
    seen = _probe(tmp_path, DEBUG="true")
    assert seen["debug"] is True
    assert seen["missing_status"] == 404 and seen["url_map_shown"]


def test_migrate_on_a_fresh_checkout_creates_the_var_folder_itself(tmp_path):
    """Failing-first: `python manage.py migrate` without `make` stopped at "unable to open database file",
    as only the Makefile created var/, where the embedded SQLite database lives."""
    var_dir = tmp_path / "fresh" / "var"
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(var_dir)})
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (var_dir / "mandate.sqlite3").is_file()
