"""Writes of the results framework: the library, a mission's plan, assessments.

Every service takes the acting user and asks `mandate.access` first (PermissionDenied otherwise);
commands and seeding pass `access.SYSTEM`. Edits claim the version the editor started from.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from benchmarks import summaries
from benchmarks.models import (
    Activity,
    Assessment,
    Benchmark,
    Indicator,
    IndicatorValue,
    LibraryBenchmark,
    LibraryOutput,
    OperationalOutput,
    Retirable,
    Risk,
)
from mandate import access
from missions.area_filter import check_area
from missions.concurrency import claim_version
from missions.models import Component, Location, Mission

FRAMEWORK_FILE = Path(__file__).resolve().parent / "framework" / "handbook.json"

_require = access.require


@transaction.atomic
def framework_load(*, user, path: Path = FRAMEWORK_FILE) -> dict[str, int]:
    """Load the framework library from its data file; idempotent (a second run changes nothing).

    Outputs are matched by their `key`; benchmarks by output, term and position. Returns counts of
    rows created, updated and removed. The library is shared by every mission: only `access.SYSTEM`
    (the `load_framework` and `seed_demo` commands) and superusers load it.
    """
    _require(access.can_load_framework(user))
    data = json.loads(path.read_text(encoding="utf-8"))
    version = data["version"]
    source = f"{data['source']['document']} ({data['source']['file']}), framework {data['framework']} v{version}"
    counts = {"created": 0, "updated": 0, "removed": 0}
    for position, item in enumerate(data["outputs"], start=1):
        values = {
            "framework_version": version,
            "title": item["title"],
            "summary": item.get("summary", ""),
            "lead_component_kind": item["lead_component"],
            "activities": item.get("activities", []),
            "challenges": item.get("challenges", []),
            "risks": item.get("risks", []),
            "considerations": item.get("considerations", []),
            "translations": item.get("translations", {}),
            "source": source[:300],
            "order": item.get("order", position),
        }
        output, created = LibraryOutput.objects.get_or_create(key=item["key"], defaults=values)
        if created:
            counts["created"] += 1
        elif any(getattr(output, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(output, k, v)
            output.save()
            counts["updated"] += 1
        wanted = {
            (term, order): statement
            for term, statements in item["benchmarks"].items()
            for order, statement in enumerate(statements, start=1)
        }
        existing = {(b.term, b.order): b for b in output.benchmarks.all()}
        for key, statement in wanted.items():
            current = existing.get(key)
            if current is None:
                LibraryBenchmark.objects.create(output=output, term=key[0], order=key[1], statement=statement)
                counts["created"] += 1
            elif current.statement != statement:
                current.statement = statement
                current.save(update_fields=["statement"])
                counts["updated"] += 1
        stale = [b.pk for key, b in existing.items() if key not in wanted]
        if stale:
            counts["removed"] += LibraryBenchmark.objects.filter(pk__in=stale).delete()[0]
    return counts


@transaction.atomic
def plan_instantiate(
    *, mission: Mission, user, library_outputs: list[LibraryOutput], language: str | None = None
) -> list[OperationalOutput]:
    """Copy library outputs into a mission's plan, with their activities, benchmarks and risks.

    The texts are copied in `language` (default: the mission's default language) where the library has
    them, so a francophone mission's plan is in French; English where it has no translation.

    The copies belong to the mission, which can then edit them. An output already taken from the
    library by this mission is skipped (the database also refuses it twice). The lead component is
    the mission's component of the library's lead kind, when the mission has one. Leadership only.
    """
    _require(access.can_add(user, OperationalOutput, mission))
    components = {c.kind: c for c in Component.objects.filter(mission=mission)}
    taken = set(mission.outputs.filter(library_output__isnull=False).values_list("library_output_id", flat=True))
    next_order = (mission.outputs.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    created = []
    for lib in library_outputs:
        if lib.pk in taken:
            continue
        lead = components.get(lib.lead_component_kind)
        texts = lib.in_language(language or mission.default_language)
        output = OperationalOutput.objects.create(
            mission=mission,
            title=texts["title"],
            description=texts["summary"],
            lead_component=lead,
            library_output=lib,
            order=next_order,
        )
        next_order += 1
        Activity.objects.bulk_create(
            Activity(output=output, title=text, lead_component=lead, order=i)
            for i, text in enumerate(texts["activities"])
        )
        Benchmark.objects.bulk_create(
            Benchmark(
                output=output,
                term=b.term,
                statement=texts["benchmarks"][(b.term, b.order)],
                lead_component=lead,
                order=b.order,
            )
            for b in lib.benchmarks.all()
        )
        Risk.objects.bulk_create(
            [
                Risk(output=output, kind=Risk.Kind.RISK, title=text, owner=lead, order=i)
                for i, text in enumerate(texts["risks"])
            ]
            + [
                Risk(output=output, kind=Risk.Kind.CHALLENGE, title=text, owner=lead, order=100 + i)
                for i, text in enumerate(texts["challenges"])
            ]
        )
        created.append(output)
    summaries.trend_refresh(output_ids=[o.pk for o in created])
    return created


@transaction.atomic
def assessment_create(
    *,
    benchmark: Benchmark,
    user,
    assessed_on: datetime.date,
    status: str,
    progress: int,
    evidence: str = "",
    corrects: Assessment | None = None,
    location: Location | None = None,
) -> Assessment:
    """Append an assessment and make it the benchmark's current one if it is the newest.

    Validation (no future date, progress 0-100, evidence when the status changes to off track or
    achieved, a correction of the same benchmark) is `Assessment.clean`, run here so every entry
    path gets it; `location`, the region or district assessed (None: the whole country), must be the
    mission's. Raises ValidationError, and PermissionDenied unless `access.can(user, ASSESS, benchmark)`.
    The benchmark row is locked so two assessments recorded at once cannot both think they are the newest.
    """
    benchmark = (
        Benchmark.objects.select_for_update(of=("self",)).select_related("latest_assessment").get(pk=benchmark.pk)
    )
    if benchmark.is_retired:
        raise ValidationError(_("This benchmark is retired and can no longer be assessed."))
    _require(access.can(user, access.Action.ASSESS, benchmark))
    assessment = Assessment(
        benchmark=benchmark,
        assessed_on=assessed_on,
        status=status,
        progress=progress,
        evidence=evidence,
        assessed_by=access.history_user(user),
        corrects=corrects,
        location=location,
    )
    assessment.full_clean()
    _check_location(assessment, benchmark.output.mission_id)
    assessment.save()
    summaries.latest_refresh(Benchmark.objects.filter(pk=benchmark.pk))
    if location is not None:
        summaries.area_status_refresh(benchmark_ids=[benchmark.pk])
    summaries.trend_refresh(benchmark_ids=[benchmark.pk])
    return assessment


# --- editing the plan ---------------------------------------------------------------------------
# Plan items (outputs, activities, benchmarks, indicators, risks) are created, updated and retired
# here; nothing is deleted. Updates claim the version the editor started from (missions.concurrency).

EDITABLE_FIELDS: dict[type[Model], tuple[str, ...]] = {
    OperationalOutput: ("title", "description", "lead_component", "order"),
    Activity: ("title", "lead_component", "order"),
    Benchmark: ("term", "statement", "lead_component", "target_date", "order"),
    Indicator: ("benchmark", "name", "unit", "baseline", "target", "disaggregated", "order"),
    Risk: ("kind", "title", "likelihood", "impact", "owner", "mitigation", "review_date", "location", "order"),
    IndicatorValue: (
        "period_start",
        "period_end",
        "actual",
        "actual_women",
        "actual_men",
        "actual_youth",
        "note",
        "location",
    ),
}


def _mission_id(item: Model) -> int:
    return item.mission_id if isinstance(item, OperationalOutput) else item.output.mission_id


def _validate(item: Model) -> None:
    """Model validation plus the cross-row rules a form cannot see: components and benchmarks of the same plan."""
    item.full_clean()
    errors = {}
    mission_id = _mission_id(item) if not isinstance(item, IndicatorValue) else item.indicator.output.mission_id
    problem = check_area(getattr(item, "location", None), mission_id) if hasattr(item, "location_id") else None
    if problem:
        errors["location"] = problem
    for name in ("lead_component", "owner"):
        component = getattr(item, name, None) if hasattr(item, f"{name}_id") else None
        if component is not None and component.mission_id != mission_id:
            errors[name] = _("Choose a component of this mission.")
    if isinstance(item, Indicator) and item.benchmark_id and item.benchmark.output_id != item.output_id:
        errors["benchmark"] = _("Choose a benchmark of this output.")
    if errors:
        raise ValidationError(errors)


def _check_location(item: Model, mission_id: int) -> None:
    problem = check_area(item.location, mission_id)
    if problem:
        raise ValidationError({"location": problem})


def _next_order(queryset) -> int:
    return (queryset.aggregate(m=Max("order"))["m"] or 0) + 1


def _create(model: type[Retirable], *, user, parent: Model, siblings, fields: dict) -> Retirable:
    """A new `model` row under `parent` (a mission for an output, else an output), placed after its `siblings`
    unless it has an order. `fields` are the row's EDITABLE_FIELDS, each named: the fields a create sets are
    those an update may change (TypeError for any other set). PermissionDenied unless `user` may add one."""
    if set(fields) != set(EDITABLE_FIELDS[model]):
        raise TypeError(f"A new {model.__name__} sets {', '.join(EDITABLE_FIELDS[model])}, not {', '.join(fields)}")
    parent_field = "mission" if model is OperationalOutput else "output"
    item = model(**{parent_field: parent}, **fields)
    _require(access.can_add(user, model, parent))
    if not item.order:
        item.order = _next_order(siblings)
    _validate(item)
    item._history_user = access.history_user(user)
    item.save()
    return item


@transaction.atomic
def output_create(
    *,
    mission: Mission,
    user,
    title: str,
    description: str = "",
    lead_component: Component | None = None,
    order: int = 0,
) -> OperationalOutput:
    """Add an operational output of the mission's own (not from the library)."""
    fields = {"title": title, "description": description, "lead_component": lead_component, "order": order}
    return _create(OperationalOutput, user=user, parent=mission, siblings=mission.outputs.all(), fields=fields)


@transaction.atomic
def activity_create(
    *, output: OperationalOutput, user, title: str, lead_component: Component | None = None, order: int = 0
) -> Activity:
    fields = {"title": title, "lead_component": lead_component, "order": order}
    return _create(Activity, user=user, parent=output, siblings=output.activities.all(), fields=fields)


@transaction.atomic
def benchmark_create(
    *,
    output: OperationalOutput,
    user,
    term: str,
    statement: str,
    lead_component: Component | None = None,
    target_date: datetime.date | None = None,
    order: int = 0,
) -> Benchmark:
    fields = {
        "term": term,
        "statement": statement,
        "lead_component": lead_component,
        "target_date": target_date,
        "order": order,
    }
    benchmark = _create(
        Benchmark, user=user, parent=output, siblings=output.benchmarks.filter(term=term), fields=fields
    )
    summaries.trend_refresh(benchmark_ids=[benchmark.pk])
    return benchmark


@transaction.atomic
def indicator_create(
    *,
    output: OperationalOutput,
    user,
    name: str,
    unit: str = "",
    baseline: Decimal | None = None,
    target: Decimal | None = None,
    disaggregated: bool = False,
    benchmark: Benchmark | None = None,
    order: int = 0,
) -> Indicator:
    fields = {
        "benchmark": benchmark,
        "name": name,
        "unit": unit,
        "baseline": baseline,
        "target": target,
        "disaggregated": disaggregated,
        "order": order,
    }
    return _create(Indicator, user=user, parent=output, siblings=output.indicators.all(), fields=fields)


@transaction.atomic
def risk_create(
    *,
    output: OperationalOutput,
    user,
    title: str,
    kind: str = Risk.Kind.RISK,
    likelihood: int = 3,
    impact: int = 3,
    owner: Component | None = None,
    mitigation: str = "",
    review_date: datetime.date | None = None,
    location: Location | None = None,
    order: int = 0,
) -> Risk:
    fields = {
        "kind": kind,
        "title": title,
        "likelihood": likelihood,
        "impact": impact,
        "owner": owner,
        "mitigation": mitigation,
        "review_date": review_date,
        "location": location,
        "order": order,
    }
    return _create(Risk, user=user, parent=output, siblings=output.risks.all(), fields=fields)


@transaction.atomic
def plan_item_update(*, item: Retirable | IndicatorValue, user, expected_version: int | None, **changes) -> Model:
    """Change the editable fields of an output, activity, benchmark, indicator, risk or indicator value.

    `changes` may only name fields of `EDITABLE_FIELDS` for the item's model (TypeError otherwise).
    Raises `ConcurrentEditError` when someone saved the item since `expected_version`, and
    ValidationError when the result is invalid. Records history with `user` as the author.
    """
    allowed = EDITABLE_FIELDS[type(item)]
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"Not editable on {type(item).__name__}: {', '.join(sorted(unknown))}")
    _require(access.can(user, access.Action.EDIT, item))
    claim_version(item, expected_version)
    for name, value in changes.items():
        setattr(item, name, value)
    _validate(item)
    item._history_user = access.history_user(user)
    item.save(update_fields=[*changes, "version", "updated_at"])
    _refresh_trend(item)
    return item


def _refresh_trend(item: Model) -> None:
    # Term, lead component and retirement decide where a benchmark counts in the dashboard trend.
    if isinstance(item, Benchmark):
        summaries.trend_refresh(benchmark_ids=[item.pk])
    elif isinstance(item, OperationalOutput):
        summaries.trend_refresh(output_ids=[item.pk])


@transaction.atomic
def plan_item_retire(*, item: Retirable, user, expected_version: int | None, retire: bool = True) -> Retirable:
    """Retire (or, with `retire=False`, restore) a plan item. Retired items leave the dashboard and the
    forms' choices but keep their history; nothing is deleted. Retiring an output hides what is under it."""
    _require(access.can(user, access.Action.EDIT, item))
    claim_version(item, expected_version)
    item.retired_at = timezone.now() if retire else None
    item._history_user = access.history_user(user)
    item.save(update_fields=["retired_at", "version", "updated_at"])
    _refresh_trend(item)
    return item


@transaction.atomic
def indicator_value_record(
    *,
    indicator: Indicator,
    user,
    period_start: datetime.date,
    period_end: datetime.date,
    actual: Decimal,
    actual_women: Decimal | None = None,
    actual_men: Decimal | None = None,
    actual_youth: Decimal | None = None,
    note: str = "",
    location: Location | None = None,
) -> IndicatorValue:
    """Record an indicator's actual value for one reporting period (one value per period start).

    Women / men / youth figures are required when the indicator is disaggregated and refused otherwise
    (`IndicatorValue.clean`).
    """
    _require(access.can_add(user, IndicatorValue, indicator))
    value = IndicatorValue(
        indicator=indicator,
        period_start=period_start,
        period_end=period_end,
        actual=actual,
        actual_women=actual_women,
        actual_men=actual_men,
        actual_youth=actual_youth,
        note=note,
        location=location,
        recorded_by=access.history_user(user),
    )
    value.full_clean()
    _check_location(value, indicator.output.mission_id)
    value._history_user = access.history_user(user)
    value.save()
    return value
