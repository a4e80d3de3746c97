"""import_sites <SECURITY_PLAN_ID> <FILE> [--update]: a polling-station list into a security plan revision.

The same pipeline as the import pages (missions.pipeline): the columns are guessed as the pages guess them
(English and French names, then the mission's last confirmed matching), every row is checked, and the file
is imported all or nothing. Prints one line; when nothing was imported, prints the grouped error report and
exits with status 1.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from elections.models import SecurityPlan
from elections.services.site_import import SiteImporter
from mandate import access
from missions import pipeline
from missions.models import ImportJob


class Command(BaseCommand):
    help = "Import polling sites from a CSV or XLSX file into a security plan revision (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("security_plan_id", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--update", action="store_true", help="Update the sites whose code exists (default: create only)."
        )

    def handle(self, *args, security_plan_id: int, file: Path, update: bool, **options):
        plan = SecurityPlan.objects.select_related("election_plan__mission").filter(pk=security_plan_id).first()
        if plan is None:
            raise CommandError(f"No security plan {security_plan_id}.")
        if not file.is_file():
            raise CommandError(f"No file {file}.")
        job = pipeline.import_file(
            mission=plan.election_plan.mission,
            kind=SiteImporter.kind,
            path=file,
            mode=ImportJob.Mode.UPDATE if update else ImportJob.Mode.CREATE,
            user=access.SYSTEM,
            target_id=plan.pk,
        )
        if job.status == ImportJob.Status.DONE:
            self.stdout.write(
                f"{file.name}: {job.total_rows} rows, {job.created} created, {job.updated} updated, "
                f"{job.unchanged} unchanged (security plan {plan.pk}, import {job.pk})."
            )
            return
        self.stderr.write(self._report(job))
        raise CommandError(f"{file.name}: nothing imported. {job.message}")

    @staticmethod
    def _report(job: ImportJob) -> str:
        report = job.report or {}
        lines = []
        if report.get("error_count"):
            lines.append(f"{report['error_count']} errors in {report['error_rows']} of {report['total_rows']} rows:")
        for group in report.get("groups", []):
            column = f" [{group['label']}]" if group.get("label") else ""
            lines.append(f"- {group['kind']}{column}: {group['count']}")
            for example in group["examples"][:3]:
                row = f"row {example['row']}: " if example["row"] is not None else ""
                lines.append(f"    {row}{example['message']}")
        return "\n".join(lines)
