"""A real Celery worker on the real Redis broker is killed in the middle of a report; the report still
completes, after another worker comes back, with exactly one PDF (and one XLSX) and the right checksum.

Runs when CELERY_BROKER_URL is set (CI's second run) on PostgreSQL: the worker subprocess connects to
the pytest test database. How the redelivery works: the task is acknowledged late and rejected when
its worker is lost, so the message stays in Redis's unacked set; a worker starting after the
visibility timeout has passed restores it to the queue. The test shortens that timeout (and the task
time limits, which must stay below it) through the environment of the worker, and slows generation
down with the documented test hook `REPORTS_TEST_STEP_DELAY` so there is a "middle" to kill it in.
"""

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from reports import services
from reports.models import Report, ReportKind, report_folder
from tests.reports_support import PERIOD_END, PERIOD_START, build_plan

VISIBILITY_TIMEOUT = 12
BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.live_broker,
    pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (a real Redis)"),
]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(queue: str, var_dir: Path, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "VAR_DIR": str(var_dir),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_TASK_SOFT_TIME_LIMIT": str(VISIBILITY_TIMEOUT - 3),
        "CELERY_TASK_TIME_LIMIT": str(VISIBILITY_TIMEOUT - 2),
        "REPORTS_TEST_STEP_DELAY": "0.8",
    }
    celery = Path(sys.executable).with_name("celery")
    return subprocess.Popen(
        [str(celery), "-A", "config", "worker", "--pool=prefork", "--concurrency=1", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
        cwd=BASE_DIR, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the kill takes the pool child too
    )  # fmt: skip


def _kill(worker: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def _wait_for(report: Report, predicate, timeout: float, log: Path) -> Report:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if predicate(report):
            return report
        time.sleep(0.2)
    pytest.fail(f"timed out; report {report.state} {report.progress}% {report.error}\n{log.read_text()[-3000:]}")


@pytest.fixture
def live_queue():
    """Route report tasks to a queue of this test's own, and send them to the broker for real."""
    queue = f"reports-live-{uuid.uuid4().hex[:8]}"
    before = (app.conf.task_always_eager, app.conf.task_routes)
    app.conf.task_always_eager = False
    app.conf.task_routes = {"reports.tasks.generate_report": {"queue": queue}}
    _reset_router()
    yield queue
    app.conf.task_always_eager, app.conf.task_routes = before
    _reset_router()


def _reset_router() -> None:
    # Celery builds its router once per process, from the routes of that moment; another test of this
    # process may have sent a task already, so rebuild it or the task goes to the default queue.
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


@pytest.mark.django_db(transaction=True)
def test_report_survives_a_killed_worker_and_ends_with_one_file(
    live_queue, mission, hom, components, tmp_path, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("the worker subprocess needs a database it can share: PostgreSQL")
    settings.MEDIA_ROOT = tmp_path / "media"  # what the worker's VAR_DIR/media points at
    log = tmp_path / "worker.log"
    build_plan(mission, hom, components, outputs=2)

    first = _start_worker(live_queue, tmp_path, log)
    try:
        report = services.report_request(
            mission=mission, kind=ReportKind.PROGRESS, period_start=PERIOD_START, period_end=PERIOD_END, user=hom
        )  # autocommit: the task is sent at once
        report = _wait_for(report, lambda r: r.state == Report.State.RUNNING, 60, log)
        delivered_at = time.monotonic()
        time.sleep(1.0)  # well inside the slowed-down generation
    finally:
        _kill(first)
    report.refresh_from_db()
    assert report.state == Report.State.RUNNING and report.progress < 100, "the kill came too late to prove anything"
    assert report.attempts == 1

    # Redis hands the unacknowledged task back once the visibility timeout has passed.
    time.sleep(max(0.0, delivered_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
    second = _start_worker(live_queue, tmp_path, log)
    try:
        report = _wait_for(report, lambda r: r.state in {Report.State.DONE, Report.State.FAILED}, 90, log)
    finally:
        _kill(second)

    assert report.state == Report.State.DONE, report.error
    assert report.attempts == 2  # the killed run and the one that finished
    files = sorted(p.name for p in (settings.MEDIA_ROOT / report_folder(report)).iterdir())
    assert files == sorted([Path(report.file.name).name, Path(report.xlsx_file.name).name])  # no temporary file
    assert [f for f in files if f.endswith(".pdf")] == [Path(report.file.name).name]
    content = (settings.MEDIA_ROOT / report.file.name).read_bytes()
    assert hashlib.sha256(content).hexdigest() == report.sha256
    assert len(content) == report.size_bytes and content.startswith(b"%PDF")
