"""Writes of the results framework: the library, a mission's plan, assessments."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.db import transaction

from benchmarks.models import (
    Activity,
    Assessment,
    Benchmark,
    LibraryBenchmark,
    LibraryOutput,
    OperationalOutput,
    Risk,
)
from missions.models import Component, Mission

FRAMEWORK_FILE = Path(__file__).resolve().parent / "framework" / "handbook.json"


@transaction.atomic
def framework_load(*, path: Path = FRAMEWORK_FILE) -> dict[str, int]:
    """Load the framework library from its data file; idempotent (a second run changes nothing).

    Outputs are matched by their `key`; benchmarks by output, term and position. Returns counts of
    rows created, updated and removed.
    """
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
def plan_instantiate(*, mission: Mission, library_outputs: list[LibraryOutput]) -> list[OperationalOutput]:
    """Copy library outputs into a mission's plan, with their activities, benchmarks and risks.

    The copies belong to the mission, which can then edit them. An output already taken from the
    library by this mission is skipped (the database also refuses it twice). The lead component is
    the mission's component of the library's lead kind, when the mission has one.
    """
    components = {c.kind: c for c in Component.objects.filter(mission=mission)}
    taken = set(mission.outputs.filter(library_output__isnull=False).values_list("library_output_id", flat=True))
    next_order = (mission.outputs.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    created = []
    for lib in library_outputs:
        if lib.pk in taken:
            continue
        lead = components.get(lib.lead_component_kind)
        output = OperationalOutput.objects.create(
            mission=mission,
            title=lib.title,
            description=lib.summary,
            lead_component=lead,
            library_output=lib,
            order=next_order,
        )
        next_order += 1
        Activity.objects.bulk_create(
            Activity(output=output, title=text, lead_component=lead, order=i) for i, text in enumerate(lib.activities)
        )
        Benchmark.objects.bulk_create(
            Benchmark(output=output, term=b.term, statement=b.statement, lead_component=lead, order=b.order)
            for b in lib.benchmarks.all()
        )
        Risk.objects.bulk_create(
            [
                Risk(output=output, kind=Risk.Kind.RISK, title=text, owner=lead, order=i)
                for i, text in enumerate(lib.risks)
            ]
            + [
                Risk(output=output, kind=Risk.Kind.CHALLENGE, title=text, owner=lead, order=100 + i)
                for i, text in enumerate(lib.challenges)
            ]
        )
        created.append(output)
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
) -> Assessment:
    """Append an assessment and make it the benchmark's current one if it is the newest.

    Validation (dates, progress range, evidence rules) happens in `Assessment.full_clean` and the
    form/serializer; access is the caller's job (`access.can(user, ASSESS, benchmark)`).
    """
    assessment = Assessment(
        benchmark=benchmark,
        assessed_on=assessed_on,
        status=status,
        progress=progress,
        evidence=evidence,
        assessed_by=user,
        corrects=corrects,
    )
    assessment.full_clean()
    assessment.save()
    latest = benchmark.assessments.order_by("-assessed_on", "-created_at", "-id").only("pk").first()
    if benchmark.latest_assessment_id != latest.pk:
        Benchmark.objects.filter(pk=benchmark.pk).update(latest_assessment=latest)
        benchmark.latest_assessment = latest
    return assessment
