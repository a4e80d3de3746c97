"""Set-based repairs of denormalised data after bulk writes (imports, seeds), run by a Celery task.

`benchmarks.services.assessment_create` keeps `Benchmark.latest_assessment` row by row; writes that
bypass it (bulk_create in `seed_scale`, a restore from a dump, a future bulk import) leave the pointer
stale, and the dashboard then shows a wrong current status. One UPDATE puts it right.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import OuterRef, Subquery

from benchmarks import summaries
from benchmarks.models import Assessment, Benchmark
from missions.models import Mission


def _newest_assessment():
    # Same order as assessment_create: assessment date, then time of recording, then id.
    newest = Assessment.objects.filter(benchmark=OuterRef("pk")).order_by("-assessed_on", "-created_at", "-id")
    return Subquery(newest.values("pk")[:1])


@transaction.atomic
def benchmark_latest_refresh(*, mission_id: int) -> int:
    """Point every benchmark of the mission at its newest assessment (None when it has none).

    Idempotent: returns how many pointers changed (0 on a second run). Two queries whatever the size:
    one reads current and newest ids side by side, one UPDATE rewrites the stale ones.
    """
    rows = Benchmark.objects.filter(output__mission_id=mission_id).annotate(newest_id=_newest_assessment())
    stale = [
        pk for pk, current, newest in rows.values_list("pk", "latest_assessment_id", "newest_id") if current != newest
    ]
    changed = Benchmark.objects.filter(pk__in=stale).update(latest_assessment=_newest_assessment()) if stale else 0
    # Assessments loaded in bulk (seed_scale) bypassed the services, so the trend summaries are rebuilt too.
    summaries.summaries_rebuild(Mission.objects.get(pk=mission_id))
    return changed
