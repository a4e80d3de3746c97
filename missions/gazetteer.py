"""The gazetteer import: a mission's administrative areas from a table, and their boundaries from GeoJSON.

A table has one row per area of its lowest level, with the columns of every level above on the same row,
as in OCHA's common operational datasets (`admin1Name_en`, `admin1Name_fr`, `admin1Pcode`,
`admin2Name_en`, ...). The fields below name what a column means (the import pipeline's column-matching
step maps any layout onto them; `guess_fields` recognises the COD headers alone). Up to three levels:
region, district, sub-district. A file may also start below the region level, with a `parent` column
naming (by P-code or name) the existing area above its first level.

P-codes are the keys: an area of the file is the existing area with its P-code; else, when the file gives
no P-code, the existing area of that name under the same parent. An existing area without a P-code that
the file names under the same parent takes the file's P-code (so the sites, partners and engagements that
point at it keep their district). Names may repeat under different parents, never under the same one.

`plan_areas(...)` checks every row (nothing is written) and returns an `AreaPlan`: what to create, what to
update (field by field, for the report), how many areas are unchanged. `apply_areas(...)` writes a plan
without errors, with history. `plan_boundaries(...)` / `apply_boundaries(...)` do the same for a GeoJSON
file: one feature per area, matched by the P-code in its properties (`ADM2_PCODE`, `admin2Pcode`,
`pcode`, ...), validated and simplified by `missions.boundaries`.

Problems are recorded on a report with `report.add(row, field, message, kind=..., value=...)` (the
pipeline's `Report`); `kind` groups them. Permission checks are the caller's (mandate.services).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from missions import boundaries as stored
from missions import events
from missions.imports import ROW, normalise_header
from missions.models import Location

Level = Location.Level
LEVELS = (Level.REGION, Level.DISTRICT, Level.SUBDISTRICT)
NAME_MAX = Location._meta.get_field("name").max_length
PCODE_MAX = Location._meta.get_field("pcode").max_length
PCODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

# Kinds of problem (the groups of the report).
MISSING_NAME = gettext_lazy("Name missing")
TOO_LONG = gettext_lazy("Value too long")
BAD_PCODE = gettext_lazy("Invalid P-code")
CONFLICT = gettext_lazy("Contradicts another row")
SAME_NAME = gettext_lazy("Same name under the same parent")
GAP = gettext_lazy("Level skipped")
NO_PARENT = gettext_lazy("Area above unknown")
EXISTS = gettext_lazy("Already exists")
LEVEL_CHANGED = gettext_lazy("P-code of another level")
NO_COLUMNS = gettext_lazy("Missing columns")
UNKNOWN_PCODE = gettext_lazy("Unknown P-code")
NO_GEOMETRY = gettext_lazy("Feature without geometry")
BAD_GEOMETRY = gettext_lazy("Geometry not usable")
NOT_GEOJSON = gettext_lazy("Not a GeoJSON file")


@dataclass(frozen=True)
class FieldSpec:
    """A field of the gazetteer table: its name, label, and the header spellings that mean it."""

    name: str
    label: object
    aliases: tuple[str, ...] = ()


def _level_fields(k: int, level: str, label, label_fr, label_pcode, extra: tuple[str, ...]) -> list[FieldSpec]:
    return [
        FieldSpec(
            level,
            label,
            (f"admin{k}name_en", f"adm{k}_en", f"adm{k}_name", f"admin{k}name", f"adm{k}name", f"{level}_name", *extra),
        ),
        FieldSpec(f"{level}_fr", label_fr, (f"admin{k}name_fr", f"adm{k}_fr", f"adm{k}_name_fr", f"{level}_name_fr")),
        FieldSpec(
            f"{level}_pcode",
            label_pcode,
            (f"admin{k}pcode", f"adm{k}_pcode", f"adm{k}pcode", f"admin{k}_pcode", f"{level}_code", f"code_{level}"),
        ),
    ]


FIELDS: list[FieldSpec] = [
    *_level_fields(
        1,
        "region",
        gettext_lazy("Region"),
        gettext_lazy("Region (French)"),
        gettext_lazy("Region P-code"),
        ("nom_region",),
    ),
    *_level_fields(
        2,
        "district",
        gettext_lazy("District"),
        gettext_lazy("District (French)"),
        gettext_lazy("District P-code"),
        ("nom_district", "departement", "cercle"),
    ),
    *_level_fields(
        3,
        "subdistrict",
        gettext_lazy("Sub-district"),
        gettext_lazy("Sub-district (French)"),
        gettext_lazy("Sub-district P-code"),
        ("sub_district", "sous_district", "commune", "arrondissement"),
    ),
    FieldSpec(
        "parent",
        gettext_lazy("Area above (name or P-code)"),
        ("parent_pcode", "parent_name", "zone_parente"),
    ),
]
FIELD_NAMES = [f.name for f in FIELDS]


def guess_fields(headers: list[str]) -> dict[str, int]:
    """{field name: column index} for the headers that name a field (COD headers, the field names, aliases).

    The import pipeline has its own matching step (with remembered choices); this serves callers without
    one: the command and the API.
    """
    normalised = [normalise_header(h) for h in headers]
    found: dict[str, int] = {}
    for spec in FIELDS:
        for spelling in (spec.name, normalise_header(str(spec.label)), *spec.aliases):
            spelling = normalise_header(spelling)
            if spelling in normalised and normalised.index(spelling) not in found.values():
                found[spec.name] = normalised.index(spelling)
                break
    return found


def rows_by_field(rows: Iterable[dict], headers: list[str]) -> list[dict]:
    """Rows of `missions.imports.read_table` (keyed by normalised header) re-keyed by gazetteer field."""
    columns = guess_fields(headers)
    by_header = {name: normalise_header(headers[i]) for name, i in columns.items()}
    return [{**{name: row.get(by_header.get(name, ""), "") for name in FIELD_NAMES}, ROW: row.get(ROW)} for row in rows]


# --- the plan -----------------------------------------------------------------------------------


def normalise_name(text: str) -> str:
    from missions.areas import normalise_name as normalise

    return normalise(text)


@dataclass
class FileArea:
    """An area as the file describes it (the first row that names it)."""

    level: str
    pcode: str
    name: str
    name_fr: str
    parent: FileArea | None  # the area above, as the file gives it; None for a region or a file's top level
    parent_id: int | None  # the existing area above, for a file's top level below region
    row: int
    existing: int | None = None  # the matched Location's id
    pk: int | None = None  # the id once written

    @property
    def label(self) -> str:
        return f"{self.name} ({self.pcode})" if self.pcode else self.name


@dataclass
class Change:
    """One area of the report: created, updated (with its changed fields) or unchanged."""

    status: str  # "created", "updated", "unchanged"
    level: str
    pcode: str
    name: str
    row: int
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # model field -> (before, after)


def describe_fields(fields: dict[str, tuple[str, str]]) -> str:
    """'P-code: – → XX0101; name in French: – → Nortéa': a change's fields, for people."""
    return "; ".join(
        f"{Location._meta.get_field(name).verbose_name}: {before or '–'} → {after or '–'}"
        for name, (before, after) in fields.items()
    )


@dataclass
class AreaPlan:
    creates: list[FileArea] = field(default_factory=list)  # top levels first
    updates: list[tuple[FileArea, dict]] = field(default_factory=list)  # (area, {model field: new value})
    unchanged: int = 0
    changes: list[Change] = field(default_factory=list)
    areas: list[FileArea] = field(default_factory=list)  # every area of the file

    @property
    def counts(self) -> dict[str, int]:
        return {"created": len(self.creates), "updated": len(self.updates), "unchanged": self.unchanged}

    def by_pcode(self) -> dict[str, FileArea]:
        return {a.pcode: a for a in self.areas if a.pcode}


@dataclass
class _Existing:
    id: int
    level: str
    pcode: str
    name: str
    name_fr: str
    parent_id: int | None


def _existing_areas(mission_id: int) -> list[_Existing]:
    return [
        _Existing(*values)
        for values in Location.objects.filter(mission_id=mission_id)
        .exclude(level=Level.SITE)
        .values_list("id", "level", "pcode", "name", "name_fr", "parent_id")
    ]


def plan_areas(
    *, mission_id: int, rows: Iterable[dict], mode: str, report, progress: Callable | None = None
) -> AreaPlan:
    """Check every row of a gazetteer table and work out what an import would change (writes nothing).

    `rows` are keyed by field name (FIELD_NAMES) with their source line under ROW. `mode` is "create"
    (an existing area that the file would change is an error) or "update" (it is updated). Every problem
    goes to `report`; the plan is only to be applied when there is none.
    """
    rows = list(rows)
    plan = AreaPlan()
    levels_given = [lv for lv in LEVELS if any(r.get(lv) or r.get(f"{lv}_pcode") for r in rows)]
    if not levels_given:
        report.add(
            None,
            "",
            _("No column is matched to the name or P-code of a region, district or sub-district."),
            kind=NO_COLUMNS,
        )
        return plan
    existing = _existing_areas(mission_id)
    by_id = {e.id: e for e in existing}
    by_pcode = {e.pcode.casefold(): e for e in existing if e.pcode}
    by_parent_name: dict[tuple, list[_Existing]] = defaultdict(list)
    for e in existing:
        by_parent_name[(e.parent_id, e.level, normalise_name(e.name))].append(e)
    resolvers = {}

    def resolve_parent(text: str, level: str):
        from missions.areas import AreaResolver

        above = LEVELS[LEVELS.index(level) - 1]
        if above not in resolvers:
            resolvers[above] = AreaResolver(
                mission_id,
                level=above,
                locations=[(e.id, e.name, e.name_fr, e.pcode, e.parent_id, e.level) for e in existing],
            )
        resolver = resolvers[above]
        # A P-code or a name; a name shared by several areas is refused with the candidates.
        found = resolver.resolve(pcode=text) if resolver.by_pcode.get(text.casefold()) else resolver.resolve(name=text)
        return found

    file_areas: dict[tuple, FileArea] = {}  # key -> area
    names_under: dict[tuple, FileArea] = {}  # (parent key, level, normalised name) -> area

    def key_of(area: FileArea):
        if area.pcode:
            return ("pcode", area.pcode.casefold())
        parent = area.parent
        return ("name", key_of(parent) if parent else area.parent_id, area.level, normalise_name(area.name))

    total = len(rows)
    for index, row in enumerate(rows, start=1):
        line = row.get(ROW)
        parent: FileArea | None = None
        parent_id: int | None = None
        started = False
        row_ok = True
        for level in LEVELS:
            name = (row.get(level) or "").strip()
            name_fr = (row.get(f"{level}_fr") or "").strip()
            pcode = (row.get(f"{level}_pcode") or "").strip()
            if not (name or pcode or name_fr):
                if started and level != LEVELS[-1]:
                    started = "gap"
                continue
            if started == "gap":
                report.add(line, level, _("A level above this area is empty on this row."), kind=GAP, value=name)
                row_ok = False
                break
            if pcode and (len(pcode) > PCODE_MAX or not PCODE_PATTERN.match(pcode)):
                report.add(
                    line,
                    f"{level}_pcode",
                    _("“%(code)s” is not a P-code (letters, digits, dots, dashes; at most %(n)s).")
                    % {"code": pcode, "n": PCODE_MAX},
                    kind=BAD_PCODE,
                    value=pcode,
                )
                row_ok = False
                break
            for value, column in ((name, level), (name_fr, f"{level}_fr")):
                if len(value) > NAME_MAX:
                    report.add(
                        line,
                        column,
                        _("The name is longer than %(n)s characters.") % {"n": NAME_MAX},
                        kind=TOO_LONG,
                        value=value[:40],
                    )
                    row_ok = False
            if not row_ok:
                break
            if not started and level != Level.REGION:
                # The file's top level is below region: its parent is an existing area.
                known = by_pcode.get(pcode.casefold()) if pcode else None
                parent_text = (row.get("parent") or "").strip()
                if parent_text:
                    found = resolve_parent(parent_text, level)
                    if found.area is None:
                        report.add(
                            line,
                            "parent",
                            found.message or _("Give the area above."),
                            kind=found.kind or NO_PARENT,
                            value=parent_text,
                        )
                        row_ok = False
                        break
                    parent_id = found.area.id
                elif known is not None and known.level == level:
                    parent_id = known.parent_id
                else:
                    report.add(
                        line,
                        "parent",
                        _("%(level)s “%(name)s” needs the area above it: add its column or a “parent” column.")
                        % {"level": Level(level).label, "name": name or pcode},
                        kind=NO_PARENT,
                        value=name or pcode,
                    )
                    row_ok = False
                    break
            started = True
            if not name:
                known = by_pcode.get(pcode.casefold())
                if known is None:
                    report.add(line, level, _("The name is missing."), kind=MISSING_NAME, value=pcode)
                    row_ok = False
                    break
                name, name_fr = known.name, name_fr or known.name_fr
            area = FileArea(
                level=level, pcode=pcode, name=name, name_fr=name_fr, parent=parent, parent_id=parent_id, row=line
            )
            key = key_of(area)
            seen = file_areas.get(key)
            if seen is not None:
                differences = [
                    label
                    for label, a, b in (
                        (_("name"), seen.name, area.name),
                        (_("French name"), seen.name_fr, area.name_fr),
                        (
                            _("area above"),
                            key_of(seen.parent) if seen.parent else seen.parent_id,
                            key_of(area.parent) if area.parent else area.parent_id,
                        ),
                    )
                    if a != b and not (label == _("French name") and not b)
                ]
                if differences:
                    report.add(
                        line,
                        f"{level}_pcode" if pcode else level,
                        _("%(area)s has another %(what)s on row %(row)s.")
                        % {"area": area.label, "what": ", ".join(differences), "row": seen.row},
                        kind=CONFLICT,
                        value=pcode or name,
                    )
                    row_ok = False
                    break
                area = seen
            else:
                name_key = (key_of(parent) if parent else parent_id, level, normalise_name(name))
                twin = names_under.get(name_key)
                if twin is not None:
                    report.add(
                        line,
                        level,
                        _("“%(name)s” is already the name of %(other)s (row %(row)s) under the same area above.")
                        % {"name": name, "other": twin.label, "row": twin.row},
                        kind=SAME_NAME,
                        value=name,
                    )
                    row_ok = False
                    break
                names_under[name_key] = area
                file_areas[key] = area
            parent = area
        if progress is not None and index % 1000 == 0:
            progress(index, total)

    # Match the file's areas with the existing ones, top levels first (a parent is matched before its children).
    areas = sorted(file_areas.values(), key=lambda a: (LEVELS.index(a.level), a.row))
    plan.areas = areas
    claimed: set[int] = set()
    for area in areas:
        parent_existing = area.parent.existing if area.parent else area.parent_id
        parent_known = area.parent is None or area.parent.existing is not None
        match = None
        if area.pcode:
            match = by_pcode.get(area.pcode.casefold())
            if match is not None and match.level != area.level:
                report.add(
                    area.row,
                    f"{area.level}_pcode",
                    _("P-code %(code)s is already the %(level)s “%(name)s”.")
                    % {"code": area.pcode, "level": Level(match.level).label.lower(), "name": match.name},
                    kind=LEVEL_CHANGED,
                    value=area.pcode,
                )
                continue
        if match is None and parent_known:
            same_name = [
                e
                for e in by_parent_name.get((parent_existing, area.level, normalise_name(area.name)), [])
                if e.id not in claimed
            ]
            if same_name:
                candidate = same_name[0]
                if area.pcode and candidate.pcode and candidate.pcode.casefold() != area.pcode.casefold():
                    report.add(
                        area.row,
                        area.level,
                        _("“%(name)s” is already the name of the area with P-code %(code)s under the same area above.")
                        % {"name": area.name, "code": candidate.pcode},
                        kind=SAME_NAME,
                        value=area.name,
                    )
                    continue
                match = candidate
        if match is None:
            plan.creates.append(area)
            plan.changes.append(Change("created", area.level, area.pcode, area.name, area.row))
            continue
        claimed.add(match.id)
        area.existing = match.id
        new_values = {
            "name": area.name,
            "name_fr": area.name_fr if area.name_fr or not area.pcode else match.name_fr,
            "pcode": area.pcode or match.pcode,
        }
        if area.parent is not None or area.parent_id is not None:
            new_values["parent_id"] = parent_existing
        changed = {}
        for field_name, value in new_values.items():
            before = getattr(match, field_name)
            if field_name == "parent_id":
                if area.parent is not None and area.parent.existing is None:
                    changed[field_name] = value  # moves under an area created by this import
                elif before != value:
                    changed[field_name] = value
            elif (before or "") != (value or ""):
                changed[field_name] = value
        if not changed:
            plan.unchanged += 1
            plan.changes.append(Change("unchanged", area.level, area.pcode or match.pcode, area.name, area.row))
            continue
        if "name" in changed or "parent_id" in changed:
            target_parent = changed.get("parent_id", match.parent_id)
            clash = [
                e
                for e in by_parent_name.get((target_parent, area.level, normalise_name(area.name)), [])
                if e.id != match.id
            ]
            if clash and not (area.parent is not None and area.parent.existing is None):
                report.add(
                    area.row,
                    area.level,
                    _("“%(name)s” is already the name of %(other)s under the same area above.")
                    % {"name": area.name, "other": clash[0].pcode or clash[0].name},
                    kind=SAME_NAME,
                    value=area.name,
                )
                continue
        described = {}
        for field_name, value in changed.items():
            if field_name == "parent_id":
                old = by_id.get(match.parent_id)
                new = by_id.get(value) if value else area.parent
                described["parent"] = (old.name if old else "", new.name if new else "")
            else:
                described[field_name] = (getattr(match, field_name), value)
        if mode != "update":
            report.add(
                area.row,
                area.level,
                _("%(area)s exists already with other values (%(changes)s); choose “create and update” to change it.")
                % {
                    "area": area.label,
                    "changes": describe_fields(described),
                },
                kind=EXISTS,
                value=area.pcode or area.name,
            )
            continue
        plan.updates.append((area, changed))
        plan.changes.append(Change("updated", area.level, area.pcode or match.pcode, area.name, area.row, described))
    if progress is not None:
        progress(total, total)
    return plan


def apply_areas(*, mission_id: int, plan: AreaPlan, history_user=None, progress: Callable | None = None) -> None:
    """Write a plan without errors (the caller holds the transaction): creations top level first, then
    updates, each with a history row."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    total = len(plan.creates) + len(plan.updates)
    done = 0
    for level in LEVELS:
        batch = [a for a in plan.creates if a.level == level]
        if not batch:
            continue
        rows = [
            Location(
                mission_id=mission_id,
                level=a.level,
                pcode=a.pcode,
                name=a.name,
                name_fr=a.name_fr,
                parent_id=(a.parent.pk or a.parent.existing) if a.parent else a.parent_id,
            )
            for a in batch
        ]
        # Both supported databases return the new ids from a bulk insert (PostgreSQL, SQLite >= 3.35).
        created = bulk_create_with_history(rows, Location, batch_size=1000, default_user=history_user)
        for a, loc in zip(batch, created, strict=True):
            a.pk = loc.pk
        done += len(batch)
        if progress is not None:
            progress(done, total)
    if plan.updates:
        current = Location.objects.in_bulk([area.existing for area, _changed in plan.updates])
        objs, fields = [], set()
        for area, changed in plan.updates:
            obj = current[area.existing]
            for name, value in changed.items():
                if name == "parent_id" and area.parent is not None:
                    value = area.parent.pk or area.parent.existing
                setattr(obj, name, value)
            fields |= set(changed)
            objs.append(obj)
            area.pk = area.existing
        bulk_update_with_history(objs, Location, sorted(fields), batch_size=500, default_user=history_user)
        if "parent_id" in fields:
            events.areas_moved.send(sender=Location, mission_id=mission_id)
        if progress is not None:
            progress(total, total)


# --- boundaries -------------------------------------------------------------------------------------

PCODE_PROPERTIES = [
    f"{prefix}{k}{suffix}"
    for k in (3, 2, 1)
    for prefix, suffix in (("adm", "_pcode"), ("admin", "pcode"), ("adm", "pcode"), ("admin", "_pcode"))
] + ["pcode", "p_code", "code"]


def feature_pcode(properties: dict) -> str:
    """The P-code of a feature: the most detailed level's (ADM3 before ADM2 before ADM1), any spelling."""
    normalised = {normalise_header(k): v for k, v in (properties or {}).items()}
    for name in PCODE_PROPERTIES:
        value = normalised.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


@dataclass
class BoundaryPlan:
    matched: dict[str, stored.StoredBoundary] = field(default_factory=dict)  # P-code -> what to store
    unknown: list[str] = field(default_factory=list)  # P-codes of features that match no area
    without_geometry: list[str] = field(default_factory=list)
    features: int = 0


def plan_boundaries(*, data: bytes, pcodes: set[str], report, warnings=None) -> BoundaryPlan:
    """Read a GeoJSON FeatureCollection (or one Feature) and prepare the boundary of each area named by
    P-code in `pcodes`. Features with an unknown P-code or no geometry are listed in the plan and go to
    `warnings` (default: `report`): a national boundary file often covers more than the areas imported.
    An unreadable file or geometry goes to `report`."""
    plan = BoundaryPlan()
    warnings = report if warnings is None else warnings
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        report.add(None, "boundaries", _("The boundaries file is not GeoJSON (JSON text)."), kind=NOT_GEOJSON)
        return plan
    if isinstance(document, dict) and document.get("type") == "Feature":
        features = [document]
    elif isinstance(document, dict) and isinstance(document.get("features"), list):
        features = document["features"]
    else:
        report.add(None, "boundaries", _("The boundaries file holds no GeoJSON features."), kind=NOT_GEOJSON)
        return plan
    known = {p.casefold(): p for p in pcodes}
    plan.features = len(features)
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            continue
        pcode = feature_pcode(feature.get("properties") or {})
        label = pcode or _("feature %(n)s") % {"n": number}
        if not pcode or pcode.casefold() not in known:
            plan.unknown.append(pcode or str(label))
            warnings.add(
                None,
                "boundaries",
                _("Feature %(n)s: no area has the P-code “%(code)s”.") % {"n": number, "code": pcode}
                if pcode
                else _("Feature %(n)s has no P-code property.") % {"n": number},
                kind=UNKNOWN_PCODE,
                value=pcode,
            )
            continue
        geometry = feature.get("geometry")
        if not geometry:
            plan.without_geometry.append(pcode)
            warnings.add(
                None, "boundaries", _("%(code)s has no geometry.") % {"code": pcode}, kind=NO_GEOMETRY, value=pcode
            )
            continue
        try:
            plan.matched[known[pcode.casefold()]] = stored.store(stored.from_geojson(geometry))
        except stored.BoundaryError:
            report.add(
                None,
                "boundaries",
                _("The geometry of %(code)s is not an area in longitude and latitude.") % {"code": pcode},
                kind=BAD_GEOMETRY,
                value=pcode,
            )
    return plan


def apply_boundaries(*, mission_id: int, plan: BoundaryPlan) -> int:
    """Store the prepared boundaries on the mission's areas (by P-code); returns how many were stored.

    No history rows: the outline is left out of history (it is large, and its file is the record), and
    the box only follows it.
    """
    locations = Location.objects.filter(mission_id=mission_id, pcode__in=list(plan.matched))
    objs = []
    for location in locations:
        for name, value in plan.matched[location.pcode].as_fields().items():
            setattr(location, name, value)
        objs.append(location)
    Location.objects.bulk_update(objs, list(stored.EMPTY_FIELDS), batch_size=200)
    return len(objs)
