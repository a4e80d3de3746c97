"""Two writers at once on the embedded SQLite database wait for each other (issue 15, point 4).

On SQLite, `select_for_update()` is a no-op: what serialises `claim_version` is the transaction mode. The
project's SQLite settings begin every transaction IMMEDIATE (taking the write lock first) with a busy
timeout, so the second of two concurrent edits waits, then reads the version the first one wrote, and the
service refuses it as stale (412/409). With SQLite's default DEFERRED mode the second one failed with
"database is locked" (a 500). The test database is in memory (shared cache, where the busy timeout does not
apply), so these tests open their own connections to a database file, with the project's settings.
"""

import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3", reason="SQLite settings only"
)


@pytest.fixture
def file_database(tmp_path, django_db_blocker):
    """Registers aliases "a" and "b" on a database file, with the project's SQLite settings plus `options`."""
    aliases = ("setup", "a", "b")

    def register(**options):
        for alias in aliases:
            connections.settings[alias] = {
                **settings.DATABASES["default"],
                "NAME": str(tmp_path / "db.sqlite3"),
                "OPTIONS": {**settings.DATABASES["default"]["OPTIONS"], **options},
                "TEST": {},
            }

    with django_db_blocker.unblock():
        yield register
    for alias in aliases:
        if alias in connections.settings:
            connections[alias].close()
            del connections[alias]
            del connections.settings[alias]


def _edit_twice_at_once() -> dict:
    """Writer A reads the row's version, holds its transaction open for a moment, then writes; writer B
    starts meanwhile and does the same. Returns the version each read, or the error it failed with."""
    with connections["setup"].cursor() as cursor:
        cursor.execute("CREATE TABLE item (id integer PRIMARY KEY, version integer)")
        cursor.execute("INSERT INTO item VALUES (1, 1)")
    outcome = {}
    a_has_read = threading.Event()

    def writer(alias: str, pause: float):
        try:
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute("SELECT version FROM item WHERE id = 1")
                seen = cursor.fetchone()[0]
                if alias == "a":
                    a_has_read.set()
                time.sleep(pause)
                cursor.execute("UPDATE item SET version = %s WHERE id = 1", [seen + 1])
            outcome[alias] = seen
        except OperationalError as exc:
            outcome[alias] = str(exc)
        finally:
            a_has_read.set()
            connections[alias].close()

    first = threading.Thread(target=writer, args=("a", 0.5))
    first.start()
    a_has_read.wait(5)
    second = threading.Thread(target=writer, args=("b", 0))
    second.start()
    first.join(10)
    second.join(10)
    return outcome


def test_the_second_of_two_concurrent_edits_waits_and_sees_the_first_ones_version(file_database):
    file_database()
    # B waited for A's commit, then read version 2: the version check refuses it as stale, no 500.
    assert _edit_twice_at_once() == {"a": 1, "b": 2}


def test_without_immediate_transactions_the_second_edit_fails_with_database_is_locked(file_database):
    # The control: what the red team saw before the settings began transactions IMMEDIATE.
    file_database(transaction_mode="DEFERRED")
    outcome = _edit_twice_at_once()
    # B wrote and committed while A held its read snapshot; A's write then failed without waiting.
    assert outcome == {"a": "database is locked", "b": 1}
