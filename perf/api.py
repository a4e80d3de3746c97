"""Measure the REST API on the SCALE data set: a page of 100 engagements, serialised, for a token user.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_perf .venv/bin/python perf/api.py

Target (issue 7): a page of 100 engagements serialises with a median server time under 100 ms.

Migrates and seeds SCALE when missing, creates an API token for `scale_civilaffairs` (revoked at the end),
then sends, through the Django test client with `Authorization: Bearer <key>` (all middleware, token
authentication, throttling, scoping, serialisation; DEBUG off), WARMUP requests and then REPEAT timed
requests for each URL below, and prints the median, 90th percentile and maximum wall time, the median CPU
time of this process, the query count and the response size.
"""

from __future__ import annotations

import statistics
import time
from urllib.parse import urlencode

import _setup  # noqa: E402

_setup.django_setup(API_TOKEN_RATE_BURST="100000/minute", API_TOKEN_RATE_SUSTAINED="1000000/hour")

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from missions.services import api_token_create, api_token_revoke  # noqa: E402
from partners.models import Engagement  # noqa: E402

WARMUP = 3
REPEAT = 20
TARGET_MS = 100


def measure(client: Client, url: str) -> dict:
    for _i in range(WARMUP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    samples, cpu = [], []
    for _i in range(REPEAT):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    samples.sort()
    return {
        "median": statistics.median(samples),
        "cpu": statistics.median(cpu),
        "p90": samples[int(len(samples) * 0.9) - 1],
        "max": samples[-1],
        "queries": len(queries),
        "kb": len(response.content) / 1024,
        "rows": len(response.json()["results"]),
    }


def main() -> None:
    mission = _setup.ensure_scale()
    user = get_user_model().objects.get(username="scale_civilaffairs")
    token, key = api_token_create(user=user, name="perf/api.py")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    total = Engagement.objects.filter(mission=mission).count()
    partner_id = Engagement.partners.through.objects.filter(engagement__mission=mission).values_list(
        "partner_id", flat=True
    )[:1][0]
    urls = {
        "engagements, page 1 of 100": {"mission": mission.pk, "page_size": 100},
        "engagements, page 50 of 100": {"mission": mission.pk, "page_size": 100, "page": 50},
        "engagements of one partner": {"mission": mission.pk, "page_size": 100, "partner": partner_id},
        "engagements, ordered by date": {"mission": mission.pk, "page_size": 100, "ordering": "date"},
        "engagements, 500 per page": {"mission": mission.pk, "page_size": 500},
    }
    print(f"SCALE: {total:,} engagements; user scale_civilaffairs with a token; {REPEAT} requests after {WARMUP}")
    print(f"{'request':34} {'median':>9} {'p90':>9} {'max':>9} {'cpu':>9} {'queries':>8} {'rows':>5} {'size':>9}")
    try:
        for label, params in urls.items():
            result = measure(client, f"/api/v1/engagements/?{urlencode(params)}")
            flag = "" if "500" in label else ("  OK" if result["median"] < TARGET_MS else f"  over {TARGET_MS} ms")
            print(
                f"{label:34} {result['median']:7.1f}ms {result['p90']:7.1f}ms {result['max']:7.1f}ms "
                f"{result['cpu']:7.1f}ms {result['queries']:8d} {result['rows']:5d} {result['kb']:7.1f}KB{flag}"
            )
    finally:
        api_token_revoke(token=token, user=user)
    print(f"Target: a page of 100 engagements, median < {TARGET_MS} ms.")
    print("cpu: median CPU time of this Python process per request (excludes waiting for a busy CPU and the")
    print("database's own time); on a loaded machine it shows what the request costs, wall time what it waited.")


if __name__ == "__main__":
    main()
