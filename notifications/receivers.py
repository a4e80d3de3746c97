"""Listens to the domain apps' events (missions.events) and records notifications after commit."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from missions.events import work_event


@receiver(work_event)
def on_work_event(sender, *, obj, actor=None, key="", **kwargs):
    from notifications import tasks

    actor_id = getattr(actor, "pk", None)
    # After commit, so that a rolled-back write tells nobody, and the worker reads the committed row.
    transaction.on_commit(lambda: tasks.record_event.delay(sender, obj.pk, actor_id, key))
