"""The polling-site import on the import pipeline (missions.pipeline): the site importer and its write.

Rows name their district by P-code, or by name with the region when names repeat (missions.areas).
"Create only" refuses a code the revision already has; "create and update" updates the site with that
code, field by field: a column the file does not have leaves the field as it is, so a partial file
(code + coordinates) corrects coordinates only. Export (elections.exports) writes the same columns.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_update_with_history

from elections.models import CoordinatesIssue, PollingSite, SecurityPlan
from elections.services._common import _lock, _require
from elections.services.coordinates import coordinates_check, polling_sites_check_coordinates, stored_language
from elections.services.risk import site_risk_rater, site_risk_refresh
from elections.services.validation import validate_coordinates
from mandate import access
from missions import geo, pipeline
from missions.areas import AreaResolver, district_fields
from missions.bulk import bulk_create_with_history
from missions.formats import format_count
from missions.imports import parse_decimal, parse_int
from missions.models import ImportJob, Location

NOT_A_NUMBER = gettext_lazy("Not a valid number")
COORDINATES = gettext_lazy("Incomplete coordinates")
CODE_MESSAGES = pipeline.KeyMessages(
    missing=gettext_lazy("The site code is missing."),
    too_long=gettext_lazy("The site code is longer than %(n)s characters."),
    duplicate=gettext_lazy("Site code %(code)s also appears on row %(row)s."),
    duplicate_kind=gettext_lazy("Same code twice in the file"),
    exists=gettext_lazy("Site code %(code)s already exists in this plan (choose “create and update” to update it)."),
    exists_kind=gettext_lazy("Code already in the plan"),
)

# Columns of the export, in the order written (the import reads them back unchanged): file column -> the
# site's value it holds, as elections.exports reads it.
EXPORT_COLUMNS = {
    "code": "code",
    "name": "name",
    "region": "district__parent__name",
    "district": "district__name",
    "district_pcode": "district__pcode",
    "locality": "locality",
    "latitude": "latitude",
    "longitude": "longitude",
    "registered_voters": "registered_voters",
}
# Beyond this many moved sites the check after an update reads the whole plan (one pass, no long IN list).
CHECK_IDS_MAX = 5000
UPDATABLE = ["name", "district", "locality", "latitude", "longitude", "registered_voters"]
WRITE_BATCH = 20_000  # new sites made into model instances and inserted at a time


def _decimal_text(value: Decimal | None) -> str:
    """A coordinate of the preview, written as the site pages write it ("8,369388" in French)."""
    return "" if value is None else formats.number_format(value)


class SiteImporter(pipeline.Importer):
    kind = "sites"
    label = gettext_lazy("polling sites")
    update_key = gettext_lazy("site code")
    fields = [
        pipeline.Field(
            "code",
            gettext_lazy("Site code"),
            required=True,
            aliases=(
                "site_code",
                "polling_site_code",
                "station_code",
                "code_bv",
                "code_bureau",
                "code_du_bureau",
                "code_du_bureau_de_vote",
                "code_site",
                "code_du_site",
                "numero",
                "no_bv",
            ),
        ),
        pipeline.Field(
            "name",
            gettext_lazy("Site name"),
            help=gettext_lazy("Required for new sites; an update may leave it out."),
            aliases=(
                "site_name",
                "polling_site",
                "polling_site_name",
                "polling_station",
                "nom",
                "nom_du_site",
                "nom_du_bureau",
                "nom_bv",
                "bureau_de_vote",
                "centre_de_vote",
                "lieu_de_vote",
            ),
        ),
        *district_fields(),
        pipeline.Field(
            "locality",
            gettext_lazy("Locality"),
            aliases=("town", "village", "localite", "commune", "lieu", "ville", "quartier"),
        ),
        pipeline.Field("latitude", gettext_lazy("Latitude"), aliases=("lat", "y", "latitude_dd", "gps_latitude")),
        pipeline.Field(
            "longitude", gettext_lazy("Longitude"), aliases=("lon", "lng", "long", "x", "longitude_dd", "gps_longitude")
        ),
        pipeline.Field(
            "registered_voters",
            gettext_lazy("Registered voters"),
            aliases=(
                "voters",
                "registered",
                "electeurs",
                "inscrits",
                "electeurs_inscrits",
                "nombre_d_inscrits",
                "nb_inscrits",
                "nombre_electeurs",
            ),
        ),
    ]
    flags_title = gettext_lazy("Coordinates that look wrong (imported all the same, each site with the reason)")
    sample_columns = [
        gettext_lazy("Row"),
        gettext_lazy("Site code"),
        gettext_lazy("Site name"),
        gettext_lazy("District"),
        gettext_lazy("Locality"),
        gettext_lazy("Latitude"),
        gettext_lazy("Longitude"),
        gettext_lazy("Registered voters"),
        gettext_lazy("Action"),
        gettext_lazy("Coordinates"),
    ]

    def target(self, job: ImportJob) -> SecurityPlan:
        plan = SecurityPlan.objects.select_related("election_plan").filter(pk=job.target_id).first()
        if plan is None:
            raise Http404
        return plan

    def allowed(self, user, target: SecurityPlan) -> bool:
        return access.can_add(user, PollingSite, target)

    def done_url(self, target: SecurityPlan) -> str:
        return reverse("elections:site-list", args=[target.pk])

    def upload_url(self, target: SecurityPlan) -> str:
        return reverse("elections:site-import", args=[target.pk])

    def validate(
        self, *, target: SecurityPlan, rows, mode: str, report: pipeline.Report, progress: pipeline.Progress
    ) -> pipeline.Plan:
        """Checks every row; two queries (the mission's areas, the revision's sites) whatever the file size."""
        return polling_sites_validate(security_plan=target, rows=rows, mode=mode, report=report, progress=progress)

    def apply(self, *, target: SecurityPlan, plan: pipeline.Plan, user, progress: pipeline.Progress) -> None:
        polling_sites_write(security_plan=target, user=user, plan=plan, progress=progress)

    def snapshot(self, target: SecurityPlan) -> tuple:
        """What a site plan depends on: the revision's sites (any added, deleted or edited one changes the
        count, the highest id or the sum of versions), the mission's areas (names, P-codes, parents) and
        their boundaries (missions.geo's fingerprint). Four queries; a few milliseconds for 200,000 sites."""
        return polling_sites_snapshot(security_plan=target)

    def freeze(self, plan: pipeline.Plan) -> dict:
        return {
            "creates": [site.values() for site in plan.creates],
            "updates": plan.updates,
            "unchanged": plan.unchanged,
            "sample": plan.sample,
            "flags": plan.flags,
        }

    def thaw(self, *, target: SecurityPlan, frozen: dict) -> pipeline.Plan:
        return pipeline.Plan(
            creates=[PlannedSite(*values) for values in frozen["creates"]],
            updates=frozen["updates"],
            unchanged=frozen["unchanged"],
            sample=frozen["sample"],
            flags=frozen["flags"],
        )


class PlannedSite:
    """A new site as the plan holds it: its own values only, a tenth of an unsaved PollingSite's memory
    (a national list plans 200,000). The write makes the model instances, a batch at a time."""

    __slots__ = ("code", "name", "district_id", "locality", "latitude", "longitude", "registered_voters",
                 "coordinates_issue", "coordinates_note")  # fmt: skip

    def __init__(self, code, name, district_id, locality, latitude, longitude, registered_voters,
                 coordinates_issue="", coordinates_note=""):  # fmt: skip
        self.code, self.name, self.district_id, self.locality = code, name, district_id, locality
        self.latitude, self.longitude, self.registered_voters = latitude, longitude, registered_voters
        self.coordinates_issue, self.coordinates_note = coordinates_issue, coordinates_note

    def values(self) -> tuple:
        # A choice (CoordinatesIssue.OUTSIDE_COUNTRY) is kept as its plain value: the plan is plain data.
        return tuple(str(v) if isinstance(v, str) else v for v in (getattr(self, n) for n in self.__slots__))


def _site_factory(security_plan: SecurityPlan):
    """A function (PlannedSite) -> an unsaved PollingSite of the revision. It passes every field by
    position, as Django's `from_db` does: half the time of keyword arguments."""
    attnames = [f.attname for f in PollingSite._meta.concrete_fields]
    template = PollingSite(security_plan=security_plan)
    defaults = [getattr(template, name) for name in attnames]
    given = [attnames.index(name) for name in PlannedSite.__slots__]
    uid = attnames.index("uid")

    def new(planned: PlannedSite) -> PollingSite:
        args = list(defaults)
        for index, value in zip(given, planned.values(), strict=True):
            args[index] = value
        args[uid] = uuid.uuid4()
        return PollingSite(*args)

    return new


def polling_sites_snapshot(*, security_plan: SecurityPlan) -> tuple:
    mission_id = security_plan.election_plan.mission_id
    # The check reads the boundaries (cached per process); loaded here, before the pipeline reads the
    # rows, their long-lived objects lie below the step's peak of memory, not scattered inside it, where
    # they would keep the allocator from handing the step's memory back.
    geo.mission_areas(mission_id)
    sites = PollingSite.objects.filter(security_plan=security_plan).aggregate(
        n=Count("pk"), top=Max("pk"), versions=Sum("version")
    )
    areas = Location.objects.filter(mission_id=mission_id).order_by("pk")
    digest = hashlib.sha256()
    for row in areas.values_list("pk", "name", "name_fr", "pcode", "parent_id", "level"):
        digest.update(repr(row).encode())
    return (sites["n"], sites["top"], sites["versions"], digest.hexdigest(), geo.boundaries_fingerprint(mission_id))


def polling_sites_validate(
    *,
    security_plan: SecurityPlan,
    rows,
    mode: str,
    report: pipeline.Report,
    progress: pipeline.Progress | None = None,
    columns=None,
) -> pipeline.Plan:
    """The plan of a site import: new sites to create, (pk, {field: value}) changes, the unchanged count.

    `columns` (the fields the file has) defaults to those of the first row that are not empty anywhere;
    the pipeline passes every field, "" where not matched, so unmatched fields count as absent.
    """
    rows = rows if hasattr(rows, "__len__") else list(rows)  # the pipeline's MappedRows: made as read
    report.total_rows = len(rows)
    resolver = AreaResolver(security_plan.election_plan.mission_id)
    present = columns or getattr(rows, "filled", None)
    if present is None:
        present = {name for name in UPDATABLE + ["region", "district_pcode"] if any(r.get(name) for r in rows)}
    existing = {
        code.casefold(): values
        for code, *values in PollingSite.objects.filter(security_plan=security_plan).values_list(
            "code", "pk", "name", "district_id", "locality", "latitude", "longitude", "registered_voters"
        )
    }
    code_max = PollingSite._meta.get_field("code").max_length
    keys = pipeline.RowKeys(column="code", max_length=code_max, existing=existing, mode=mode, messages=CODE_MESSAGES)
    name_max = PollingSite._meta.get_field("name").max_length
    locality_max = PollingSite._meta.get_field("locality").max_length
    plan = pipeline.Plan()
    # The rows whose place is new or changes, for the coordinates check after the loop: (create index or
    # None, district id, latitude, longitude, the row as the preview shows it).
    checked: list[tuple] = []
    sample_checks: dict[int, int] = {}  # preview row -> index in `checked`
    for line, row in pipeline.numbered(rows, progress):
        before = len(report.problems)
        code, name = row.get("code", ""), row.get("name", "")
        current = keys.check(report, line, code)
        if not name and current is None:
            report.add(line, "name", _("The site name is missing."), kind=pipeline.MISSING)
        elif len(name) > name_max:
            too_long = _("The name is longer than %(n)s characters.") % {"n": name_max}
            report.add(line, "name", too_long, kind=pipeline.TOO_LONG, value=name[:50])
        district_id = resolver.resolve_row(row, line=line, report=report)
        named = row.get("district_pcode") or row.get("district")
        if not named and (current is None or "district" in present or "district_pcode" in present):
            report.add(line, "district", _("The district is missing."), kind=pipeline.MISSING)
        coords = {}
        for column, limit in (("latitude", 90), ("longitude", 180)):
            try:
                coords[column] = parse_decimal(row.get(column, ""), minimum=-limit, maximum=limit)
            except ValueError as exc:
                report.add(line, column, str(exc), kind=NOT_A_NUMBER, value=row.get(column, ""))
                coords[column] = False
        if coords["latitude"] is not False and coords["longitude"] is not False:
            for column, messages in validate_coordinates(coords["latitude"], coords["longitude"]).items():
                report.add(line, column, messages[0], kind=COORDINATES)
        try:
            voters = parse_int(row.get("registered_voters", ""), minimum=0) or 0
        except ValueError as exc:
            report.add(line, "registered_voters", str(exc), kind=NOT_A_NUMBER, value=row.get("registered_voters", ""))
            voters = 0
        if len(report.problems) != before:
            continue
        values = {
            "name": name,
            "district": district_id,
            "locality": row.get("locality", "")[:locality_max],
            "latitude": coords["latitude"],
            "longitude": coords["longitude"],
            "registered_voters": voters,
        }
        check_index = None
        if current is None:
            check_index = len(checked)
            checked.append((len(plan.creates), district_id, coords["latitude"], coords["longitude"], line))
            plan.creates.append(
                PlannedSite(
                    code, name, district_id, values["locality"], coords["latitude"], coords["longitude"], voters
                )
            )
            action = pipeline.NEW
        else:
            pk, *old = current
            old = dict(zip(UPDATABLE, old, strict=True))
            changes = {f: values[f] for f in UPDATABLE if _given(f, present, values) and values[f] != old[f]}
            if changes.keys() & {"district", "latitude", "longitude"}:
                after = {**old, **changes}
                check_index = len(checked)
                checked.append((None, after["district"], after["latitude"], after["longitude"], line))
            action = pipeline.planned_change(plan, pk, changes)
        if len(plan.sample) < SAMPLE_FIRST_ROWS:
            area = resolver.get(district_id or (current[2] if current else None))
            if check_index is not None:
                sample_checks[len(plan.sample)] = check_index
            plan.sample.append(
                [
                    str(line),
                    code,
                    name or (current[1] if current else ""),
                    area.name if area else "",
                    values["locality"],
                    _decimal_text(coords["latitude"]),
                    _decimal_text(coords["longitude"]),
                    format_count(voters),
                    str(action),
                    "",
                ]
            )
    _check_coordinates(security_plan, plan, checked, sample_checks, resolver)
    return plan


SAMPLE_FIRST_ROWS = 12  # the preview's first rows, then up to SAMPLE_SUSPECT rows whose coordinates look wrong
SAMPLE_SUSPECT = 8


def _check_coordinates(
    security_plan: SecurityPlan, plan: pipeline.Plan, checked: list, sample_checks: dict, resolver
) -> None:
    """Flag the planned sites whose coordinates look wrong (`elections.services.coordinates`), at preview.

    New sites get their `coordinates_issue` and `coordinates_note` here and keep them when created; updated
    sites are checked again by the write (`polling_sites_write`). `plan.flags` counts the flagged rows (new
    or moved) by reason, for the preview's summary. The preview shows the reason in its last
    column, and after the first rows a few more flagged rows, with their row numbers. The plan's saved
    sites of the same districts take part in the "far from its district" rule.
    """
    if not checked:
        return
    mission = security_plan.election_plan.mission
    references = list(
        security_plan.sites.filter(district_id__in={c[1] for c in checked})
        .order_by()
        .values_list("district_id", "latitude", "longitude")
    )
    with translation.override(stored_language(mission)):
        results = coordinates_check(mission=mission, points=[c[1:4] for c in checked], references=references)
    for (create, *_rest), (issue, note) in zip(checked, results, strict=True):
        if create is not None:
            plan.creates[create].coordinates_issue, plan.creates[create].coordinates_note = issue, note
    counts = Counter(issue for issue, _note in results if issue)
    plan.flags = [
        {"kind": issue.value, "label": str(issue.label), "count": counts[issue.value]}
        for issue in CoordinatesIssue
        if counts[issue.value]
    ]
    for row, index in sample_checks.items():
        plan.sample[row][-1] = results[index][1]
    shown = set(sample_checks.values())
    flagged = [i for i, (issue, _note) in enumerate(results) if issue and i not in shown]
    for index in flagged[:SAMPLE_SUSPECT]:
        create, district_id, lat, lon, line = checked[index]
        site = plan.creates[create] if create is not None else None
        area = resolver.get(district_id)
        plan.sample.append(
            [
                str(line),
                site.code if site else "",
                site.name if site else "",
                area.name if area else "",
                site.locality if site else "",
                _decimal_text(lat),
                _decimal_text(lon),
                format_count(site.registered_voters) if site else "",
                str(pipeline.NEW) if site else str(pipeline.UPDATE),
                results[index][1],
            ]
        )


def _given(field: str, present: set[str], values: dict) -> bool:
    """Whether the file speaks about `field` (an unmatched or all-empty column leaves the site's value)."""
    if field == "district":
        return values["district"] is not None
    if field == "name":
        return bool(values["name"])
    if field in ("latitude", "longitude"):
        return "latitude" in present or "longitude" in present
    return field in present


def polling_sites_write(
    *, security_plan: SecurityPlan, user, plan: pipeline.Plan, progress: pipeline.Progress | None = None
) -> None:
    """Writes a validated site plan: bulk inserts and updates with their history, then the suggested risks.

    Precondition: inside the pipeline's transaction (all or nothing). The plan row is locked first, so a
    submission cannot interleave; an update bumps each site's version (an open edit form then sees a
    conflict rather than overwriting the import).
    """
    with transaction.atomic():
        _lock(security_plan)
        _require(access.can_add(user, PollingSite, security_plan))
        total = len(plan.creates) + len(plan.updates)
        rate = site_risk_rater(security_plan)
        new = _site_factory(security_plan)
        created_districts: set[int] = set()
        # The model instances a batch at a time (not 200,000 at once), rated before they are written: one
        # insert each, no re-rating pass.
        for start in range(0, len(plan.creates), WRITE_BATCH):
            sites = [new(planned) for planned in plan.creates[start : start + WRITE_BATCH]]
            for site in sites:
                site.suggested_risk = rate(site)
            bulk_create_with_history(
                sites,
                PollingSite,
                batch_size=2000,
                default_user=access.history_user(user),
                progress=(lambda done, base=start: progress(base + done, total)) if progress else None,
            )
            created_districts |= {site.district_id for site in sites}
            del sites
        changed_ids = [pk for pk, _changes in plan.updates]
        now = timezone.now()
        done = len(plan.creates)
        for start in range(0, len(plan.updates), 2000):
            chunk = plan.updates[start : start + 2000]
            sites = PollingSite.objects.in_bulk([pk for pk, _changes in chunk])
            fields = set()
            for pk, changes in chunk:
                site = sites.get(pk)
                if site is None:  # deleted since the check: the whole import rolls back, the job says why
                    raise IntegrityError(f"polling site {pk} was deleted during the import")
                for name, value in changes.items():
                    setattr(site, f"{name}_id" if name == "district" else name, value)
                    fields.add(name)
                site.version += 1
                site.updated_at = now  # bulk_update does not apply auto_now
            bulk_update_with_history(
                list(sites.values()),
                PollingSite,
                [*fields, "version", "updated_at"],
                batch_size=500,
                default_user=access.history_user(user),
            )
            done += len(chunk)
            if progress:
                progress(done, total)
        if changed_ids:
            site_risk_refresh(security_plan=security_plan, site_ids=changed_ids, cause=_("sites imported"), user=user)
        # Sites that moved (or were added) change their districts' picture: check those districts again.
        # A corrected re-import ("create and update") clears the flags of the sites it fixes.
        moved = {pk for pk, changes in plan.updates if changes.keys() & {"district", "latitude", "longitude"}}
        if plan.creates or moved:
            districts = created_districts | {
                changes["district"] for pk, changes in plan.updates if "district" in changes
            }
            districts |= set(
                PollingSite.objects.filter(pk__in=list(moved)[:CHECK_IDS_MAX]).values_list("district_id", flat=True)
            )
            if len(moved) > CHECK_IDS_MAX:
                districts = None  # a very large update: the whole plan, in one pass
            polling_sites_check_coordinates(security_plan=security_plan, district_ids=districts, user=user)
