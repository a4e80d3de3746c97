"""Partner import: maps the rows of a CSV / XLSX table (read by `missions.imports.read_table`) to partners.

`validate_partner_rows` checks every row and reports every problem at once (two queries, whatever the
file size); `partners.services.partners_import` then creates them all in one transaction, or none.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from missions.imports import ROW, ImportReport, missing_columns, parse_date
from missions.models import Location, Mission
from partners.models import Partner

COLUMNS = [
    "name",
    "acronym",
    "type",
    "district",
    "relationship",
    "screening_status",
    "screening_date",
    "screening_review_due",
    "screening_notes",
    "description",
]
REQUIRED = ["name", "type"]
ALIASES = {
    "partner": "name",
    "organisation": "name",
    "organization": "name",
    "partner_type": "type",
    "screening": "screening_status",
    "due_diligence_screening": "screening_status",
    "screened_on": "screening_date",
    "review_due": "screening_review_due",
    "screening_review": "screening_review_due",
    "notes": "screening_notes",
}


def _choice_lookup(choices) -> dict[str, str]:
    """Accepts the stored value or the English label, in any case: 'security_institution', 'Security institution'."""
    lookup = {}
    for value, label in choices:
        lookup[value.lower()] = value
        lookup[str(label).lower()] = value
    return lookup


def validate_partner_rows(mission: Mission, rows: list[dict]) -> tuple[ImportReport, list[tuple[int, dict]]]:
    """Checks each row; returns the report and, for the rows without errors, the fields for `partner_create`.

    Queries: 1. the mission's districts; 2. the names already registered.
    """
    report = ImportReport(total_rows=len(rows))
    missing = missing_columns(rows, REQUIRED)
    if missing:
        report.add(None, "", _("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
        return report, []
    types = _choice_lookup(Partner.PartnerType.choices)
    relationships = _choice_lookup(Partner.Relationship.choices)
    screenings = _choice_lookup(Partner.Screening.choices)
    districts = {d.name.lower(): d for d in Location.objects.filter(mission=mission, level=Location.Level.DISTRICT)}
    existing = {n.lower() for n in Partner.objects.filter(mission=mission).values_list("name", flat=True)}
    seen: dict[str, int] = {}
    valid = []
    for row in rows:
        line = row[ROW]
        errors_before = len(report.errors)
        name = row.get("name", "")
        fields: dict = {"name": name, "acronym": row.get("acronym", "")[:30]}
        if not name:
            report.add(line, "name", _("A name is required."))
        elif len(name) > 200:
            report.add(line, "name", _("The name is longer than 200 characters."))
        elif name.lower() in existing:
            report.add(line, "name", _("“%(name)s” is already registered.") % {"name": name})
        elif name.lower() in seen:
            report.add(line, "name", _("Same name as row %(row)s.") % {"row": seen[name.lower()]})
        seen.setdefault(name.lower(), line)
        for column, target, lookup, default in (
            ("type", "partner_type", types, None),
            ("relationship", "relationship", relationships, Partner.Relationship.ACTIVE),
            ("screening_status", "screening_status", screenings, Partner.Screening.PENDING),
        ):
            raw = row.get(column, "")
            if not raw and default is not None:
                fields[target] = default
            elif raw.lower() in lookup:
                fields[target] = lookup[raw.lower()]
            else:
                report.add(line, column, _("“%(v)s” is not a known value.") % {"v": raw})
        district = row.get("district", "")
        if district:
            if district.lower() in districts:
                fields["district"] = districts[district.lower()]
            else:
                report.add(line, "district", _("No district named “%(v)s” in this mission.") % {"v": district})
        for column in ("screening_date", "screening_review_due"):
            try:
                fields[column] = parse_date(row.get(column, ""))
            except ValueError as exc:
                report.add(line, column, str(exc))
        screened, review = fields.get("screening_date"), fields.get("screening_review_due")
        if screened and review and review < screened:
            report.add(line, "screening_review_due", _("The review cannot be due before the screening date."))
        fields["screening_notes"] = row.get("screening_notes", "")
        fields["description"] = row.get("description", "")
        if len(report.errors) == errors_before:
            valid.append((line, fields))
    return report, valid
