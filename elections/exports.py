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


def polling_site_rows(security_plan: SecurityPlan):
    """One list per site, in EXPORT_COLUMNS order; numbers stay numbers (the formula guard leaves them, so a
    negative longitude is not quoted). Streams: one query, read in chunks."""
    sites = (
        PollingSite.objects.filter(security_plan=security_plan).order_by("code").values_list(*EXPORT_COLUMNS.values())
    )
    return exports.value_rows(sites, chunk_size=5000)


def polling_sites_export(*, security_plan: SecurityPlan, user, fmt: str):
    """The download response (CSV streamed, or XLSX); the export is recorded in the audit trail."""
    mission = security_plan.election_plan.mission
    filename = f"polling-sites-{mission.acronym}-{security_plan.pk}-{timezone.localdate().isoformat()}"
    rows = polling_site_rows(security_plan)
    return exports.table_download(
        fmt,
        filename,
        _("Polling sites"),
        list(EXPORT_COLUMNS),
        rows,
        user=user,
        mission=mission,
        summary="polling sites",
    )
