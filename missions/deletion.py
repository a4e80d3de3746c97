"""What a deletion takes with it, so that a page can say so and ask before it happens.

`dependents_of(instance)` lists the rows Django's delete would remove along with `instance` (its
on_delete=CASCADE relations, followed as deep as they go), by model. A service that deletes something
with dependents asks for `confirmed=True`, and raises `DeletionNeedsConfirmation` (carrying the list) without
it; the page then shows the list and a confirmation button. History rows (django-simple-history) are not
dependents: they stay, and show the deletion.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import router
from django.db.models import Model
from django.db.models.deletion import Collector
from django.utils.translation import gettext as _

EXAMPLES_SHOWN = 5


@dataclass(frozen=True)
class Dependent:
    label: str  # the model's verbose name (plural when count > 1)
    count: int
    examples: list[str]  # the first few, as str()


class DeletionNeedsConfirmation(Exception):
    """The deletion would also remove `dependents`; ask the user, then call again with confirmed=True."""

    def __init__(self, instance: Model, dependents: list[Dependent]):
        self.instance = instance
        self.dependents = dependents
        super().__init__(
            _("Deleting %(item)s would also delete: %(list)s.")
            % {"item": instance, "list": ", ".join(f"{d.count} {d.label}" for d in dependents)}
        )


def dependents_of(instance: Model) -> list[Dependent]:
    """The rows deleted with `instance`, by model (not `instance` itself). Queries: one per related model."""
    collector = Collector(using=router.db_for_write(type(instance), instance=instance), origin=instance)
    collector.collect([instance])
    found: dict[type[Model], list[Model]] = {}
    for model, objects in collector.data.items():
        found.setdefault(model, []).extend(obj for obj in objects if obj != instance)
    counts = {model: len(objects) for model, objects in found.items()}
    for queryset in collector.fast_deletes:  # rows without signals or further cascades, deleted by one query
        found.setdefault(queryset.model, [])
        counts[queryset.model] = counts.get(queryset.model, 0) + queryset.count()
    dependents = []
    for model, count in counts.items():
        # The rows of an automatic many-to-many table are links, not records anyone would miss.
        if count and not model._meta.auto_created:
            meta = model._meta
            examples = [str(obj) for obj in found[model][:EXAMPLES_SHOWN]]
            label = meta.verbose_name_plural if count > 1 else meta.verbose_name
            dependents.append(Dependent(label=str(label), count=count, examples=examples))
    return sorted(dependents, key=lambda d: d.label)


def require_confirmation(instance: Model, *, confirmed: bool) -> None:
    """Raise DeletionNeedsConfirmation when deleting `instance` would take other rows and it was not confirmed."""
    if confirmed:
        return
    dependents = dependents_of(instance)
    if dependents:
        raise DeletionNeedsConfirmation(instance, dependents)
