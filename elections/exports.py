"""The polling sites of a security plan revision as CSV or XLSX, in the columns the site import reads back.

Exporting, correcting in a spreadsheet and re-importing with "create and update" changes only what was
corrected (elections.services.site_import); an untouched export re-imports as all unchanged.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from elections.models import PollingSite, SecurityPlan
from elections.services.site_import import EXPORT_COLUMNS
from missions import exports
from missions.models import AuditEvent
from missions.services import audit_event_record


def polling_site_rows(security_plan: SecurityPlan):
    """One list per site, in EXPORT_COLUMNS order; numbers stay numbers (the formula guard leaves them, so a
    negative longitude is not quoted). Streams: one query, read in chunks."""
    sites = (
        PollingSite.objects.filter(security_plan=security_plan)
        .order_by("code")
        .values_list(
            "code",
            "name",
            "district__parent__name",
            "district__name",
            "district__pcode",
            "locality",
            "latitude",
            "longitude",
            "registered_voters",
        )
    )
    for row in sites.iterator(chunk_size=5000):
        yield [value if value is not None else "" for value in row]


def polling_sites_export(*, security_plan: SecurityPlan, user, fmt: str):
    """The download response (CSV streamed, or XLSX); the export is recorded in the audit trail."""
    mission = security_plan.election_plan.mission
    filename = f"polling-sites-{mission.acronym}-{security_plan.pk}-{timezone.localdate().isoformat()}"
    audit_event_record(
        action=AuditEvent.Action.EXPORTED, user=user, mission=mission, summary=f"polling sites ({fmt.upper()})"
    )
    rows = polling_site_rows(security_plan)
    if fmt == "csv":
        return exports.csv_response(filename, EXPORT_COLUMNS, rows)
    return exports.xlsx_response(filename, [exports.Sheet(title=_("Polling sites"), columns=EXPORT_COLUMNS, rows=rows)])
