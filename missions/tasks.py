"""Celery tasks of the import pipeline: they take a job id and a step, call the pipeline, and can run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from config.celery import app
from missions import pipeline


class ImportTask(app.Task):
    # app.Task, not celery's Task: without a broker the step runs in the web process's background thread
    # (config.celery), not inside the request that uploaded or confirmed (a 200,000-row parse would hold it).
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries are exhausted (e.g. SQLite stayed locked): the job goes back a step, its rows kept.
        job_id, step = (list(args) + [kwargs.get("job_id"), kwargs.get("step")])[:2]
        if job_id is not None:
            pipeline.import_job_interrupted(job_id=job_id, step=step)


@shared_task(
    base=ImportTask,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    # SQLite: a colleague's long write can outlast the busy timeout; the step starts again later, the job
    # keeps its parsed rows meanwhile (nothing is lost, nothing half-written).
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=30,
    max_retries=5,
)
def run_import_job(job_id: int, step: str) -> None:
    """One step ("parse", "check" or "import") of an import job (missions.pipeline.import_job_run)."""
    pipeline.import_job_run(job_id=job_id, step=step)


@shared_task(acks_late=True, soft_time_limit=30, time_limit=60)
def release_stalled_import_jobs() -> int:
    """Celery beat, every minute: jobs stuck running because their worker died go back a step (see the service)."""
    return len(pipeline.import_jobs_release_stalled())
