"""Set-based repairs of denormalised data after bulk writes (imports, seeds), run by a Celery task.

`benchmarks.services.assessment_create` keeps `Benchmark.latest_assessment` (with its status and date)
row by row; writes that bypass it (bulk_create in `seed_scale`, a restore from a dump, a future bulk
import) leave the pointer stale, and the dashboard then shows a wrong current status. One UPDATE puts it right.
"""

from __future__ import annotations

from django.db import transaction

from benchmarks import summaries
from benchmarks.models import Benchmark
from missions.models import Mission


@transaction.atomic
def benchmark_latest_refresh(*, mission_id: int) -> int:
    """Point every benchmark of the mission at its newest assessment (None when it has none), with its
    status and date (`benchmarks.summaries.latest_refresh`).

    Idempotent: returns how many benchmarks changed (0 on a second run). Two queries whatever the size:
    one reads stored and newest values side by side, one UPDATE rewrites the stale ones.
    """
    changed = summaries.latest_refresh(Benchmark.objects.filter(output__mission_id=mission_id))
    # Assessments loaded in bulk (seed_scale) bypassed the services, so the trend summaries are rebuilt too.
    summaries.summaries_rebuild(Mission.objects.get(pk=mission_id))
    return changed
