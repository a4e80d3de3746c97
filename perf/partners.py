"""Measure the partners pages on the SCALE data set (2,000 partners, 100,000 engagements).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_perf .venv/bin/python perf/partners.py

Migrates first (so the full-text GIN index of partners migration 0002 exists), seeds SCALE if missing,
then prints, through the Django test client (all middleware, session, auth, templates; DEBUG off):
the median server time of REPEAT requests after WARMUP, the query count and the HTML size of
- the engagement log: unfiltered, with each filter, with all filters, and with text search
  (targets: < 150 ms; search < 300 ms), plus a deep keyset page;
- the partner page of the busiest partner (target < 150 ms), the registry, the overview, the portal
  (as `scale_partner1`) and the API engagement list;
and the PostgreSQL plan of a text search (whether it uses the GIN index).
"""

from __future__ import annotations

import datetime
import statistics
import time
from urllib.parse import urlencode

import _setup  # noqa: E402

_setup.django_setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from missions.models import Location  # noqa: E402
from partners import selectors  # noqa: E402
from partners.models import Engagement, Partner  # noqa: E402

WARMUP = 3
REPEAT = 21


def timed(client: Client, url: str) -> dict:
    """Over REPEAT requests after WARMUP: median and p90 wall milliseconds, median CPU milliseconds of this
    process (the app's own work, little affected by other load on the machine); then, for one more
    request, the query count, the summed SQL time and the body size."""
    for _i in range(WARMUP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    wall, cpu = [], []
    for _i in range(REPEAT):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    wall.sort()
    return {
        "median": statistics.median(wall),
        "p90": wall[int(len(wall) * 0.9)],
        "cpu": statistics.median(cpu),
        "queries": len(queries),
        "sql": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
        "size": len(response.content),
    }


def report(client, label, url, target):
    t = timed(client, url)
    flag = "ok" if t["median"] < target else "SLOW"
    print(f"  {label:<42} median {t['median']:6.0f} ms  p90 {t['p90']:6.0f}  app CPU {t['cpu']:5.0f}  "
          f"SQL {t['sql']:5.0f} ms/{t['queries']:2d} q  {t['size'] / 1024:5.1f} KB  [{flag} < {target}]")  # fmt: skip
    return t["median"]


def main() -> None:
    mission = _setup.ensure_scale()
    users = get_user_model().objects
    officer = users.get(username="scale_civilaffairs")
    n_partners = Partner.objects.filter(mission=mission).count()
    n_engagements = Engagement.objects.filter(mission=mission).count()
    print(f"SCALE: {n_partners} partners, {n_engagements} engagements, {connection.vendor}")
    print(_setup.machine_note())

    busiest = (
        Engagement.partners.through.objects.filter(engagement__mission=mission)
        .values("partner_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    partner = Partner.objects.get(pk=busiest["partner_id"])
    output = mission.outputs.order_by("id").first()
    component = mission.components.filter(kind="civil_affairs").first()
    district = Engagement.objects.filter(mission=mission, district__isnull=False).values("district").first()["district"]
    log = reverse("partners:engagement-list")

    client = Client()
    client.force_login(officer)
    print(f"\nEngagement log (as {officer.username}):")
    report(client, "no filter", log, 150)
    filters = {
        "partner": {"partner": partner.pk},
        "type": {"engagement_type": "training"},
        "component": {"component": component.pk},
        "district": {"district": district},
        "date range (one quarter)": {"date_from": "2026-01-01", "date_to": "2026-03-31"},
        "linked output": {"output": output.pk},
    }
    for label, params in filters.items():
        report(client, label, f"{log}?{urlencode(params)}", 150)
    everything = {k: v for params in filters.values() for k, v in params.items()}
    report(client, "all filters together", f"{log}?{urlencode(everything)}", 150)
    # A cursor half-way down the log (found once here with OFFSET; the page itself never uses OFFSET).
    day, pk = selectors.engagement_log(user=officer, mission=mission).values_list("date", "id")[n_engagements // 2]
    cursor = f"{day.isoformat()}_{pk}"
    report(client, "deep keyset page", f"{log}?after={cursor}", 150)

    print("\nText search (target < 300 ms):")
    for word in ("reconciliation", "borehole", "water market", '"hate speech" -radio'):
        report(client, f"q={word}", f"{log}?{urlencode({'q': word})}", 300)
    report(
        client,
        "q=reconciliation + partner filter",
        f"{log}?{urlencode({'q': 'reconciliation', 'partner': partner.pk})}",
        300,
    )

    print("\nOther pages:")
    report(client, f"partner page (busiest: {busiest['n']} engagements)",
           reverse("partners:partner-detail", args=[partner.pk]), 150)  # fmt: skip
    report(client, "registry (first page of 100)", reverse("partners:index"), 150)
    report(client, "registry, review overdue", reverse("partners:index") + "?screening=expired", 150)
    # Issue 14.6: the overview under 100 ms, for a year too.
    year_ago = (timezone.localdate() - datetime.timedelta(days=365)).isoformat()
    report(client, "overview (current quarter)", reverse("partners:overview"), 100)
    report(client, "overview (last twelve months)", reverse("partners:overview") + f"?period_start={year_ago}", 100)
    # Issue 10.6: the overview narrowed to the region and to the district of the busiest district.
    area = Location.objects.get(pk=district)
    if area.parent_id:
        report(client, f"overview, region {area.parent.name} (last twelve months)",
               reverse("partners:overview") + f"?period_start={year_ago}&region={area.parent_id}", 100)  # fmt: skip
    report(client, f"overview, district {area.name} (last twelve months)",
           reverse("partners:overview") + f"?period_start={year_ago}&district={district}", 100)  # fmt: skip
    report(client, "API engagements, partner filter", f"/api/v1/engagements/?partner={partner.pk}", 150)

    portal_user = users.get(username="scale_partner1")
    portal_client = Client()
    portal_client.force_login(portal_user)
    report(portal_client, f"portal as {portal_user.username}", reverse("partners:portal"), 150)

    # A rare word should use the GIN index; a common one walks the log newest first and stops at a page.
    # (PostgreSQL only: SQLite has no GIN index, and its EXPLAIN rows are not text lines.)
    for word in ("borehole", "reconciliation") if connection.vendor == "postgresql" else ():
        qs = selectors.engagement_log(user=officer, mission=mission, q=word)[:51]
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            lines = [row[0] for row in cursor.fetchall()]
        uses_index = any("engagement_search_document_gin" in line for line in lines)
        print(f"\nText search plan for q={word}: GIN index engagement_search_document_gin used: {uses_index}")
        print("\n".join("  " + line for line in lines[:8]))


if __name__ == "__main__":
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        main()
