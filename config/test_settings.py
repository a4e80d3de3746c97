"""Test settings: the base settings with faster hashing and files in a throwaway folder."""

import tempfile
from pathlib import Path

from .settings import *  # noqa: F403

# The role fixtures sign in with force_login; tests/test_two_factor.py turns the second factor on.
TWO_FACTOR_ENFORCED = False
# A task is done when `delay` returns (tests/test_run_modes.py checks the background thread itself).
TASKS_IN_BACKGROUND = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="mandate-test-media-"))
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# One cache per test process even when CELERY_BROKER_URL names a Redis: tests clear the cache, and a
# Redis clear is a FLUSHDB of the database every test process (and the broker) shares.
# tests/test_shared_cache.py checks the Redis cache itself, across two processes.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
