"""Speed and memory of report generation: the SCALE mission's progress report (target: under 30 s and
under 1 GB of peak memory) and the demo mission's (target: under 5 s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_perf .venv/bin/python perf/reports.py

Seeds what is missing (load_framework, seed_demo, seed_scale), then runs `report_generate` in this
process, as a worker does, for the previous calendar month, and prints the time, the peak resident
memory of the process (`resource.getrusage`, monotonic: it is the worst so far) and the page count.
Generated reports are deleted afterwards (rows and files), so the perf database does not grow.

What a 60-page report holds for thousands of benchmarks: per-output and per-term status counts (one
table row per output and term), the benchmarks whose status changed since the previous report, the
off-track and at-risk ones in full, the latest evidence per output, indicators against targets, the
60 highest-scoring risks, elections and partnership indicators. Every benchmark with its evidence is
in the XLSX; 5,000 rows of everything would be a 200-page PDF nobody at HQ reads.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.pop("CELERY_BROKER_URL", None)  # generation runs here, in-process, and is timed

import logging  # noqa: E402

import _setup  # noqa: E402  (this folder is first on sys.path)
import django  # noqa: E402

django.setup()
logging.getLogger("reports.services").setLevel(logging.INFO)  # the time of each generation step

from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from mandate import access  # noqa: E402
from missions.models import Mission  # noqa: E402
from reports import services  # noqa: E402
from reports.models import Report, ReportKind, report_folder  # noqa: E402

TARGETS = {"SCALE": 30.0, "demo": 5.0}
MEMORY_LIMIT_MB = 1024


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes


def ensure_data() -> tuple[Mission, Mission | None]:
    scale = Mission.objects.filter(acronym="SCALE").first()
    if scale is None:
        call_command("seed_scale")
        scale = Mission.objects.get(acronym="SCALE")
    demo = Mission.objects.exclude(acronym="SCALE").order_by("pk").first()
    if demo is None:
        try:
            call_command("load_framework")
            call_command("seed_demo")
        except Exception as exc:  # noqa: BLE001 - measure what can be measured, say what could not
            print(f"demo mission: seed_demo failed ({type(exc).__name__}: {exc}); skipping the demo report")
        demo = Mission.objects.exclude(acronym="SCALE").order_by("pk").first()
    return scale, demo


def run(mission: Mission, label: str) -> dict:
    hom = access.head_of_mission(mission.pk)
    start, end = services.previous_month(timezone.localdate())
    report = Report.objects.create(
        mission=mission, kind=ReportKind.PROGRESS, period_start=start, period_end=end, requested_by=hom
    )
    try:
        began, cpu_began = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            services.report_generate(report_id=report.pk)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
        report.refresh_from_db()
        if report.state != Report.State.DONE:
            raise SystemExit(f"{label}: generation failed: {report.error}")
        snapshot = report.snapshot
        return {
            "label": label,
            "mission": mission.acronym,
            "seconds": elapsed,
            "cpu": cpu,
            "peak_rss_mb": peak_rss_mb(),
            "pages": report.page_count,
            "pdf_kb": report.size_bytes / 1024,
            "html_kb": len(snapshot.body_html) / 1024,
            "xlsx_rows": sum(len(t["rows"]) for t in snapshot.tables),
            "queries": len(queries.captured_queries),
        }
    finally:
        folder = Path(default_storage.path(report_folder(report)))
        Report.objects.filter(pk=report.pk).delete()
        shutil.rmtree(folder, ignore_errors=True)


def main():
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    scale, demo = ensure_data()
    results = ([run(demo, "demo")] if demo else []) + [run(scale, "SCALE")]
    print(_setup.machine_note())
    print(f"{'report':8} {'mission':8} {'time':>8} {'CPU':>8} {'target':>7} {'peak RSS':>10} {'pages':>6} {'PDF':>9} "
          f"{'HTML':>9} {'XLSX rows':>10} {'queries':>8}")  # fmt: skip
    failed = False
    for r in results:
        target = TARGETS[r["label"]]
        ok = r["seconds"] < target and r["peak_rss_mb"] < MEMORY_LIMIT_MB
        failed |= not ok
        print(
            f"{r['label']:8} {r['mission']:8} {r['seconds']:7.2f}s {r['cpu']:7.2f}s {target:6.0f}s "
            f"{r['peak_rss_mb']:8.0f}MB "
            f"{r['pages']:6d} {r['pdf_kb']:7.0f}KB {r['html_kb']:7.0f}KB {r['xlsx_rows']:10d} {r['queries']:8d}"
            f"  {'ok' if ok else 'OVER TARGET'}"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
