"""The cache is shared by every process when Redis is configured, so API throttles count across web workers.

The cross-process test runs when CELERY_BROKER_URL names a real Redis (as in CI's PostgreSQL + Redis run).
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")

# One "web process": loads the production settings (Redis cache from the broker URL) and makes `n` requests
# through the real token throttle class; prints how many were allowed.
PROCESS = """
import sys, django
django.setup()
from types import SimpleNamespace
from config.rest import TokenBurstThrottle
allowed = 0
for _ in range(int(sys.argv[1])):
    request = SimpleNamespace(auth=SimpleNamespace(key_hash="shared-count-test"), META={}, user=None)
    allowed += TokenBurstThrottle().allow_request(request, None)
print(allowed)
"""


def _settings_caches(**env) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_redis_is_the_cache_when_a_redis_url_or_broker_is_set_and_local_memory_otherwise():
    assert _settings_caches().endswith("LocMemCache")
    assert _settings_caches(REDIS_URL="redis://127.0.0.1:6379/9").endswith("RedisCache")
    assert _settings_caches(CELERY_BROKER_URL="redis://127.0.0.1:6379/9").endswith("RedisCache")


@pytest.mark.live_broker
@pytest.mark.skipif(not BROKER_URL, reason="CELERY_BROKER_URL is not set: no Redis to share a count in")
def test_two_processes_share_one_throttle_count():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "REDIS_URL": BROKER_URL,
        # A prefix of its own: nothing else's keys are read or written.
        "CACHE_KEY_PREFIX": f"mandate-test-{uuid.uuid4().hex}",
        "API_TOKEN_RATE_BURST": "10/minute",
    }

    def process(n: int) -> int:
        run = subprocess.run(
            [sys.executable, "-c", PROCESS, str(n)], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        return int(run.stdout.strip().splitlines()[-1])

    first, second = process(6), process(6)

    assert (first, second) == (6, 4)  # one count of 10 per minute across both processes
