"""/healthz: 200 when the database and the broker answer, 503 when either is down.

The failures are real: a broker URL on a local port nothing listens on, and a database connection
pointed at such a port. Nothing is mocked.
"""

import socket

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse


def _closed_port() -> int:
    # A port that was free a moment ago: bind, read the number, release. Nothing listens there.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
def test_healthy_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True, "vendor": connection.vendor}
    assert body["checks"]["broker"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_unhealthy_when_the_broker_is_down(client):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=f"redis://127.0.0.1:{_closed_port()}/0"):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.live_broker
@pytest.mark.django_db
def test_healthy_with_a_real_broker(client, settings):
    import os

    url = os.environ.get("CELERY_BROKER_URL")
    if not url:
        pytest.skip("CELERY_BROKER_URL is not set")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = url
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == {"ok": True, "mode": "broker"}


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="an in-memory SQLite test database cannot be disconnected without destroying it",
)
@pytest.mark.django_db(transaction=True)
def test_unhealthy_when_the_database_is_unreachable(client):
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        response = client.get(reverse("healthz"))
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
