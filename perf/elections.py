"""Measure election support on the SCALE data set (5,000 polling sites): readiness, site list, map, import.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_perf .venv/bin/python perf/elections.py

Prints, as the electoral officer of SCALE (`scale_electoral`) through the Django test client (all
middleware, session, auth, template rendering; DEBUG off as in production):
- the readiness page (whole plan and one district), the polling-site list (first page, a filtered page,
  a search) and the offline SVG map: median server time over REPEAT requests after WARMUP, query count
  and response size (targets: median < 300 ms, constant queries);
- a baseline (the home page), to read the others against on a loaded machine;
- the import of a 5,000-row CSV into a throwaway election plan's draft revision: parsing and checking
  (the preview), the all-or-nothing import (service), and the same through the pages (upload -> preview
  -> confirm); target < 20 s. The throwaway plan, its sites and their history rows are removed afterwards.
"""

from __future__ import annotations

import statistics
import tempfile
import time

import _setup  # noqa: E402

_setup.django_setup(VAR_DIR=tempfile.mkdtemp(prefix="mandate-perf-elections-"))

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from elections.models import SecurityPlan  # noqa: E402

WARMUP = 3
REPEAT = 21
USERNAME = "scale_electoral"


def timed(client: Client, url: str) -> tuple[float, int, int]:
    """Median milliseconds over REPEAT requests after WARMUP, the query count and the response size."""
    for _i in range(WARMUP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _i in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return statistics.median(samples), len(queries), len(response.content)


def main() -> None:
    mission = _setup.ensure_scale()
    user = get_user_model().objects.get(username=USERNAME)
    security_plan = (
        SecurityPlan.objects.filter(election_plan__mission=mission).select_related("election_plan").latest("revision")
    )
    n_sites = security_plan.sites.count()
    client = Client()
    client.force_login(user)
    print(f"SCALE: {n_sites} polling sites in revision {security_plan.revision}, {connection.vendor}")

    district = security_plan.sites.values_list("district_id", flat=True).first()
    cases = [
        # The floor every page pays (session, auth, navigation, base template): read the others against it.
        ("baseline: home page", reverse("home")),
        ("readiness, whole plan", reverse("elections:readiness", args=[security_plan.pk])),
        ("readiness, one district", reverse("elections:readiness", args=[security_plan.pk]) + f"?district={district}"),
        ("site list, first page", reverse("elections:site-list", args=[security_plan.pk])),
        (
            "site list, filtered",
            reverse("elections:site-list", args=[security_plan.pk]) + f"?district={district}&risk=high&has_tasks=no",
        ),
        ("site list, search, page 3", reverse("elections:site-list", args=[security_plan.pk]) + "?q=00&page=3"),
        ("map (SVG), whole plan", reverse("elections:site-map", args=[security_plan.pk])),
    ]
    print(f"\n{'page':28} {'median':>9} {'queries':>8} {'size':>9}")
    for label, url in cases:
        ms, queries, size = timed(client, url)
        print(f"{label:28} {ms:7.1f}ms {queries:8d} {size / 1024:7.1f}KB")
    print("(target: median < 300 ms; the query counts do not depend on the number of sites)")

    # The polling-site import is measured at national scale by perf/site_import.py.


if __name__ == "__main__":
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        main()
