"""The mission's partner registry as CSV or XLSX, in the columns the partner import reads back unchanged."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from missions import exports
from missions.models import Mission
from partners.importers import EXPORT_COLUMNS


def partner_rows(partners):
    """One list per partner in EXPORT_COLUMNS order; choices as stored values (the import accepts them in any
    language), dates as dates. One query."""
    values = partners.order_by("name").values_list(*EXPORT_COLUMNS.values())
    return exports.value_rows(values)


def partners_export(*, mission: Mission, partners, user, fmt: str):
    filename = f"partners-{mission.acronym}-{timezone.localdate().isoformat()}"
    rows = partner_rows(partners)
    return exports.table_download(
        fmt, filename, _("Partners"), list(EXPORT_COLUMNS), rows, user=user, mission=mission, summary="partners"
    )
