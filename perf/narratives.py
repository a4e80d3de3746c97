"""The SCALE progress report with a narrative for each of its 50 outputs, the HoM's overview, a mandate of 20
tasks and evidence files, by output and by mandate task. Targets: at least 5 pages per second, under 500 MB
peak memory in the worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_perf .venv/bin/python perf/narratives.py

Seeds SCALE when missing (seed_scale), adds the narratives, overview, mandate tasks and evidence for the previous
calendar month, and runs `report_generate` as a worker does, each generation in a process of its own (forked
from this one, with Django loaded as in a worker), so that the peak resident memory printed is that
generation's alone and not the worst of the whole script. Prints the time, pages, pages per second, peak memory
and queries. Everything it adds (rows, history rows, notifications, files) is removed after.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import _setup  # noqa: E402

# In the report process: generation runs there, not in a Celery worker of the environment.
os.environ.pop("CELERY_BROKER_URL", None)
_setup.django_setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.models import Assessment, OperationalOutput  # noqa: E402
from mandate import access  # noqa: E402
from missions.models import Mission  # noqa: E402
from narratives.models import Attachment, MandateTask, Narrative, Overview, Rating  # noqa: E402
from notifications.models import Notification  # noqa: E402
from reports import services  # noqa: E402
from reports.models import Report, ReportKind, SectionsBy, report_folder  # noqa: E402

PAGES_PER_SECOND = 5.0
MEMORY_LIMIT_MB = 500
RESOLUTION = "S/RES/9999 (2026)"  # the perf mandate's resolution: what this script adds, and removes
EVIDENCE_FILES = 200
PARAGRAPH = (
    "Dialogue between the parties resumed in four of the six regions; the joint commission met twice and "
    "agreed a calendar for the cantonment of combatants. Local peace committees report fewer incidents. "
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 4096


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes


def rss_mb() -> float:
    """Resident memory now (a forked child starts with its parent's resident pages, as a Celery pool child does)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def remove_added(mission: Mission, start, end) -> None:
    """What an earlier (interrupted) run of this script may have left, and what this one added."""
    narratives = Narrative.objects.filter(output__mission=mission, period_start=start, period_end=end)
    Narrative.history.filter(output__mission=mission, period_start=start, period_end=end).delete()
    files = Attachment.objects.filter(mission=mission, name__startswith="perf-evidence-")
    for attachment in files:
        attachment.file.delete(save=False)
    files.delete()
    narratives.delete()
    Overview.objects.filter(mission=mission, period_start=start, period_end=end).delete()
    Overview.history.filter(mission=mission, period_start=start, period_end=end).delete()
    MandateTask.objects.filter(mission=mission, resolution=RESOLUTION).delete()
    MandateTask.history.filter(mission=mission, resolution=RESOLUTION).delete()


@transaction.atomic
def add_narratives(mission: Mission, hom, start, end) -> None:
    outputs = list(OperationalOutput.objects.filter(mission=mission, retired_at__isnull=True).order_by("order", "pk"))
    narratives = Narrative.objects.bulk_create(
        Narrative(
            output=o, period_start=start, period_end=end, written_by=hom, progress=PARAGRAPH * 4,
            challenges=PARAGRAPH * 2, next_steps=PARAGRAPH, rating=Rating.SOME_PROGRESS,
            status=Narrative.Status.VALIDATED if i % 3 else Narrative.Status.SUBMITTED,
            reviewed_by=hom if i % 3 else None, reviewed_at=timezone.now() if i % 3 else None,
        )
        for i, o in enumerate(outputs)
    )  # fmt: skip
    Overview.objects.create(mission=mission, period_start=start, period_end=end, text=PARAGRAPH * 8, written_by=hom)
    for n in range(20):
        task = MandateTask.objects.create(
            mission=mission, resolution=RESOLUTION, paragraph=f"perf-{n}", short_title=f"Task {n}",
            text=PARAGRAPH, order=n,
        )  # fmt: skip
        task.outputs.set(outputs[n * 2 : n * 2 + 3])
    # Evidence on the period's assessments and on the narratives: listed in an annex, never embedded.
    assessments = list(
        Assessment.objects.filter(benchmark__output__mission=mission, assessed_on__gte=start, assessed_on__lte=end)
        .order_by("pk")
        .values_list("pk", flat=True)[: EVIDENCE_FILES // 2]
    )
    targets = [(Assessment, pk) for pk in assessments] + [(Narrative, n.pk) for n in narratives]
    from django.contrib.contenttypes.models import ContentType

    for i, (model, pk) in enumerate(targets[:EVIDENCE_FILES]):
        attachment = Attachment(
            mission=mission, content_type=ContentType.objects.get_for_model(model), object_id=pk,
            token=f"perf{i:028d}", extension=".png", name=f"perf-evidence-{i}.png", kind=Attachment.Kind.PNG,
            size_bytes=len(PNG), sha256="0" * 64, uploaded_by=hom,
        )  # fmt: skip
        attachment.file.save(f"{attachment.token}.png", ContentFile(PNG), save=False)
        attachment.save()


def _generate(mission_id: int, hom_id: int, start, end, sections_by: str, results) -> None:
    """In the child process: one generation, as a worker runs it; reports its numbers through `results`."""
    from django.contrib.auth import get_user_model

    hom = get_user_model().objects.get(pk=hom_id)
    report = Report.objects.create(
        mission_id=mission_id, kind=ReportKind.PROGRESS, period_start=start, period_end=end, requested_by=hom,
        sections_by=sections_by,
    )  # fmt: skip
    try:
        start_rss = rss_mb()
        began, cpu_began = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            services.report_generate(report_id=report.pk)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
        report.refresh_from_db()
        if report.state != Report.State.DONE:
            results.put({"by": sections_by, "error": report.error})
            return
        results.put(
            {
                "by": sections_by,
                "seconds": elapsed,
                "cpu": cpu,
                "start_rss_mb": start_rss,
                "pages": report.page_count,
                "pages_per_second": report.page_count / elapsed,
                "peak_rss_mb": peak_rss_mb(),
                "queries": len(queries.captured_queries),
                "bytes": report.file.size,
            }
        )
    finally:
        folder = Path(default_storage.path(report_folder(report)))
        Notification.objects.filter(event_key__startswith=f"report_ready:{report.pk}:").delete()
        Report.objects.filter(pk=report.pk).delete()
        shutil.rmtree(folder, ignore_errors=True)


def run(mission: Mission, hom, start, end, sections_by: str) -> dict:
    connections.close_all()  # the child opens its own connection
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_generate, args=(mission.pk, hom.pk, start, end, sections_by, results))
    child.start()
    result = results.get()
    child.join()
    if "error" in result:
        raise SystemExit(f"generation failed: {result['error']}")
    return result


def main():
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    with _setup.unhashed_static():
        scale = _setup.ensure_scale()
        hom = access.head_of_mission(scale.pk)
        start, end = services.previous_month(timezone.localdate())
        remove_added(scale, start, end)
        add_narratives(scale, hom, start, end)
        print(f"before generating: {peak_rss_mb():.0f} MB resident in this process (Django loaded, seeded)")
        try:
            results = [run(scale, hom, start, end, by) for by in (SectionsBy.OUTPUT, SectionsBy.MANDATE_TASK)]
        finally:
            remove_added(scale, start, end)
    print(_setup.machine_note())
    failed = False
    for r in results:
        ok = r["pages_per_second"] >= PAGES_PER_SECOND and r["peak_rss_mb"] < MEMORY_LIMIT_MB
        failed |= not ok
        print(
            f"sections by {r['by']:13} {r['seconds']:6.2f}s ({r['cpu']:.2f}s CPU) {r['pages']:4d} pages "
            f"{r['pages_per_second']:5.1f} pages/s ({r['pages'] / r['cpu']:.1f} per CPU second; target >= "
            f"{PAGES_PER_SECOND:.0f}) peak RSS {r['peak_rss_mb']:.0f} MB (from {r['start_rss_mb']:.0f} MB at the "
            f"start; target < {MEMORY_LIMIT_MB}) "
            f"{r['queries']} queries {r['bytes'] / 1e6:.1f} MB PDF {'ok' if ok else 'MISSED'}"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
