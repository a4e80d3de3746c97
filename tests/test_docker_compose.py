"""The production deployment files point at things that exist, and the production settings are safe.

docker-compose.yml is parsed (no Docker needed): every service has a healthcheck, the app services'
commands name a WSGI application, a Celery app and management commands that this project has, and
the volumes they mount are declared. `manage.py check --deploy` runs in a subprocess with DEBUG off.
"""

import importlib
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands
from django.urls import resolve

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = {"web", "worker", "beat"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _argv(command) -> list[str]:
    """A service command as argv; a `sh -c "..."` command is split into its inner commands' words."""
    argv = command if isinstance(command, list) else shlex.split(command)
    if argv[:2] == ["sh", "-c"]:
        return [word for part in re.split(r"&&|;", argv[2]) for word in shlex.split(part)]
    return argv


def test_compose_runs_web_worker_beat_postgres_and_redis(compose):
    assert set(compose["services"]) == APP_SERVICES | {"postgres", "redis"}


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in {"CMD", "CMD-SHELL"}, name


def test_web_migrates_then_serves_the_projects_wsgi_application(compose):
    argv = _argv(compose["services"]["web"]["command"])
    assert argv.index("migrate") < argv.index("gunicorn"), "migrations run before the server starts"
    module_name, _, attribute = argv[argv.index("gunicorn") + 1].partition(":")
    application = getattr(importlib.import_module(module_name), attribute)
    assert callable(application)


def test_every_manage_py_command_in_compose_and_dockerfile_exists(compose):
    commands = []
    for service in compose["services"].values():
        if "command" in service:
            argv = _argv(service["command"])
            commands += [argv[i + 1] for i, word in enumerate(argv) if word == "manage.py"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    commands += re.findall(r"manage\.py (\w+)", dockerfile)
    assert {"migrate", "collectstatic"} <= set(commands)
    known = get_commands()
    assert [c for c in commands if c not in known] == []


def test_worker_and_beat_run_the_projects_celery_app_and_its_scheduled_tasks_exist(compose):
    from config.celery import app

    for name in ("worker", "beat"):
        argv = _argv(compose["services"][name]["command"])
        assert argv[0] == "celery" and argv[argv.index("-A") + 1] == "config", name
        assert name in argv, name
    assert importlib.import_module("config").__name__ == "config"
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_the_web_healthcheck_calls_the_projects_health_endpoint(compose):
    script = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:8000(/\w+)", script).group(1)
    assert resolve(path).url_name == "healthz"


def test_volumes_are_declared_and_generated_files_persist(compose):
    declared = set(compose["volumes"])
    for name, service in compose["services"].items():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} mounts undeclared volume {source}"
    for name in APP_SERVICES:
        service = compose["services"][name]
        var_dir = service["environment"]["VAR_DIR"]
        assert any(m.split(":")[1] == var_dir for m in service["volumes"]), name
    postgres_mounts = [m.split(":")[1] for m in compose["services"]["postgres"]["volumes"]]
    assert "/var/lib/postgresql/data" in postgres_mounts


def test_app_services_run_in_production_mode_against_the_compose_database_and_broker(compose):
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["DEBUG"] == "false", name
        assert "SECRET_KEY_FILE" in env or "SECRET_KEY" in env, name
        assert env["ALLOWED_HOSTS"], name
        assert "@postgres:5432/" in env["DATABASE_URL"], name
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:"), name
    assert set(compose["secrets"]) >= {"django_secret_key"}


def test_dockerfile_builds_on_python_311_slim_with_the_pinned_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert "pip install -r requirements.txt" in dockerfile
    assert "libpango-1.0-0" in dockerfile  # WeasyPrint renders the PDF reports with Pango


def _production_env(tmp_path) -> dict:
    """The variables the README documents for production, on a throwaway VAR_DIR (and its STATIC_ROOT)."""
    env = {
        # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (Playwright's sync API needs it): check --deploy refuses it.
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "ALLOWED_HOSTS": "mandate.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://mandate.example.org",
        "VAR_DIR": str(tmp_path),
    }
    for name in ("SECRET_KEY_FILE", "STATIC_ROOT", "SECURE_SSL_REDIRECT"):
        env.pop(name, None)
    return env


def _run(args: list[str], env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def _readme_production_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production without Docker", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("#")[0].strip() for line in block.splitlines() if line.startswith(".venv/bin/")]


def test_the_readme_production_path_collects_static_files_and_checks_before_starting_gunicorn():
    commands = [" ".join(c.split()[:3]) for c in _readme_production_commands()]
    steps = ["manage.py migrate", "manage.py collectstatic", "manage.py check", "config.wsgi:application"]
    positions = [next(i for i, c in enumerate(commands) if step in c) for step in steps]
    assert positions == sorted(positions), commands


# Django and WhiteNoise post-process (hash, gzip, brotli) every file: minutes for the vendored API docs on a
# busy CI machine. The project's own files are enough to prove the path; the Docker build collects them all.
QUICK_COLLECTSTATIC = ["-i", "drf_spectacular_sidecar", "-i", "admin", "-i", "rest_framework", "-i", "fonts"]
SERVE_LOGIN_PAGE = """
import re, sys
import config.wsgi
from django.test import Client
client = Client(HTTP_HOST="mandate.example.org", **{"wsgi.url_scheme": "https"})
page = client.get("/accounts/login/", secure=True)
css = re.search(rb"/static/css/app\\.[0-9a-f]{12}\\.css", page.content).group(0).decode()
print(page.status_code, client.get(css, secure=True).status_code)
"""


def test_with_debug_off_the_readme_production_steps_give_a_clean_check_deploy_and_pages_with_their_assets(tmp_path):
    env = _production_env(tmp_path)
    collected = _run([sys.executable, "manage.py", "collectstatic", "--noinput", *QUICK_COLLECTSTATIC], env)
    assert collected.returncode == 0, collected.stderr

    check = _run([sys.executable, "manage.py", "check", "--deploy"], env)
    output = check.stdout + check.stderr
    assert check.returncode == 0, output
    # The security checks are the deploy checks; schema warnings of drf-spectacular are the API's business.
    assert re.findall(r"\((security|mandate)\.\w+\)", output) == [], output

    served = _run([sys.executable, "-c", SERVE_LOGIN_PAGE], env)
    assert served.stdout.split() == ["200", "200"], served.stderr


def test_with_debug_off_and_no_collectstatic_check_deploy_fails_and_the_server_refuses_to_start(tmp_path):
    env = _production_env(tmp_path)
    check = _run([sys.executable, "manage.py", "check", "--deploy"], env)
    assert check.returncode != 0
    assert "mandate.E001" in check.stderr and "collectstatic --noinput" in check.stderr

    start = _run([sys.executable, "-c", "import config.wsgi"], env)
    assert start.returncode != 0
    assert "ImproperlyConfigured" in start.stderr and "collectstatic --noinput" in start.stderr


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "false", "SECRET_KEY": ""}
    env.pop("SECRET_KEY_FILE", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
