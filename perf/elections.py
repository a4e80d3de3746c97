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

import datetime
import statistics
import tempfile
import time

import _setup  # noqa: E402

_setup.django_setup(VAR_DIR=tempfile.mkdtemp(prefix="mandate-perf-elections-"))

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from elections import services  # noqa: E402
from elections.models import ElectionPlan, PollingSite, SecurityPlan  # noqa: E402
from missions.imports import read_table  # noqa: E402
from missions.models import Location, Mission  # noqa: E402

WARMUP = 3
REPEAT = 21
USERNAME = "scale_electoral"
IMPORT_ROWS = 5000


def ensure_data() -> Mission:
    mission = Mission.objects.filter(acronym="SCALE").first()
    if mission is None:
        print("SCALE mission missing: migrating and running seed_scale (takes a few minutes)...")
        call_command("migrate", verbosity=0)
        call_command("seed_scale")
        mission = Mission.objects.get(acronym="SCALE")
    return mission


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


def csv_rows(districts: list[Location], n: int) -> bytes:
    lines = ["code,name,district,locality,latitude,longitude,registered_voters"]
    for i in range(n):
        d = districts[i % len(districts)]
        lat = float(d.latitude or 5) + (i % 50) / 100
        lon = float(d.longitude or 20) + (i % 40) / 100
        lines.append(f"PERF-{i:05d},Perf school {i},{d.name},Village {i % 300},{lat:.5f},{lon:.5f},{500 + i % 900}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def throwaway_plan(mission: Mission, user) -> SecurityPlan:
    polling = datetime.date.today() + datetime.timedelta(days=200)
    plan = ElectionPlan.objects.create(
        mission=mission, name="perf: throwaway import target", election_type="local", polling_start=polling,
        polling_end=polling,
    )  # fmt: skip
    return SecurityPlan.objects.create(election_plan=plan, revision=1)


def cleanup(security_plan: SecurityPlan) -> None:
    with transaction.atomic():
        plan_id = security_plan.election_plan_id
        PollingSite.history.filter(security_plan_id=security_plan.pk).delete()
        security_plan.sites.all().delete()
        SecurityPlan.history.filter(election_plan_id=plan_id).delete()
        ElectionPlan.history.filter(id=plan_id).delete()
        ElectionPlan.objects.filter(pk=plan_id).delete()


def measure_import(mission: Mission, user, client: Client) -> None:
    districts = list(Location.objects.filter(mission=mission, level=Location.Level.DISTRICT).order_by("name"))
    data = csv_rows(districts, IMPORT_ROWS)
    print(f"\nImport of a {IMPORT_ROWS}-row CSV ({len(data) / 1024:.0f} KB) into a throwaway draft:")

    target = throwaway_plan(mission, user)
    try:
        start = time.perf_counter()
        rows = read_table(SimpleUploadedFile("sites.csv", data), aliases=services.SITE_IMPORT_ALIASES)
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        report, _sites = services.polling_sites_parse(security_plan=target, rows=rows)
        check_s = time.perf_counter() - start
        assert report.ok, report.errors[:5]
        start = time.perf_counter()
        report = services.polling_sites_import(security_plan=target, user=user, rows=rows)
        import_s = time.perf_counter() - start
        assert report.ok and report.created == IMPORT_ROWS, report.errors[:5]
        print(f"  read CSV          : {read_s:6.2f} s")
        print(f"  check rows        : {check_s:6.2f} s   (the preview)")
        print(f"  import (service)  : {import_s:6.2f} s   ({report.created} sites + history + risk; target < 20 s)")
    finally:
        cleanup(target)

    target = throwaway_plan(mission, user)
    try:
        start = time.perf_counter()
        response = client.post(
            reverse("elections:site-import", args=[target.pk]), {"file": SimpleUploadedFile("sites.csv", data)}
        )
        preview_s = time.perf_counter() - start
        assert response.status_code == 200 and b"ready to import" in response.content, response.content[:2000]
        start = time.perf_counter()
        response = client.post(reverse("elections:site-import-confirm", args=[target.pk]))
        confirm_s = time.perf_counter() - start
        created = target.sites.count()
        assert response.status_code == 302 and created == IMPORT_ROWS, (response.status_code, created)
        print(
            f"  pages: upload+preview {preview_s:5.2f} s, confirm {confirm_s:5.2f} s, "
            f"total {preview_s + confirm_s:5.2f} s"
        )
        # The same file again: every code is now a duplicate; the report lists them and nothing is written.
        start = time.perf_counter()
        report = services.polling_sites_import(
            security_plan=target, user=user, rows=read_table(SimpleUploadedFile("again.csv", data))
        )
        print(
            f"  same file again (every code a duplicate): {len(report.errors)} errors reported in "
            f"{time.perf_counter() - start:5.2f} s, {target.sites.count() - created} rows written"
        )
    finally:
        cleanup(target)


def main() -> None:
    mission = ensure_data()
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

    measure_import(mission, user, client)


if __name__ == "__main__":
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        main()
