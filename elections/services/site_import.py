"""The polling-site import: parse rows into sites with per-row errors, then save all or nothing."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from elections.models import (
    PollingSite,
    SecurityPlan,
)
from elections.services._common import _lock, _require
from elections.services.risk import site_risk_refresh
from elections.services.validation import validate_coordinates
from mandate import access
from missions.imports import ROW, ImportReport, missing_columns, parse_decimal, parse_int
from missions.models import Location

SITE_IMPORT_REQUIRED = ["code", "name", "district"]


SITE_IMPORT_OPTIONAL = ["locality", "latitude", "longitude", "registered_voters"]


SITE_IMPORT_ALIASES = {
    "site_code": "code",
    "polling_site_code": "code",
    "station_code": "code",
    "site_name": "name",
    "polling_site": "name",
    "polling_site_name": "name",
    "district_name": "district",
    "lat": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "long": "longitude",
    "voters": "registered_voters",
    "registered": "registered_voters",
    "town": "locality",
    "village": "locality",
}


def polling_sites_parse(*, security_plan: SecurityPlan, rows: list[dict]) -> tuple[ImportReport, list[PollingSite]]:
    """Check every row of an import and build (unsaved) sites; nothing is written.

    Two queries: the mission's districts and the codes already in the revision.
    """
    report = ImportReport(total_rows=len(rows))
    if not rows:
        report.add(None, "", _("The file has no data rows."))
        return report, []
    missing = missing_columns(rows, SITE_IMPORT_REQUIRED)
    if missing:
        report.add(None, "", _("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
        return report, []
    mission_id = security_plan.election_plan.mission_id
    districts = {
        loc.name.casefold(): loc
        for loc in Location.objects.filter(mission_id=mission_id, level=Location.Level.DISTRICT)
    }
    existing = {c.casefold() for c in security_plan.sites.values_list("code", flat=True)}
    first_seen: dict[str, int] = {}
    sites: list[PollingSite] = []
    code_max = PollingSite._meta.get_field("code").max_length
    name_max = PollingSite._meta.get_field("name").max_length
    for row in rows:
        line = row[ROW]
        before = len(report.errors)
        code, name, district_name = row.get("code", ""), row.get("name", ""), row.get("district", "")
        if not code:
            report.add(line, "code", _("The site code is missing."))
        elif len(code) > code_max:
            report.add(line, "code", _("The site code is longer than %(n)s characters.") % {"n": code_max})
        elif code.casefold() in first_seen:
            report.add(
                line,
                "code",
                _("Site code %(code)s also appears on row %(row)s.")
                % {"code": code, "row": first_seen[code.casefold()]},
            )
        elif code.casefold() in existing:
            report.add(line, "code", _("Site code %(code)s already exists in this plan.") % {"code": code})
        if code:
            first_seen.setdefault(code.casefold(), line)
        if not name:
            report.add(line, "name", _("The site name is missing."))
        elif len(name) > name_max:
            report.add(line, "name", _("The name is longer than %(n)s characters.") % {"n": name_max})
        district = None
        if not district_name:
            report.add(line, "district", _("The district is missing."))
        else:
            district = districts.get(district_name.casefold())
            if district is None:
                report.add(line, "district", _("Unknown district “%(d)s”.") % {"d": district_name})
        coords = {}
        for column, limit in (("latitude", 90), ("longitude", 180)):
            try:
                coords[column] = parse_decimal(row.get(column, ""), minimum=-limit, maximum=limit)
            except ValueError as exc:
                report.add(line, column, str(exc))
                coords[column] = False
        if coords["latitude"] is not False and coords["longitude"] is not False:
            for column, messages in validate_coordinates(coords["latitude"], coords["longitude"]).items():
                report.add(line, column, messages[0])
        try:
            voters = parse_int(row.get("registered_voters", ""), minimum=0) or 0
        except ValueError as exc:
            report.add(line, "registered_voters", str(exc))
            voters = 0
        if len(report.errors) == before:
            sites.append(
                PollingSite(
                    security_plan=security_plan,
                    code=code,
                    name=name,
                    district=district,
                    locality=row.get("locality", "")[:200],
                    latitude=coords["latitude"],
                    longitude=coords["longitude"],
                    registered_voters=voters,
                )
            )
    return report, sites


def polling_sites_import(*, security_plan: SecurityPlan, user, rows: list[dict]) -> ImportReport:
    """Import all the rows or none: any error in any row and nothing is written (the report says why).

    The plan row is locked for the duration, so a submission or a second import cannot interleave.
    Sites and their history records go in with bulk inserts; suggested risks are computed at the end.
    """
    with transaction.atomic():
        _lock(security_plan)
        _require(access.can_add(user, PollingSite, security_plan))
        report, sites = polling_sites_parse(security_plan=security_plan, rows=rows)
        if not report.ok:
            return report
        created = bulk_create_with_history(sites, PollingSite, batch_size=1000, default_user=user)
        report.created = len(created)
        site_risk_refresh(
            security_plan=security_plan, site_ids=[s.pk for s in created], cause=_("sites imported"), user=user
        )
    return report
