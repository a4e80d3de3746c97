"""The sub-national view: which region or district of the mission a record concerns, and pages filtered by one.

One parser for every page that can be narrowed to an area (the benchmark dashboard, the engagement
overview, the readiness page and the site map)::

    area = area_filter(request.GET, mission.pk)     # one query; 404 for an id that is not the mission's
    queryset.filter(area.q("location"))             # the records of that area (a region includes its
                                                    # districts and sub-districts)

`?district=<id>` wins over `?region=<id>` (its region is then the one shown). An id that is malformed,
unknown, of another level or of another mission answers 404, all alike, so a page tells nothing about
other missions' gazetteers. Without either parameter the filter is empty: `bool(area)` is False and
`q()` keeps every row (records without a location then count as "mission-wide").

`check_area(location, mission_id)` is the rule the services share for the `location` a record names:
a region or a district of the record's mission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Case, F, IntegerField, Q, QuerySet, When
from django.http import Http404
from django.utils.translation import gettext as _

from missions.models import Location

AREA_LEVELS = (Location.Level.REGION, Location.Level.DISTRICT)


def selectable_areas(mission_id: int) -> QuerySet[Location]:
    """The regions and districts a record of the mission may name (region first, then its districts)."""
    return (
        Location.objects.filter(mission_id=mission_id, level__in=AREA_LEVELS)
        .select_related("parent")
        .order_by("level", "name")
    )


def area_label(location: Location) -> str:
    """'Kayes' for a region, 'Kayes › Kita' for a district (the parent must be loaded or cheap to load)."""
    if location.level == Location.Level.DISTRICT and location.parent_id:
        return f"{location.parent.display_name} › {location.display_name}"
    return location.display_name


def check_area(location: Location | None, mission_id: int) -> str | None:
    """Why `location` cannot be named by a record of the mission (None when it can, or when it is empty).

    The message is the one of an unknown choice: another mission's areas are not told apart from unknown ids.
    """
    if location is None:
        return None
    if location.mission_id != mission_id or location.level not in AREA_LEVELS:
        return _("Select a valid choice. That choice is not one of the available choices.")
    return None


def within_q(field: str, area_id: int) -> Q:
    """The rows whose `field` (a foreign key to Location) is the area or lies under it (two levels down)."""
    within = Location.objects.filter(Q(pk=area_id) | Q(parent_id=area_id) | Q(parent__parent_id=area_id))
    return Q(**{f"{field}__in": within.values("pk")})


def district_of(field: str) -> Case:
    """The district of the location in `field` (itself, or the parent of a sub-district); NULL for a region
    or no location. For grouping records by district on a map, in SQL."""
    return Case(
        When(**{f"{field}__level": Location.Level.DISTRICT}, then=F(f"{field}_id")),
        When(**{f"{field}__level": Location.Level.SUBDISTRICT}, then=F(f"{field}__parent_id")),
        default=None,
        output_field=IntegerField(),
    )


@dataclass
class AreaFilter:
    """A page's area: a region, a district, or none (the whole mission); with the mission's regions and
    districts, loaded once, for the filter's choices and the map's names."""

    mission_id: int
    places: dict[int, Location] = field(default_factory=dict)
    region: Location | None = None
    district: Location | None = None

    @property
    def area(self) -> Location | None:
        return self.district or self.region

    def __bool__(self) -> bool:
        return self.area is not None

    def q(self, field: str = "location") -> Q:
        """The rows whose `field` (a foreign key to Location) lies in the area; every row without an area."""
        area = self.area
        return within_q(field, area.pk) if area is not None else Q()

    def params(self) -> dict[str, str]:
        if self.district is not None:
            return {"district": str(self.district.pk)}
        if self.region is not None:
            return {"region": str(self.region.pk)}
        return {}

    def querystring(self) -> str:
        return urlencode(self.params())

    @property
    def regions(self) -> list[Location]:
        return sorted(
            (p for p in self.places.values() if p.level == Location.Level.REGION), key=lambda p: p.display_name
        )

    def districts(self, region_id: int | None = None) -> list[Location]:
        """The mission's districts (those of `region_id` when given), by name."""
        return sorted(
            (
                p
                for p in self.places.values()
                if p.level == Location.Level.DISTRICT and (region_id is None or p.parent_id == region_id)
            ),
            key=lambda p: p.display_name,
        )

    @property
    def map_region(self) -> Location | None:
        """The region a map of this filter shows: the region chosen, or the chosen district's region."""
        if self.district is not None:
            return self.places.get(self.district.parent_id)
        return self.region

    def district_groups(self) -> list[tuple[str, list[Location]]]:
        """Districts grouped by region, for the district select's <optgroup>s (no region: at the end)."""
        regions = self.regions
        in_region: dict[int, list[Location]] = {r.pk: [] for r in regions}
        orphans = []
        for d in self.districts():  # by name, so each region's list is too (one pass over the areas)
            in_region.get(d.parent_id, orphans).append(d)
        groups = [(r.display_name, in_region[r.pk]) for r in regions]
        if orphans:
            groups.append((_("Other districts"), orphans))
        return [(name, items) for name, items in groups if items]

    def name(self, location_id: int | None) -> str:
        place = self.places.get(location_id) if location_id is not None else None
        return place.display_name if place is not None else ""


def _id(raw) -> int | None:
    raw = (raw or "").strip() if isinstance(raw, str) else raw
    if not raw:
        return None
    if not str(raw).isdigit():
        raise Http404
    return int(raw)


def area_filter(params, mission_id: int, *, choices: bool = True) -> AreaFilter:
    """The area named by `?district=` or `?region=` in `params` (404 when it is not one of the mission's).

    One query: the mission's regions and districts (their names and parents), for validation, the filter
    form and the map. `choices=False` (an export: no form, no map) skips it when no area is asked for.
    """
    district_id, region_id = _id(params.get("district")), _id(params.get("region"))
    if not choices and district_id is None and region_id is None:
        return AreaFilter(mission_id=mission_id)
    places = {
        p.pk: p
        for p in Location.objects.filter(mission_id=mission_id, level__in=AREA_LEVELS).only(
            "pk", "name", "name_fr", "level", "parent_id", "mission_id", "pcode"
        )
    }
    result = AreaFilter(mission_id=mission_id, places=places)
    if district_id is not None:
        district = places.get(district_id)
        if district is None or district.level != Location.Level.DISTRICT:
            raise Http404
        result.district = district
        result.region = places.get(district.parent_id)
    elif region_id is not None:
        region = places.get(region_id)
        if region is None or region.level != Location.Level.REGION:
            raise Http404
        result.region = region
    return result


__all__ = [
    "AREA_LEVELS",
    "AreaFilter",
    "area_filter",
    "area_label",
    "check_area",
    "district_of",
    "selectable_areas",
    "within_q",
]
