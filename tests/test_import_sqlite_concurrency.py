"""On the embedded SQLite database, a colleague's save during a long import confirm waits for it (issue 10):
no "database is locked" reaches the colleague, and the job still completes.

The test database is in memory (shared cache, where SQLite's busy timeout does not apply), so the test
copies it, once the job is previewed, into a database file (`VACUUM INTO`) and points new connections at
that file, with the project's SQLite settings (WAL, transactions IMMEDIATE, the busy timeout). The confirm
runs in one thread and is held inside its write transaction after the inserts; the colleague posts a new
site through the page in another, meanwhile.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections, transaction
from django.test import Client
from django.urls import reverse

from elections.services import site_import
from missions import pipeline
from missions.models import ImportJob
from tests.elections_support import build_election

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3", reason="SQLite settings only"
    ),
    pytest.mark.django_db(transaction=True),
]

HOLD = 1.5  # seconds the confirm keeps its write transaction open after its inserts


def _previewed_job(mission, electoral, district, rows: int):
    client = Client()
    client.force_login(electoral)
    plan = build_election(mission, district, sites=1)["security"]
    text = "code,name,district,latitude,longitude\n" + "".join(
        f"S{i},Site {i},{district.name},12.{i % 90:02d},-8.{i % 90:02d}\n" for i in range(rows)
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(reverse("elections:site-import", args=[plan.pk]), {"file": SimpleUploadedFile("s.csv", text.encode())})
    job = ImportJob.objects.latest("id")
    data = {f"field_{name}": str(index) for name, index in job.mapping.items()} | {"mode": "create"}
    client.post(reverse("import-job", args=[job.pk]), data)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED and not job.report["error_count"], job.report
    # Confirmed: the step is queued (as a worker would find it), it runs below in its own thread.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)
    return plan, job


@pytest.fixture
def on_a_file(tmp_path, monkeypatch):
    """After `switch()`, connections opened from now on (new threads) use a file copy of the test database."""
    path = tmp_path / "mandate.sqlite3"

    def switch():
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(path)])
        monkeypatch.setitem(connections.settings["default"], "NAME", str(path))
        return path

    return switch


def _confirm_while_a_colleague_saves(mission, electoral, district, on_a_file, monkeypatch) -> tuple:
    monkeypatch.setattr(settings, "TASKS_IN_BACKGROUND", False)
    plan, job = _previewed_job(mission, electoral, district, rows=300)
    colleague = Client()
    colleague.force_login(electoral)  # the session is written now, before the switch
    session = colleague.cookies
    path = on_a_file()

    inserted = threading.Event()
    real_check = site_import.polling_sites_check_coordinates

    def slow_check(**kwargs):  # the last part of the write, inside the import's transaction
        # When that transaction commits (the step then releases memory, which can take seconds on a busy
        # machine: the colleague may finish before the step returns, never before the commit).
        transaction.on_commit(lambda: outcome.setdefault("job_committed", time.monotonic()))
        inserted.set()
        time.sleep(HOLD)
        return real_check(**kwargs)

    monkeypatch.setattr(site_import, "polling_sites_check_coordinates", slow_check)
    outcome: dict = {}

    def confirm():
        try:
            pipeline.import_job_run(job_id=job.pk, step="import")
            outcome["job"] = "ran"
        except OperationalError as exc:
            outcome["job"] = str(exc)
        finally:
            inserted.set()
            connections.close_all()

    def colleague_saves():
        inserted.wait(10)
        start = time.monotonic()
        try:
            colleague.cookies = session
            response = colleague.post(
                reverse("elections:site-create", args=[plan.pk]),
                {"code": "HAND-1", "name": "Added by hand", "district": district.pk, "registered_voters": "10"},
            )
            outcome["colleague"] = response.status_code
            outcome["retry_after"] = response.get("Retry-After")
            outcome["body"] = response.content.decode()
        except OperationalError as exc:  # what reached the user as a 500 before
            outcome["colleague"] = str(exc)
        finally:
            outcome["colleague_waited"] = time.monotonic() - start
            outcome["colleague_end"] = time.monotonic()
            connections.close_all()

    threads = [threading.Thread(target=confirm), threading.Thread(target=colleague_saves)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcome, plan, job, path


def test_a_colleagues_save_during_a_long_confirm_waits_and_both_land(
    mission, electoral, district, on_a_file, monkeypatch
):
    outcome, plan, job, path = _confirm_while_a_colleague_saves(mission, electoral, district, on_a_file, monkeypatch)
    assert outcome["job"] == "ran" and outcome["colleague"] == 302, outcome
    # The colleague's save waited for the import's commit (it was not refused, nor written in between).
    assert outcome["colleague_waited"] >= HOLD * 0.5 and outcome["colleague_end"] >= outcome["job_committed"] - 0.1
    db = sqlite3.connect(path)
    try:
        status, created = db.execute("SELECT status, created FROM missions_importjob WHERE id = ?", [job.pk]).fetchone()
        codes = {
            c for (c,) in db.execute("SELECT code FROM elections_pollingsite WHERE security_plan_id = ?", [plan.pk])
        }
    finally:
        db.close()
    assert (status, created) == ("done", 300)
    assert "HAND-1" in codes and {f"S{i}" for i in range(300)} <= codes


def test_a_busy_timeout_shorter_than_the_confirm_answers_the_colleague_503_not_500(
    mission, electoral, district, on_a_file, monkeypatch
):
    # What the settings' busy timeout buys: without it the colleague's save fails on the import's lock; the
    # failure is a 503 "try again" page (config.middleware.DatabaseBusyMiddleware), and the import lands.
    monkeypatch.setitem(
        connections.settings["default"], "OPTIONS", {**settings.DATABASES["default"]["OPTIONS"], "timeout": 0.1}
    )
    outcome, *_rest = _confirm_while_a_colleague_saves(mission, electoral, district, on_a_file, monkeypatch)
    assert outcome["job"] == "ran" and outcome["colleague"] == 503, outcome
    assert outcome["retry_after"] == "30" and "nothing was saved" in outcome["body"]
