"""A real task through a real Redis broker to a real Celery worker process, seen done in the database.

Runs when CELERY_BROKER_URL is set and the tests use PostgreSQL (the worker is another process, so it
needs a database it can open: the pytest test database). Nothing is mocked: the test writes rows, sends
`mandate.tasks.refresh_latest_assessments` through Redis, and polls the database until the worker's
UPDATE is visible. The worker listens on a queue of its own in Redis database 14, so a worker started
by someone else's test run cannot take the task.
"""

import datetime
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from benchmarks.models import Assessment, Benchmark
from mandate.tasks import refresh_latest_assessments
from tests.factories import BenchmarkFactory, OutputFactory, UserFactory

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
REDIS_DB = 14
TIMEOUT = 60
ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.live_broker,
    pytest.mark.skipif(not BROKER_URL, reason="CELERY_BROKER_URL is not set: no broker to test against"),
]


def _broker_url() -> str:
    # The broker of the environment, on a database number of this test's own.
    parts = urlsplit(BROKER_URL)
    return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


def _database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{s['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """A celery worker subprocess on a fresh queue; yields (queue name, log file); terminated afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can open: run the tests on PostgreSQL")
    from config.celery import app

    queue = f"mandate-live-{uuid.uuid4().hex[:12]}"
    with app.connection_for_write(_broker_url()) as conn:
        conn.default_channel.queue_purge(queue)
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": _broker_url(),
        "DB_CONN_MAX_AGE": "0",
    }
    celery = Path(sys.executable).with_name("celery")
    command = [str(celery), "-A", "config", "worker", "--pool=solo", "-Q", queue, "--loglevel=INFO"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle", f"--hostname=live-{queue}@%h"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield queue, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with app.connection_for_write(_broker_url()) as conn:
            conn.default_channel.queue_delete(queue)


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_through_redis_is_done_by_a_real_worker(worker):
    from config.celery import app

    queue, log = worker
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "with a broker configured, tasks must not run in-process"
    # Committed data the worker can see: benchmarks whose assessments were written in bulk, so their
    # pointer to the newest assessment is unset until the task repairs it.
    user = UserFactory()
    output = OutputFactory()
    benchmarks = [BenchmarkFactory(output=output) for _ in range(3)]
    day = datetime.date(2026, 1, 1)
    Assessment.objects.bulk_create(
        Assessment(benchmark=b, assessed_on=day + datetime.timedelta(days=30 * k), status="on_track", progress=10 * k,
                   assessed_by=user)
        for b in benchmarks
        for k in range(3)
    )  # fmt: skip
    assert Benchmark.objects.filter(output=output, latest_assessment__isnull=True).count() == 3

    with app.connection_for_write(_broker_url()) as conn:
        result = refresh_latest_assessments.apply_async(args=[output.mission_id], queue=queue, connection=conn)

    deadline = time.monotonic() + TIMEOUT
    while Benchmark.objects.filter(output=output, latest_assessment__isnull=True).exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not finish the task in {TIMEOUT} s; its log:\n{log.read_text()}")
        time.sleep(0.5)

    for b in Benchmark.objects.filter(output=output).select_related("latest_assessment"):
        assert b.latest_assessment.assessed_on == day + datetime.timedelta(days=60)
    # The worker, not this process, ran it: its log names the task id as succeeded.
    deadline = time.monotonic() + 10
    while f"[{result.id}] succeeded" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert f"[{result.id}] succeeded" in log.read_text()
