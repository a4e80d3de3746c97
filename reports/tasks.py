"""Celery tasks of the reports app: they take ids, call a service, and can run twice safely.

Reliability settings (config/settings.py): late acknowledgement, rejection when the worker is lost,
prefetch of one, a visibility timeout above the hard time limit, a memory cap per worker child.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils.translation import gettext as _

from config.celery import app
from reports import services


class ReportTask(app.Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries are exhausted (or the error was not retryable): tell the user instead of spinning forever.
        report_id = kwargs.get("report_id", args[0] if args else None)
        if report_id is not None:
            services.report_mark_failed(
                report_id=report_id,
                reason=_("Generation kept failing on a temporary error (%(error)s). Retry it later.")
                % {"error": type(exc).__name__},
            )


@shared_task(
    base=ReportTask,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    autoretry_for=(services.TransientReportError,),
    retry_backoff=5,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=4,
)
def generate_report(report_id: int) -> None:
    """Generate one report (idempotent: a redelivered task for a report already done does nothing)."""
    services.report_generate(report_id=report_id)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=120)
def generate_scheduled_reports() -> int:
    """Celery beat, monthly: the previous month's progress report for every enabled schedule (once per period)."""
    return len(services.reports_generate_scheduled())


@shared_task(acks_late=True, soft_time_limit=30, time_limit=60)
def requeue_stalled_reports() -> int:
    """Celery beat, every minute: running reports whose worker died are queued again (see the service)."""
    return len(services.reports_requeue_stalled())
