"""Measure accent- and case-insensitive search on the SCALE data set (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_perf .venv/bin/python perf/search.py

Prints, for each search the pages and the API run (polling sites by code or name, the partner registry by
name or acronym, the engagement log's full text, locations), the median time of the selector's count and
first page over REPEAT runs, and the PostgreSQL plan of the count: whether the trigram (pg_trgm) or
full-text index of missions/partners/elections migrations is used. Targets: an index scan for every
selective search, and < 100 ms for the site search on 200,000 sites (`seed_scale --polling-sites 200000`).

The seeded names are plain ASCII ("Polling centre 00042"); searches for words the data lack still show the
plan, and a data set with accented names (the gazetteer helper's `seed_scale` options, or real data) shows
the matches.
"""

from __future__ import annotations

import re
import statistics
import time

import _setup  # noqa: E402

_setup.django_setup()

from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402

from elections import selectors as election_selectors  # noqa: E402
from elections.models import PollingSite, SecurityPlan  # noqa: E402
from mandate import access  # noqa: E402
from missions.models import Location  # noqa: E402
from missions.search import search_filter  # noqa: E402
from partners import selectors as partner_selectors  # noqa: E402

REPEAT = 11
SITE_QUERIES = ["mosquee de bani", "ECOLE", "centre 01234", "segou 4242", "12345", "zzzz"]
PARTNER_QUERIES = ["cedeao", "solidarite", "Partner 00042", "afp12"]
LOG_QUERIES = ["reconciliation", "solidarite", "cedeao", "radio hate speech"]


def measure(label: str, make_qs, page=None) -> None:
    """`page(qs)` -> row count: how the page reads it (default: a full count and the first 50 rows)."""
    times, count = [], 0
    for _i in range(REPEAT):
        start = time.perf_counter()
        qs = make_qs()
        if page is None:
            count = qs.count()
            list(qs[:50])
        else:
            count = page(qs)
        times.append((time.perf_counter() - start) * 1000)
    plan = make_qs().order_by().explain()
    uses = sorted(set(re.findall(r"Index Scan on (\w+)", plan)) | set(re.findall(r"(Seq Scan on \w+)", plan)))
    uses = [u for u in uses if "missions_location" not in u]  # the district join: a few hundred rows
    print(f"{label:<44} {count:>7} rows {statistics.median(times):7.1f} ms  {', '.join(uses) or '-'}")


def main() -> None:
    mission = _setup.ensure_scale()
    plan = SecurityPlan.objects.filter(election_plan__mission=mission).order_by("-pk").first()
    sites = PollingSite.objects.filter(security_plan=plan).count()
    print(f"PostgreSQL {connection.pg_version}; SCALE: {sites:,} polling sites in plan {plan.pk}")
    for q in SITE_QUERIES:
        measure(
            f"sites q={q!r}",
            lambda q=q: election_selectors.polling_sites(plan, election_selectors.SiteFilters(q=q)),
        )
    for q in SITE_QUERIES[:3]:  # before: main's accent-sensitive search (icontains), same data, for comparison
        measure(
            f"sites icontains={q!r} (before)",
            lambda q=q: election_selectors.polling_sites(plan).filter(Q(code__icontains=q) | Q(name__icontains=q)),
        )
    for q in PARTNER_QUERIES:
        measure(
            f"partners q={q!r}",
            lambda q=q: partner_selectors.partner_list(user=access.SYSTEM, mission=mission, q=q),
        )
    for q in LOG_QUERIES:
        measure(
            f"engagements q={q!r}",
            lambda q=q: partner_selectors.engagement_log(user=access.SYSTEM, mission=mission, q=q),
            page=lambda qs: partner_selectors.engagement_log_page(qs).count,  # keyset page, count capped
        )
    for q in ["district 042", "region"]:
        measure(f"locations q={q!r}", lambda q=q: search_filter(Location.objects.filter(mission=mission), q, ["name"]))
    print("\nPlan of the site search 'mosquee de bani':")
    print(
        election_selectors.polling_sites(plan, election_selectors.SiteFilters(q="mosquee de bani"))
        .order_by()
        .explain(analyze=True)
    )


if __name__ == "__main__":
    main()
