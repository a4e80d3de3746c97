"""Finding a mission's administrative area from what a row of an import says: a P-code, or a name and its parent.

Real countries repeat district names in different regions, so a name alone is trusted only when it is
unique in the mission; otherwise the row must name the parent (by name or P-code) or give the P-code, and
the refusal lists the candidates. A name that matches nothing gets the closest spelling as a suggestion.

    resolver = AreaResolver(mission_id, level=Location.Level.DISTRICT)   # one query, whatever the file size
    found = resolver.resolve(pcode=row["district_pcode"], name=row["district"], parent=row["region"])
    if found.area is None:
        report.add(line, "district", found.message, kind=found.kind)

Names are compared without case, accents or repeated spaces ("SÉGOU", "segou" and "Ségou " are one
name), in English and in French (`name_fr`). Suggestions are computed once per distinct spelling, so a
file with the same misspelling on 40,000 rows costs one `difflib` search.

An importer whose rows name a district lists `district_fields()` among its fields: the three columns
`resolve_row` reads, with the header spellings every import accepts for them.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from missions import pipeline
from missions.models import Location

# Group titles of the import report (missions.pipeline): one per kind of problem.
UNKNOWN_AREA = gettext_lazy("Unknown area")
UNKNOWN_PCODE = gettext_lazy("Unknown P-code")
AMBIGUOUS_AREA = gettext_lazy("Name shared by several areas")
WRONG_PARENT = gettext_lazy("Area not in the parent given")
CANDIDATES_SHOWN = 5


@functools.lru_cache(maxsize=8192)
def normalise_name(text: str) -> str:
    """'  SÉGOU  ville' -> 'segou ville': the form names are compared in. Memoised: a national list
    spells its few thousand area names on 200,000 rows."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", plain).strip().casefold()


@dataclass(frozen=True)
class Area:
    """What the resolver keeps of a location: enough to match it and to name it in a message."""

    id: int
    name: str
    pcode: str
    parent_id: int | None
    level: str


@dataclass(frozen=True)
class Found:
    """The outcome of `AreaResolver.resolve`: an area, or why there is none (`kind` is the report's group)."""

    area: Area | None
    message: str = ""
    kind: str = ""


class AreaResolver:
    """The areas of one level of a mission, and of the level above, indexed by P-code and by name."""

    def __init__(self, mission_id: int, *, level: str = Location.Level.DISTRICT, locations=None):
        """`locations` (optional) are (id, name, name_fr, pcode, parent_id, level) tuples, for callers that
        already hold them (e.g. the gazetteer import adding areas); by default one query reads them."""
        if locations is None:
            locations = Location.objects.filter(mission_id=mission_id).values_list(
                "id", "name", "name_fr", "pcode", "parent_id", "level"
            )
        self.level = level
        self.areas: dict[int, Area] = {}
        self.by_pcode: dict[str, Area] = {}
        self.by_name: dict[str, list[Area]] = defaultdict(list)  # areas of `level`
        self.any_by_name: dict[str, list[Area]] = defaultdict(list)  # areas of any level, for parents
        names: dict[int, set[str]] = defaultdict(set)
        for pk, name, name_fr, pcode, parent_id, area_level in locations:
            area = Area(id=pk, name=name, pcode=pcode, parent_id=parent_id, level=area_level)
            self.areas[pk] = area
            if pcode:
                self.by_pcode[pcode.casefold()] = area
            for spelling in {normalise_name(name), normalise_name(name_fr)} - {""}:
                names[pk].add(spelling)
                self.any_by_name[spelling].append(area)
                if area_level == level:
                    self.by_name[spelling].append(area)
        self._names = names
        self._suggestions: dict[tuple, str | None] = {}

    def get(self, pk: int | None) -> Area | None:
        return self.areas.get(pk) if pk is not None else None

    def label(self, area: Area) -> str:
        """'Kati (Koulikoro, ML0203)': an area as the refusal of an ambiguous name lists it."""
        parent = self.get(area.parent_id)
        details = [d for d in (parent.name if parent else "", area.pcode) if d]
        return f"{area.name} ({', '.join(details)})" if details else area.name

    def resolve(self, *, pcode: str = "", name: str = "", parent: str = "") -> Found:
        """The area of `self.level` named by a row: by P-code when given, else by name (within `parent`,
        a name or a P-code of an area above, when given). An empty row is not this module's business:
        the caller decides whether the area is required."""
        pcode, name, parent = (pcode or "").strip(), (name or "").strip(), (parent or "").strip()
        if pcode:
            area = self.by_pcode.get(pcode.casefold())
            if area is None or area.level != self.level:
                return Found(None, _("No area has the P-code “%(code)s”.") % {"code": pcode}, str(UNKNOWN_PCODE))
            if name and normalise_name(name) not in self._names[area.id]:
                return Found(
                    None,
                    _("P-code %(code)s is %(area)s, not “%(name)s”.")
                    % {"code": pcode, "area": self.label(area), "name": name},
                    str(WRONG_PARENT),
                )
            return Found(area)
        if not name:
            return Found(None)
        candidates = self.by_name.get(normalise_name(name), [])
        if parent:
            parents = self._parents(parent)
            if not parents:
                return Found(None, self._unknown(parent, parent_level=True), str(UNKNOWN_AREA))
            parent_ids = {p.id for p in parents}
            within = [c for c in candidates if self._under(c, parent_ids)]
            if len(within) == 1:
                return Found(within[0])
            if not within:
                return Found(
                    None,
                    _("No area named “%(name)s” in %(parent)s.") % {"name": name, "parent": parents[0].name}
                    + self._suggest_suffix(name, parent_ids),
                    str(WRONG_PARENT) if candidates else str(UNKNOWN_AREA),
                )
            candidates = within
        if len(candidates) == 1:
            return Found(candidates[0])
        if not candidates:
            return Found(None, self._unknown(name), str(UNKNOWN_AREA))
        shown = sorted(self.label(c) for c in candidates)
        listed = "; ".join(shown[:CANDIDATES_SHOWN]) + ("; …" if len(shown) > CANDIDATES_SHOWN else "")
        return Found(
            None,
            _("“%(name)s” is the name of %(n)s areas: %(list)s. Give the P-code or the area above.")
            % {"name": name, "n": len(candidates), "list": listed},
            str(AMBIGUOUS_AREA),
        )

    def resolve_row(self, row: dict, *, line: int, report) -> int | None:
        """The district of an import row (columns `district_pcode`, `district`, `region`: `district_fields()`),
        as an id.

        None when the row names none, or names one that cannot be resolved (then the reason is on `report`).
        """
        pcode, name = row.get("district_pcode", ""), row.get("district", "")
        if not (pcode or name):
            return None
        found = self.resolve(pcode=pcode, name=name, parent=row.get("region", ""))
        if found.area is None:
            column = "district_pcode" if pcode else "district"
            report.add(line, column, found.message, kind=found.kind, value=pcode or name)
            return None
        return found.area.id

    def _parents(self, text: str) -> list[Area]:
        area = self.by_pcode.get(text.casefold())
        if area is not None:
            return [area]
        return [a for a in self.any_by_name.get(normalise_name(text), []) if a.level != self.level]

    def _under(self, area: Area, parent_ids: set[int]) -> bool:
        # Walks up: a district lies "in" its region and in that region's parent, if any (three levels at most).
        seen = 0
        current = area
        while current.parent_id is not None and seen < 4:
            if current.parent_id in parent_ids:
                return True
            current = self.areas.get(current.parent_id)
            if current is None:
                return False
            seen += 1
        return False

    def _unknown(self, name: str, *, parent_level: bool = False) -> str:
        return _("Unknown area “%(name)s”.") % {"name": name} + self._suggest_suffix(name, None, parent_level)

    def _suggest_suffix(self, name: str, parent_ids: set[int] | None, parent_level: bool = False) -> str:
        suggestion = self.suggest(name, parent_ids, parent_level=parent_level)
        return " " + _("Did you mean %(name)s?") % {"name": suggestion} if suggestion else ""

    def suggest(self, name: str, parent_ids: set[int] | None = None, *, parent_level: bool = False) -> str | None:
        """The closest known name to `name` (within `parent_ids` when given), or None; memoised per spelling."""
        key = (normalise_name(name), frozenset(parent_ids or ()), parent_level)
        if key not in self._suggestions:
            pool = [
                a
                for a in self.areas.values()
                if (a.level != self.level if parent_level else a.level == self.level)
                and (not parent_ids or self._under(a, parent_ids))
            ]
            by_spelling = {normalise_name(a.name): a.name for a in pool}
            match = difflib.get_close_matches(key[0], list(by_spelling), n=1, cutoff=0.75)
            self._suggestions[key] = by_spelling[match[0]] if match else None
        return self._suggestions[key]


def district_fields() -> list[pipeline.Field]:
    """The import fields naming a row's district (the columns of `AreaResolver.resolve_row`), alike in every
    import that has them: the region, the district, the district's P-code, in English and French spellings."""
    return [
        pipeline.Field(
            "region",
            gettext_lazy("Region"),
            aliases=(
                "region_name",
                "admin1name_en",
                "admin1name_fr",
                "admin1name",
                "admin1pcode",
                "province",
                "nom_region",
            ),
            help=gettext_lazy("The area above the district, by name or P-code: needed when district names repeat."),
        ),
        pipeline.Field(
            "district",
            gettext_lazy("District"),
            aliases=(
                "district_name",
                "admin2name_en",
                "admin2name_fr",
                "admin2name",
                "cercle",
                "departement",
                "nom_district",
                "nom_du_district",
                "prefecture",
            ),
        ),
        pipeline.Field(
            "district_pcode",
            gettext_lazy("District P-code"),
            aliases=("admin2pcode", "district_code", "pcode", "p_code", "code_district", "code_du_district"),
        ),
    ]
