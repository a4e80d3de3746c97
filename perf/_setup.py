"""Start Django for a perf script: production-like settings (DEBUG off), on the database it is given.

A perf script runs as `python perf/<name>.py`, so this folder is first on sys.path and `import _setup`
finds this module; the project root is added here.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup(**env_defaults: str) -> None:
    """Set production-like defaults (and `env_defaults`) unless the environment says otherwise; exit
    with a hint when no DATABASE_URL is set (perf numbers on SQLite mean nothing)."""
    sys.path.insert(0, str(ROOT))
    defaults = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # DEBUG off: cached templates, no query log; plain HTTP for the test client.
        "DEBUG": "false",
        "SECRET_KEY": "perf-only-not-secret",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "testserver",
        **env_defaults,
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/mandate_perf")

    import django

    django.setup()
    from django.conf import settings

    # The scripts sign in with force_login, as the tests do: no second factor to answer (the HoM, the MLT
    # and the security roles must use one since two-factor landed, which sent every perf request to its setup).
    settings.TWO_FACTOR_ENFORCED = False


def machine_note() -> str:
    """What to read every timing against: the load average (other processes inflate wall times) and the
    time this machine takes for a fixed pure-Python loop, the best of three (the same code has run at
    about half the speed on another day's machine of the same kind: compare runs by this figure)."""
    import time

    best = float("inf")
    for _run in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, time.perf_counter() - start)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"machine: {os.cpu_count()} CPUs, load average {load:.1f}; reference loop {best * 1000:.0f} ms"


def unhashed_static():
    """Settings override for a perf run without `collectstatic`: asset names unhashed (the manifest storage
    of DEBUG-off settings needs collected files, and config.wsgi refuses to start without them)."""
    from django.conf import settings
    from django.test.utils import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return override_settings(STORAGES=storages)


def ensure_scale():
    """The SCALE mission, built by `seed_scale` first when the database has none (takes a few minutes). The
    database is migrated first (idempotent): a perf database follows the code's migrations and indexes."""
    from django.core.management import call_command

    from missions.models import Mission

    call_command("migrate", verbosity=0)
    mission = Mission.objects.filter(acronym="SCALE").first()
    if mission is None:
        print("SCALE mission missing: running seed_scale (takes a few minutes)...")
        call_command("seed_scale")
        mission = Mission.objects.get(acronym="SCALE")
    return mission


def ensure_national():
    """The SCALE mission with the national gazetteer (`seed_scale --national`: 37 regions, 800 districts with
    P-codes and boundaries, 200,000 polling sites). A SCALE mission built without `--national` is rebuilt."""
    from django.core.management import call_command

    from missions.models import Location, Mission

    mission = Mission.objects.filter(acronym="SCALE").first()
    if mission is None or not Location.objects.filter(mission=mission, level="district").exclude(boundary="").exists():
        print("national SCALE mission missing: running seed_scale --national --reset (takes a few minutes)...")
        call_command("migrate", verbosity=0)
        call_command("seed_scale", "--national", "--reset")
        mission = Mission.objects.get(acronym="SCALE")
    return mission
