"""The gazetteer's services: loading a mission's administrative areas and their boundaries.

`locations_import` is what the `import_locations` command and the API's import action call: one table
(CSV or XLSX, OCHA COD layout or the gazetteer's field names) and/or one GeoJSON file, checked in full
(`missions.gazetteer`), then written in one transaction, or not at all when anything is wrong. The
gazetteer page imports tables through the import pipeline instead (column matching, preview, background
job: `mandate.importers.LocationImporter`), with the same checks and writes.

Who may: `access.can_manage_gazetteer` (the HoM, the MLT, members granted `missions.gazetteer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from mandate import access
from missions import gazetteer
from missions.imports import ROW, TableError, TableLimits, read_table
from missions.models import Location, Mission

# A gazetteer has thousands of rows at most; a table of more is not a gazetteer.
TABLE_LIMITS = TableLimits(rows=50_000, columns=100)
FILE_PROBLEM = gettext_lazy("File not readable")


def new_report(total_rows: int = 0):
    from missions.pipeline import Report

    return Report(total_rows=total_rows)


@dataclass
class GazetteerImport:
    """What `locations_import` found and did."""

    mission: Mission
    report: object  # missions.pipeline.Report: every problem, grouped
    plan: gazetteer.AreaPlan | None = None
    boundaries: gazetteer.BoundaryPlan | None = None
    imported: bool = False
    boundaries_stored: int = 0
    dry_run: bool = False
    changes: list = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = self.plan.counts if self.plan else {"created": 0, "updated": 0, "unchanged": 0}
        return {**counts, "boundaries": self.boundaries_stored if self.imported else len(self.matched_boundaries)}

    @property
    def matched_boundaries(self) -> dict:
        return self.boundaries.matched if self.boundaries else {}

    def summary(self) -> str:
        """One line: what was (or, in a dry run or on errors, would be) done."""
        counts = self.counts
        text = _("%(mission)s: %(created)s areas created, %(updated)s updated, %(unchanged)s unchanged") % {
            "mission": self.mission.acronym,
            **counts,
        }
        if self.boundaries is not None:
            text += "; " + ngettext("%(n)s boundary", "%(n)s boundaries", counts["boundaries"]) % {
                "n": counts["boundaries"]
            }
        if self.report.problems:
            text += "; " + ngettext(
                "%(n)s problem: nothing imported", "%(n)s problems: nothing imported", len(self.report.problems)
            ) % {"n": len(self.report.problems)}
        elif self.dry_run:
            text += "; " + _("checked only, nothing written")
        return text + "."

    def as_dict(self) -> dict:
        """The API's answer."""
        return {
            "mission": self.mission.pk,
            "imported": self.imported,
            "dry_run": self.dry_run,
            **self.counts,
            "summary": self.summary(),
            "changes": [
                {
                    "status": c.status,
                    "level": c.level,
                    "pcode": c.pcode,
                    "name": c.name,
                    "row": c.row,
                    "fields": {k: list(v) for k, v in c.fields.items()},
                }
                for c in (self.plan.changes if self.plan else [])
                if c.status != "unchanged"
            ],
            "unknown_boundary_pcodes": self.boundaries.unknown if self.boundaries else [],
            "errors": self.report.summary(),
        }


def table_rows(upload) -> list[dict]:
    """A table upload's rows, keyed by gazetteer field (COD headers and the field names recognised)."""
    rows = read_table(upload, limits=TABLE_LIMITS)
    headers = [h for h in rows[0] if h != ROW] if rows else []
    return gazetteer.rows_by_field(rows, headers)


def _read_bytes(upload) -> bytes:
    upload.seek(0)
    return upload.read()


def locations_import(
    *, mission: Mission, user, table=None, boundaries=None, mode: str = "update", dry_run: bool = False
) -> GazetteerImport:
    """Check and import a gazetteer table and/or a GeoJSON file of boundaries into `mission`.

    `table` and `boundaries` are file-like objects with a `name` (uploads, or open files). Nothing is
    written when any problem is found (or with `dry_run`). Raises PermissionDenied when `user` may not
    manage the mission's gazetteer. Areas keep history (author `user`); boundaries do not.
    """
    access.require(access.can_manage_gazetteer(user, mission.pk))
    report = new_report()
    result = GazetteerImport(mission=mission, report=report, dry_run=dry_run)
    if table is not None:
        try:
            rows = table_rows(table)
        except TableError as error:
            report.add(None, "", str(error), kind=FILE_PROBLEM)
            return result
        report.total_rows = len(rows)
        result.plan = gazetteer.plan_areas(mission_id=mission.pk, rows=rows, mode=mode, report=report)
    if boundaries is not None:
        pcodes = set(Location.objects.filter(mission=mission).exclude(pcode="").values_list("pcode", flat=True))
        if result.plan is not None:
            pcodes |= set(result.plan.by_pcode())
        result.boundaries = gazetteer.plan_boundaries(data=_read_bytes(boundaries), pcodes=pcodes, report=report)
    if not report.ok or dry_run:
        return result
    try:
        with transaction.atomic():
            if result.plan is not None:
                gazetteer.apply_areas(mission_id=mission.pk, plan=result.plan, history_user=access.history_user(user))
            if result.boundaries is not None:
                result.boundaries_stored = gazetteer.apply_boundaries(mission_id=mission.pk, plan=result.boundaries)
    except IntegrityError:
        report.add(
            None, "", _("The areas changed during the import; nothing was imported. Try again."), kind=FILE_PROBLEM
        )
        return result
    result.imported = True
    return result


def report_lines(report, *, examples: int = 5) -> list[str]:
    """The grouped problems as text lines (the command prints them): each kind with its count, then its
    first rows."""
    lines = []
    for group in report.groups():
        lines.append(f"{group['kind']} ({group['count']}):")
        for example in group["examples"][:examples]:
            where = _("row %(n)s") % {"n": example["row"]} if example["row"] else _("file")
            lines.append(f"  {where}: {example['message']}")
        if group["count"] > examples:
            lines.append("  " + _("(%(n)s more of this kind)") % {"n": group["count"] - examples})
    return lines
