"""Celery tasks of the missions app: they take ids, call a service, and can run twice safely."""

from __future__ import annotations

from celery import shared_task

from mandate.maintenance import benchmark_latest_refresh


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def refresh_latest_assessments(mission_id: int) -> int:
    """Repair the benchmarks' current-assessment pointers of one mission after a bulk write."""
    return benchmark_latest_refresh(mission_id=mission_id)
