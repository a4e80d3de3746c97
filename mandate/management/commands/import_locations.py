"""import_locations <MISSION_ACRONYM> <FILE> [--boundaries FILE.geojson]: load a mission's gazetteer."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mandate import access
from mandate.gazetteer import locations_import, report_lines
from missions.models import Mission


class Command(BaseCommand):
    help = (
        "Import a mission's administrative areas (regions, districts, sub-districts) from a CSV or XLSX table in "
        "the layout of OCHA's common operational datasets (admin1Name_en, admin1Name_fr, admin1Pcode, "
        "admin2Name_en, ...), and optionally their boundaries from GeoJSON (one feature per area, matched by the "
        "P-code in a property such as ADM2_PCODE). P-codes are the keys: a re-import updates names and adds new "
        "areas. Prints a one-line summary; exits with status 1 and the grouped problems when nothing was imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("mission", help="the mission's acronym")
        parser.add_argument(
            "file", nargs="?", help="the areas table (.csv or .xlsx); may be left out with --boundaries"
        )
        parser.add_argument("--boundaries", help="a GeoJSON file of the areas' boundaries")
        parser.add_argument(
            "--create-only", action="store_true", help="refuse to change existing areas (default: update them)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")

    def handle(self, *args, **opts):
        mission = Mission.objects.filter(acronym__iexact=opts["mission"]).first()
        if mission is None:
            raise CommandError(f"No mission with the acronym {opts['mission']}.")
        if not opts["file"] and not opts["boundaries"]:
            raise CommandError("Give an areas file, a --boundaries file, or both.")
        paths = [Path(p) for p in (opts["file"], opts["boundaries"]) if p]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
        with ExitStack() as files:
            table = files.enter_context(Path(opts["file"]).open("rb")) if opts["file"] else None
            boundaries = files.enter_context(Path(opts["boundaries"]).open("rb")) if opts["boundaries"] else None
            result = locations_import(
                mission=mission,
                user=access.SYSTEM,
                table=table,
                boundaries=boundaries,
                mode="create" if opts["create_only"] else "update",
                dry_run=opts["dry_run"],
            )
        if result.report.problems or not (result.imported or opts["dry_run"]):
            self.stderr.write(result.summary())
            for line in report_lines(result.report):
                self.stderr.write(line)
            raise SystemExit(1)
        self.stdout.write(result.summary())
        if opts["verbosity"] >= 2 and result.plan is not None:
            for change in result.plan.changes:
                if change.status == "updated":
                    details = ", ".join(f"{k}: {a} -> {b}" for k, (a, b) in change.fields.items())
                    self.stdout.write(f"  updated {change.pcode or change.name}: {details}")
                elif change.status == "created":
                    self.stdout.write(f"  created {change.level} {change.pcode} {change.name}")
