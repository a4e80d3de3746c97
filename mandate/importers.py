"""The gazetteer's importer on the import pipeline (missions.pipeline): the gazetteer page's table upload.

The checks and writes are `missions.gazetteer`'s, the same as the command's and the API's. A GeoJSON file
uploaded with the table waits next to the job's files (`boundaries_path`) and is checked and stored with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from mandate import access
from missions import gazetteer, pipeline
from missions.models import ImportJob, Location, Mission

BOUNDARIES_SUFFIX = "boundaries.geojson"  # pipeline.import_job_start(attachments=...) keeps it under this name


def boundaries_path(job: ImportJob) -> Path:
    """Where a GeoJSON uploaded with the job's table waits: beside the job's files, purged with them."""
    return Path(settings.VAR_DIR) / "imports" / "jobs" / f"{Path(job.token).name}.{BOUNDARIES_SUFFIX}"


@dataclass(frozen=True)
class GazetteerTarget:
    mission: Mission
    boundaries: Path | None  # a GeoJSON uploaded with the table (or alone), if any
    table: bool = True  # False for a GeoJSON alone: boundaries of the areas already there

    @property
    def pk(self) -> int:
        return self.mission.pk


class LocationImporter(pipeline.Importer):
    kind = "locations"
    label = gettext_lazy("administrative areas")
    fields = [pipeline.Field(f.name, f.label, aliases=f.aliases) for f in gazetteer.FIELDS]
    update_key = gettext_lazy("the P-code")
    sample_columns = [
        gettext_lazy("Change"),
        gettext_lazy("Level"),
        gettext_lazy("P-code"),
        gettext_lazy("Name"),
        gettext_lazy("What changes"),
    ]

    def target(self, job: ImportJob) -> GazetteerTarget:
        path = boundaries_path(job)
        # A table always has a header (the pipeline refuses one without); a GeoJSON alone has none.
        table = bool(job.headers)
        return GazetteerTarget(mission=job.mission, boundaries=path if path.exists() else None, table=table)

    def without_table(self, target: GazetteerTarget) -> bool:
        return target.boundaries is not None

    def allowed(self, user, target: GazetteerTarget) -> bool:
        return access.can_manage_gazetteer(user, target.mission.pk)

    def validate(self, *, target, rows, mode, report, progress) -> pipeline.Plan:
        if target.table:
            areas = gazetteer.plan_areas(
                mission_id=target.mission.pk, rows=rows, mode=mode, report=report, progress=progress
            )
        else:
            areas = gazetteer.AreaPlan()
        boundary_plan = None
        if target.boundaries is not None:
            pcodes = set(
                Location.objects.filter(mission=target.mission).exclude(pcode="").values_list("pcode", flat=True)
            )
            boundary_plan = gazetteer.plan_boundaries(
                data=target.boundaries.read_bytes(), pcodes=pcodes | set(areas.by_pcode()), report=report
            )
        status = {"created": _("created"), "updated": _("updated"), "unchanged": _("unchanged")}
        # The preview lists what changes first: updates, then new areas.
        shown = sorted(
            (c for c in areas.changes if c.status != "unchanged"), key=lambda c: (c.status != "updated", c.row)
        )
        sample = [
            [
                str(status[c.status]),
                str(Location.Level(c.level).label),
                c.pcode,
                c.name,
                gazetteer.describe_fields(c.fields),
            ]
            for c in shown[: pipeline.SAMPLE_ROWS]
        ]
        plan = pipeline.Plan(creates=areas.creates, updates=areas.updates, unchanged=areas.unchanged, sample=sample)
        plan.areas, plan.boundaries = areas, boundary_plan
        if boundary_plan is not None:
            n = len(boundary_plan.matched)
            plan.note = ngettext("%(n)s boundary", "%(n)s boundaries", n) % {"n": n}
        return plan

    def apply(self, *, target, plan, user, progress) -> None:
        gazetteer.apply_areas(
            mission_id=target.mission.pk, plan=plan.areas, history_user=access.history_user(user), progress=progress
        )
        if plan.boundaries is not None:
            gazetteer.apply_boundaries(mission_id=target.mission.pk, plan=plan.boundaries)

    def done_url(self, target) -> str:
        return reverse("gazetteer")

    def upload_url(self, target) -> str:
        return reverse("gazetteer")
