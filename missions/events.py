"""Events that change someone's work, announced by the domain services.

The domain apps do not know who is told or how: they call `announce(...)` inside their transaction, and
the apps above them (notifications) listen to `work_event`. Receivers must defer side effects to
`transaction.on_commit`, so a rolled-back write announces nothing.
"""

from __future__ import annotations

from django.db.models import Model
from django.dispatch import Signal

# sender: the event name (a string such as "plan_submitted"); kwargs: obj (the model instance the event is
# about), actor (the user who caused it, or None for the system) and key (what makes this event unique).
work_event = Signal()

# Areas of a mission moved under another parent (a gazetteer import, the admin): summaries that group
# records by district listen to rebuild. sender: Location; kwargs: mission_id. Sent inside the transaction.
areas_moved = Signal()


def announce(event: str, *, obj: Model, actor=None, key: str | None = None) -> None:
    """Tell listeners that `event` happened to `obj`. `key` defaults to the object's current version,
    which every write increments: a plan submitted twice is two events, a retried task the same one."""
    if key is None:
        key = f"v{getattr(obj, 'version', '')}"
    work_event.send(sender=event, obj=obj, actor=actor, key=key)
