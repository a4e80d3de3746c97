"""The Celery app, and how tasks run without a broker.

With `CELERY_BROKER_URL` set, `task.delay()` sends the task to Redis and a worker runs it. Without one (the
embedded default of `make run`), tasks are eager; `TASKS_IN_BACKGROUND` (on there, off in tests, which
want a task done when `delay` returns) runs them in one background thread of the web process instead of
inside the request that asked: a report or a 200,000-row import never holds a web request, and the page
that started it follows its progress as it would with a worker.
"""

import logging
import os
import queue
import threading

from celery import Celery
from celery import Task as CeleryTask
from celery.result import AsyncResult
from celery.utils import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)


class Task(CeleryTask):
    """The base of every task of the project (`app.Task`): eager tasks may run in the background thread."""

    def apply_async(self, args=None, kwargs=None, task_id=None, **options):
        from django.conf import settings

        if self.app.conf.task_always_eager and getattr(settings, "TASKS_IN_BACKGROUND", False):
            task_id = task_id or uuid()
            _background().put((self, args or (), kwargs or {}, task_id))
            return AsyncResult(task_id, app=self.app)
        return super().apply_async(args, kwargs, task_id=task_id, **options)


_queue: queue.Queue | None = None
_lock = threading.Lock()


def _background() -> queue.Queue:
    """The queue of the one background thread (started on first use), like a worker with one process."""
    global _queue
    with _lock:
        if _queue is None:
            _queue = queue.Queue()
            threading.Thread(target=_work, args=(_queue,), name="mandate-tasks", daemon=True).start()
    return _queue


def _work(tasks: queue.Queue) -> None:
    from django.db import close_old_connections, connections

    while True:
        task, args, kwargs, task_id = tasks.get()
        close_old_connections()
        try:
            # `apply` is what an eager `delay` runs: the same retries, time limits aside, and error handlers.
            task.apply(args, kwargs, task_id=task_id)
        except Exception:  # noqa: BLE001 - a failing task must not stop the thread that runs the others
            logger.exception("Background task %s failed", task.name)
        finally:
            connections.close_all()
            tasks.task_done()


app = Celery("mandate", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
