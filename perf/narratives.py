"""The SCALE progress report with a narrative for each of its 50 outputs, the HoM's overview and a mandate of
20 tasks, by output and by mandate task. Targets: at least 5 pages per second, under 500 MB peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_perf .venv/bin/python perf/narratives.py

Seeds SCALE when missing (seed_scale), adds the narratives, overview and mandate tasks for the previous
calendar month, runs `report_generate` in this process as a worker does, and prints the time, pages per
second, peak resident memory (monotonic, the worst so far) and queries. Everything it adds is removed after.
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

import django  # noqa: E402

django.setup()

from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.models import OperationalOutput  # noqa: E402
from mandate import access  # noqa: E402
from missions.models import Mission  # noqa: E402
from narratives.models import MandateTask, Narrative, Overview, Rating  # noqa: E402
from reports import services  # noqa: E402
from reports.models import Report, ReportKind, SectionsBy, report_folder  # noqa: E402

PAGES_PER_SECOND = 5.0
MEMORY_LIMIT_MB = 500
PARAGRAPH = (
    "Dialogue between the parties resumed in four of the six regions; the joint commission met twice and "
    "agreed a calendar for the cantonment of combatants. Local peace committees report fewer incidents. "
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes


@transaction.atomic
def add_narratives(mission: Mission, hom, start, end) -> list:
    outputs = list(OperationalOutput.objects.filter(mission=mission, retired_at__isnull=True).order_by("order", "pk"))
    narratives = Narrative.objects.bulk_create(
        Narrative(
            output=o, period_start=start, period_end=end, written_by=hom, progress=PARAGRAPH * 4,
            challenges=PARAGRAPH * 2, next_steps=PARAGRAPH, rating=Rating.SOME_PROGRESS,
            status=Narrative.Status.VALIDATED if i % 3 else Narrative.Status.SUBMITTED, reviewed_by=hom,
        )
        for i, o in enumerate(outputs)
    )  # fmt: skip
    overview = Overview.objects.create(
        mission=mission, period_start=start, period_end=end, text=PARAGRAPH * 8, written_by=hom
    )
    tasks = []
    for n in range(20):
        task = MandateTask.objects.create(
            mission=mission, resolution="S/RES/9999 (2026)", paragraph=f"perf-{n}", short_title=f"Task {n}",
            text=PARAGRAPH, order=n,
        )  # fmt: skip
        task.outputs.set(outputs[n * 2 : n * 2 + 3])
        tasks.append(task)
    return [*narratives, overview, *tasks]


def run(mission: Mission, hom, start, end, sections_by: str) -> dict:
    report = Report.objects.create(
        mission=mission, kind=ReportKind.PROGRESS, period_start=start, period_end=end, requested_by=hom,
        sections_by=sections_by,
    )  # fmt: skip
    try:
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            services.report_generate(report_id=report.pk)
        elapsed = time.perf_counter() - began
        report.refresh_from_db()
        if report.state != Report.State.DONE:
            raise SystemExit(f"generation failed: {report.error}")
        return {
            "by": sections_by,
            "seconds": elapsed,
            "pages": report.page_count,
            "pages_per_second": report.page_count / elapsed,
            "peak_rss_mb": peak_rss_mb(),
            "queries": len(queries.captured_queries),
        }
    finally:
        folder = Path(default_storage.path(report_folder(report)))
        Report.objects.filter(pk=report.pk).delete()
        shutil.rmtree(folder, ignore_errors=True)


def main():
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    scale = Mission.objects.filter(acronym="SCALE").first()
    if scale is None:
        call_command("seed_scale")
        scale = Mission.objects.get(acronym="SCALE")
    hom = access.head_of_mission(scale.pk)
    start, end = services.previous_month(timezone.localdate())
    added = add_narratives(scale, hom, start, end)
    try:
        results = [run(scale, hom, start, end, by) for by in (SectionsBy.OUTPUT, SectionsBy.MANDATE_TASK)]
    finally:
        for row in reversed(added):
            type(row).objects.filter(pk=row.pk).delete()
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time suffers on a busy machine)")
    failed = False
    for r in results:
        ok = r["pages_per_second"] >= PAGES_PER_SECOND and r["peak_rss_mb"] < MEMORY_LIMIT_MB
        failed |= not ok
        print(
            f"sections by {r['by']:13} {r['seconds']:6.2f}s {r['pages']:4d} pages {r['pages_per_second']:5.1f} pages/s "
            f"(target >= {PAGES_PER_SECOND:.0f}) peak RSS {r['peak_rss_mb']:.0f} MB (target < {MEMORY_LIMIT_MB}) "
            f"{r['queries']} queries {'ok' if ok else 'MISSED'}"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
