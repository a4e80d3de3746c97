"""The partner import on the import pipeline (missions.pipeline).

A partner is identified by its name in the mission (case and accents aside): "create only" refuses a name
already registered, "create and update" updates that partner with the columns the file has. Choices
(type, relationship, screening) are accepted as stored values or labels, in English or French; the
export (partners.exports) writes the same columns, so an exported file imports back unchanged.
"""

from __future__ import annotations

import difflib

from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mandate import access
from missions import pipeline
from missions.areas import AreaResolver, district_fields, normalise_name
from missions.imports import parse_date
from missions.models import ImportJob, Mission
from partners import services
from partners.models import Partner

UNKNOWN_VALUE = gettext_lazy("Not a known value")
NAME_MESSAGES = pipeline.KeyMessages(
    missing=gettext_lazy("A name is required."),
    too_long=gettext_lazy("The name is longer than 200 characters."),
    duplicate=gettext_lazy("Same name as row %(row)s: “%(name)s”."),
    duplicate_kind=gettext_lazy("Same name twice in the file"),
    exists=gettext_lazy("“%(name)s” is already registered (choose “create and update” to update it)."),
    exists_kind=gettext_lazy("Name already registered"),
)
NOT_A_DATE = gettext_lazy("Not a valid date")
DATES = gettext_lazy("Dates in the wrong order")

# Columns of the export, in the order written (partners.exports; the import reads them back unchanged):
# file column -> the partner's value it holds.
EXPORT_COLUMNS = {
    "name": "name",
    "acronym": "acronym",
    "type": "partner_type",
    "region": "district__parent__name",
    "district": "district__name",
    "district_pcode": "district__pcode",
    "relationship": "relationship",
    "screening_status": "screening_status",
    "screening_date": "screening_date",
    "screening_review_due": "screening_review_due",
    "screening_notes": "screening_notes",
    "description": "description",
}
# file field -> model field, for the fields an update may change: every exported column but the name (the
# key) and the district's region and P-code (they find the district, the field that changes).
UPDATABLE = {
    column: value.split("__")[0]
    for column, value in EXPORT_COLUMNS.items()
    if column not in {"name", "region", "district_pcode"}
}


class Choices:
    """A choice field as an import reads it: the stored value or the label, English or French, any case."""

    def __init__(self, choices):
        self.choices = list(choices)
        self.lookup: dict[str, str] = {}
        for value, label in self.choices:
            self.lookup[normalise_name(value)] = value
            self.lookup[normalise_name(str(label))] = value
            with translation.override("fr"):
                self.lookup[normalise_name(str(label))] = value
            with translation.override("en"):
                self.lookup[normalise_name(str(label))] = value
        self._messages: dict[str, str] = {}

    def get(self, raw: str) -> str | None:
        return self.lookup.get(normalise_name(raw))

    def refusal(self, raw: str) -> str:
        """“NGOs” is not a known value. Accepted: …; did you mean …? (once per distinct spelling)."""
        if raw not in self._messages:
            accepted = ", ".join(str(label) for _value, label in self.choices)
            message = _("“%(v)s” is not a known value. Accepted values: %(list)s.") % {"v": raw, "list": accepted}
            close = difflib.get_close_matches(normalise_name(raw), list(self.lookup), n=1, cutoff=0.7)
            if close:
                value = self.lookup[close[0]]
                label = next(str(lbl) for v, lbl in self.choices if v == value)
                message += " " + _("Did you mean %(name)s?") % {"name": label}
            self._messages[raw] = message
        return self._messages[raw]


class PartnerImporter(pipeline.Importer):
    kind = "partners"
    label = gettext_lazy("partners")
    update_key = gettext_lazy("name")
    fields = [
        pipeline.Field(
            "name",
            gettext_lazy("Name"),
            required=True,
            aliases=(
                "partner",
                "partner_name",
                "organisation",
                "organization",
                "nom",
                "nom_du_partenaire",
                "partenaire",
                "organisme",
                "raison_sociale",
            ),
        ),
        pipeline.Field("acronym", gettext_lazy("Acronym"), aliases=("sigle", "abbreviation", "acronyme")),
        pipeline.Field(
            "type",
            gettext_lazy("Type"),
            help=gettext_lazy("Required for new partners; an update may leave it out."),
            aliases=("partner_type", "type_de_partenaire", "categorie", "category"),
        ),
        *district_fields(),
        pipeline.Field("relationship", gettext_lazy("Relationship"), aliases=("relation", "statut", "status")),
        pipeline.Field(
            "screening_status",
            gettext_lazy("Due diligence screening"),
            aliases=(
                "screening",
                "due_diligence_screening",
                "verification",
                "diligence_voulue",
                "politique_de_diligence",
            ),
        ),
        pipeline.Field("screening_date", gettext_lazy("Screened on"), aliases=("screened_on", "date_de_verification")),
        pipeline.Field(
            "screening_review_due",
            gettext_lazy("Screening review due"),
            aliases=("review_due", "screening_review", "revision_prevue", "date_de_revision"),
        ),
        pipeline.Field("screening_notes", gettext_lazy("Screening notes"), aliases=("notes", "remarques")),
        pipeline.Field("description", gettext_lazy("Description"), aliases=("profile", "profil")),
    ]
    sample_columns = [
        gettext_lazy("Row"),
        gettext_lazy("Name"),
        gettext_lazy("Type"),
        gettext_lazy("District"),
        gettext_lazy("Screening"),
        gettext_lazy("Review due"),
        gettext_lazy("Action"),
    ]

    def target(self, job: ImportJob) -> Mission:
        mission = Mission.objects.filter(pk=job.mission_id).first()
        if mission is None:
            raise Http404
        return mission

    def allowed(self, user, target: Mission) -> bool:
        return access.can_add(user, Partner, target)

    def done_url(self, target: Mission) -> str:
        return reverse("partners:index")

    def upload_url(self, target: Mission) -> str:
        return reverse("partners:import")

    def validate(
        self, *, target: Mission, rows, mode: str, report: pipeline.Report, progress: pipeline.Progress
    ) -> pipeline.Plan:
        return partners_validate(mission=target, rows=rows, mode=mode, report=report, progress=progress)

    def apply(self, *, target: Mission, plan: pipeline.Plan, user, progress: pipeline.Progress) -> None:
        services.partners_import(user=user, mission=target, creates=plan.creates, updates=plan.updates)
        progress(1, 1)


def partners_validate(
    *, mission: Mission, rows, mode: str, report: pipeline.Report, progress: pipeline.Progress | None = None
) -> pipeline.Plan:
    """The plan of a partner import. Two queries: the mission's areas and its partners."""
    rows = list(rows)
    report.total_rows = len(rows)
    present = {name for name in UPDATABLE if any(r.get(name) for r in rows)}
    if any(r.get("district_pcode") for r in rows):
        present.add("district")
    choices = {
        "type": Choices(Partner.PartnerType.choices),
        "relationship": Choices(Partner.Relationship.choices),
        "screening_status": Choices(Partner.Screening.choices),
    }
    defaults = {"relationship": Partner.Relationship.ACTIVE, "screening_status": Partner.Screening.PENDING}
    resolver = AreaResolver(mission.pk)
    model_fields = list(UPDATABLE.values())
    existing = {
        normalise_name(name): (pk, dict(zip(model_fields, values, strict=True)))
        for pk, name, *values in Partner.objects.filter(mission=mission).values_list(
            "pk", "name", *[f if f != "district" else "district_id" for f in model_fields]
        )
    }
    keys = pipeline.RowKeys(
        column="name", max_length=200, existing=existing, mode=mode, messages=NAME_MESSAGES, fold=normalise_name
    )
    plan = pipeline.Plan()
    for line, row in pipeline.numbered(rows, progress):
        before = len(report.problems)
        name = row.get("name", "")
        current = keys.check(report, line, name)
        values: dict = {"acronym": row.get("acronym", "")[:30]}
        for column, target in (
            ("type", "partner_type"),
            ("relationship", "relationship"),
            ("screening_status", "screening_status"),
        ):
            raw = row.get(column, "")
            if not raw:
                if column in defaults:
                    values[target] = current[1][target] if current else defaults[column]
                elif current is None or column in present:
                    report.add(line, column, _("The type is missing."), kind=pipeline.MISSING)
                else:
                    values[target] = current[1][target]
                continue
            value = choices[column].get(raw)
            if value is None:
                report.add(line, column, choices[column].refusal(raw), kind=UNKNOWN_VALUE, value=raw)
            values[target] = value
        values["district"] = resolver.resolve_row(row, line=line, report=report)
        for column in ("screening_date", "screening_review_due"):
            try:
                values[column] = parse_date(row.get(column, ""))
            except ValueError as exc:
                report.add(line, column, str(exc), kind=NOT_A_DATE, value=row.get(column, ""))
        screened, review = values.get("screening_date"), values.get("screening_review_due")
        if screened and review and review < screened:
            report.add(
                line, "screening_review_due", _("The review cannot be due before the screening date."), kind=DATES
            )
        values["screening_notes"] = row.get("screening_notes", "")
        values["description"] = row.get("description", "")
        if len(report.problems) != before:
            continue
        if current is None:
            plan.creates.append(
                Partner(
                    mission=mission,
                    name=name,
                    acronym=values["acronym"],
                    partner_type=values["partner_type"],
                    district_id=values["district"],
                    relationship=values["relationship"],
                    screening_status=values["screening_status"],
                    screening_date=values["screening_date"],
                    screening_review_due=values["screening_review_due"],
                    screening_notes=values["screening_notes"],
                    description=values["description"],
                )
            )
            action = pipeline.NEW
        else:
            pk, old = current
            changes = {
                model: values[model]
                for column, model in UPDATABLE.items()
                if column in present and values[model] != old[model]
            }
            action = pipeline.planned_change(plan, pk, changes)
        if len(plan.sample) < 20:
            area = resolver.get(values["district"])
            plan.sample.append(
                [
                    str(line),
                    name,
                    str(Partner.PartnerType(values["partner_type"]).label),
                    area.name if area else "",
                    str(Partner.Screening(values["screening_status"]).label),
                    values["screening_review_due"].isoformat() if values["screening_review_due"] else "",
                    str(action),
                ]
            )
    return plan
