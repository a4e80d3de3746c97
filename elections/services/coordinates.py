"""Whether a polling site's coordinates are plausible: the one place that decides, and says why.

The rule, in order, for a point (latitude, longitude) given with the district it is said to be in:

1. **Outside the country** (`CoordinatesIssue.OUTSIDE_COUNTRY`): the point lies outside the union of the
   mission's loaded boundaries, when its district (or the district's region) has a boundary; otherwise
   outside the mission's bounding box (`Mission.bbox_*`) when one is set.
2. **Outside its district** (`OUTSIDE_DISTRICT`): the district has a boundary and the point lies outside it.
3. **Far from the other sites of its district** (`FAR_FROM_DISTRICT`): the district has no boundary, so
   the district's sites speak for it: the point is further from their median (coordinate-wise) than
   `MAD_FACTOR` times their median distance to it, and more than `MAD_FLOOR_KM`. Median and median
   distance are robust: a tenth of the district's sites on another continent does not move them. Needs
   `MAD_MIN_SITES` sites with coordinates in the district. The issue names this rule for missions with no
   boundary and no box; it applies to any district without a boundary, because a box for the whole
   country says nothing about which district a point is in.

Boundaries are simplified for drawing, so a point within `BORDER_TOLERANCE_KM` of one counts as in it.
A point without coordinates, or passing every test, is plausible: ("", ""). The reason (`note`) says
where the point is, how far, and, when swapping latitude and longitude or changing a sign would put it
where it belongs, says so.

`coordinates_check` works on plain tuples, so the import preview can check unsaved rows; it is vectorised
(numpy, shapely) and checks 200,000 rows in about a second once the boundaries are parsed (they stay
cached: `missions.geo.mission_areas`). `polling_sites_check_coordinates` stores the result on saved
sites; the site services and the import call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from elections.models import CoordinatesIssue, PollingSite, SecurityPlan
from mandate import access
from missions import geo
from missions.formats import format_count
from missions.models import Location, Mission

BORDER_TOLERANCE_KM = 2.0
MAD_FACTOR = 5.0
MAD_FLOOR_KM = 25.0
MAD_MIN_SITES = 5

CHUNK = 1000

OK = ("", "")

Point = tuple[int | None, float | Decimal | None, float | Decimal | None]


def coordinates_check(
    *, mission: Mission, points: Sequence[Point], references: Sequence[Point] = ()
) -> list[tuple[str, str]]:
    """(issue, note) for each (district_id, latitude, longitude) of `points`, in order; ("", "") if plausible.

    `references` are other sites' points that take part in the "far from its district" rule without being
    judged (e.g. the saved sites of the district when one site is checked). Notes are in the active
    language. Queries: 2 (the cached boundaries' fingerprint), plus 3 when the boundaries changed, plus 1
    for the district names in the notes when a point is flagged.
    """
    n = len(points)
    results: list[tuple[str, str]] = [OK] * n
    if n == 0:
        return results
    areas = geo.mission_areas(mission.pk)
    district_ids = np.array([p[0] if p[0] is not None else -1 for p in points], dtype=np.int64)
    lats = _floats([p[1] for p in points])
    lons = _floats([p[2] for p in points])
    has_coords = ~(np.isnan(lats) | np.isnan(lons))
    issue = np.full(n, "", dtype=object)
    km = np.zeros(n)
    names = _Names(mission)

    # 1. The country.
    unique_districts = np.unique(district_ids[has_coords])
    covered_ids = {int(d) for d in unique_districts if areas.country is not None and areas.covered(int(d))}
    covered = has_coords & np.isin(district_ids, list(covered_ids))
    if covered.any():
        idx = np.nonzero(covered)[0]
        outside = ~geo.contains_arrays(areas.country, lats[idx], lons[idx])
        idx = idx[outside]
        if len(idx):
            distance = geo.distance_to_km(areas.country, lats[idx], lons[idx])
            far = distance > BORDER_TOLERANCE_KM
            issue[idx[far]] = CoordinatesIssue.OUTSIDE_COUNTRY
            km[idx[far]] = distance[far]
    boxed = has_coords & ~covered
    if areas.box is not None and boxed.any():
        idx = np.nonzero(boxed)[0]
        outside = ~areas.box.contains_arrays(lats[idx], lons[idx])
        issue[idx[outside]] = CoordinatesIssue.OUTSIDE_COUNTRY
    for i in np.nonzero(issue == CoordinatesIssue.OUTSIDE_COUNTRY)[0]:
        results[i] = (CoordinatesIssue.OUTSIDE_COUNTRY, _outside_country_note(mission, areas, lats[i], lons[i], km[i]))

    # 2. The district's boundary; 3. the district's other sites.
    remaining = has_coords & (issue == "")
    ref_ids = np.array([p[0] if p[0] is not None else -1 for p in references], dtype=np.int64)
    ref_lats = _floats([p[1] for p in references])
    ref_lons = _floats([p[2] for p in references])
    ref_ok = ~(np.isnan(ref_lats) | np.isnan(ref_lons))
    ref_groups = _groups(ref_ids[ref_ok])
    ref_index = np.nonzero(ref_ok)[0]
    for district_id, idx in _groups(np.where(remaining, district_ids, -1)).items():
        if district_id < 0:
            continue
        boundary = areas.boundary(district_id)
        if boundary is not None:
            outside = ~geo.contains_arrays(boundary, lats[idx], lons[idx])
            idx = idx[outside]
            if not len(idx):
                continue
            distance = geo.distance_to_km(boundary, lats[idx], lons[idx])
            far = distance > BORDER_TOLERANCE_KM
            idx, distance = idx[far], distance[far]
            if not len(idx):
                continue
            containing = areas.districts_containing(lats[idx], lons[idx])
            for i, d, other in zip(idx.tolist(), distance.tolist(), containing, strict=True):
                results[i] = (
                    CoordinatesIssue.OUTSIDE_DISTRICT,
                    _outside_district_note(names, district_id, other, lats[i], lons[i], d),
                )
            continue
        # No boundary: the robust distance rule, on this district's points and references together.
        extra = ref_index[ref_groups[district_id]] if district_id in ref_groups else np.array([], dtype=np.int64)
        group_lats = np.concatenate([lats[idx], ref_lats[extra]])
        group_lons = np.concatenate([lons[idx], ref_lons[extra]])
        if len(group_lats) < MAD_MIN_SITES:
            continue
        centre_lat, centre_lon = float(np.median(group_lats)), float(np.median(group_lons))
        distances = geo.haversine_km(centre_lat, centre_lon, group_lats, group_lons)
        typical = float(np.median(distances))
        limit = max(MAD_FACTOR * typical, MAD_FLOOR_KM)
        for i, d in zip(idx.tolist(), distances[: len(idx)].tolist(), strict=True):
            if d > limit:
                results[i] = (
                    CoordinatesIssue.FAR_FROM_DISTRICT,
                    _far_note(names, district_id, lats[i], lons[i], d, typical),
                )
    return results


def _floats(values: list) -> np.ndarray:
    """A float array of numbers, Decimals or None (NaN): numpy converts in one pass when none is missing."""
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError):
        return np.array([float("nan") if v is None or v == "" else float(v) for v in values], dtype=float)


def _groups(ids: np.ndarray) -> dict[int, np.ndarray]:
    """{id: indices of the rows with that id}, by one sort (no pass over the array per group)."""
    if len(ids) == 0:
        return {}
    order = np.argsort(ids, kind="stable")
    values, starts = np.unique(ids[order], return_index=True)
    return {int(v): part for v, part in zip(values, np.split(order, starts[1:]), strict=True)}


class _Names:
    """District names for the notes, fetched in one query the first time a note needs one."""

    def __init__(self, mission: Mission):
        self.mission = mission
        self._names: dict[int, str] | None = None

    def __getitem__(self, location_id: int | None) -> str:
        if self._names is None:
            self._names = {
                loc.pk: loc.display_name
                for loc in Location.objects.filter(mission=self.mission).only("pk", "name", "name_fr")
            }
        return self._names.get(location_id, "?")


def _place(lat: float, lon: float) -> str:
    return f"{lat:.5f}, {lon:.5f}"


def _km(value: float) -> str:
    return format_count(round(value)) if value >= 10 else f"{value:.1f}"


def _slip(lat: float, lon: float, inside) -> str:
    """A likely slip, if correcting it puts the point where it belongs: `inside(lat, lon) -> bool`."""
    for candidate, text in (
        ((lon, lat), _("latitude and longitude look swapped")),
        ((lat, -lon), _("the longitude may have lost or gained its minus sign")),
        ((-lat, lon), _("the latitude may have lost or gained its minus sign")),
    ):
        c_lat, c_lon = candidate
        if -90 <= c_lat <= 90 and inside(c_lat, c_lon):
            return text
    return ""


def _outside_country_note(mission: Mission, areas: geo.MissionAreas, lat: float, lon: float, km: float) -> str:
    country = mission.host_country or mission.acronym
    if km > 0:
        note = _("%(place)s lies about %(km)s km outside %(country)s.") % {
            "place": _place(lat, lon),
            "km": _km(km),
            "country": country,
        }

        def inside(a, b):
            return geo.contains(areas.country, a, b)
    else:
        box = areas.box
        note = _(
            "%(place)s lies outside the area set for %(country)s (latitude %(south)s to %(north)s, "
            "longitude %(west)s to %(east)s)."
        ) % {
            "place": _place(lat, lon),
            "country": country,
            "south": box.south,
            "north": box.north,
            "west": box.west,
            "east": box.east,
        }
        inside = box.contains
    slip = _slip(lat, lon, inside)
    return _join(note, slip)


def _outside_district_note(names: _Names, district_id: int, other: int | None, lat, lon, km: float) -> str:
    values = {"place": _place(lat, lon), "km": _km(km), "district": names[district_id]}
    if other is not None:
        values["other"] = names[other]
        return _("%(place)s lies about %(km)s km outside %(district)s, in %(other)s.") % values
    return _("%(place)s lies about %(km)s km outside %(district)s.") % values


def _far_note(names: _Names, district_id: int, lat, lon, km: float, typical: float) -> str:
    return _(
        "%(place)s lies about %(km)s km from the other sites of %(district)s (half of them lie within "
        "%(typical)s km of their centre)."
    ) % {"place": _place(lat, lon), "km": _km(km), "district": names[district_id], "typical": _km(typical)}


def _join(note: str, slip: str) -> str:
    if slip:
        # Translators: a reason, then a likely cause, e.g. "… outside Mali. Latitude and longitude look swapped?"
        note = _("%(note)s Perhaps %(slip)s.") % {"note": note, "slip": slip}
    return note[: PollingSite._meta.get_field("coordinates_note").max_length]


def stored_language(mission: Mission) -> str:
    """The language of the notes stored on sites: the mission's default language (as scheduled reports)."""
    return mission.default_language or "en"


@transaction.atomic
def polling_sites_check_coordinates(
    *, security_plan: SecurityPlan, district_ids: Iterable[int] | None = None, user=None
) -> int:
    """Recompute `coordinates_issue` and `coordinates_note` of the plan's sites (of `district_ids` only,
    if given: the rule reads a district's sites together, so one site's change can move the others of its
    district). Stores only what changed, with history; returns how many sites changed.

    Notes are written in the mission's default language. Queries: 1 for the sites, those of
    `coordinates_check`, and batched updates with their history rows.
    """
    mission = security_plan.election_plan.mission
    sites = PollingSite.objects.filter(security_plan=security_plan)
    if district_ids is not None:
        sites = sites.filter(district_id__in=[d for d in set(district_ids) if d])
    rows = list(
        sites.order_by().values_list(
            "pk", "district_id", "latitude", "longitude", "coordinates_issue", "coordinates_note"
        )
    )
    if not rows:
        return 0
    with translation.override(stored_language(mission)):
        checked = coordinates_check(mission=mission, points=[(r[1], r[2], r[3]) for r in rows])
    changed = [
        PollingSite(pk=r[0], coordinates_issue=issue, coordinates_note=note)
        for r, (issue, note) in zip(rows, checked, strict=True)
        if (r[4], r[5]) != (issue, note)
    ]
    if changed:
        # The full rows, for the history records: only those of the changed sites, in batches (SQLite
        # limits the parameters of one query).
        for start in range(0, len(changed), CHUNK):
            part = {c.pk: c for c in changed[start : start + CHUNK]}
            full = list(PollingSite.objects.filter(pk__in=list(part)))
            for site in full:
                site.coordinates_issue = part[site.pk].coordinates_issue
                site.coordinates_note = part[site.pk].coordinates_note
            bulk_update_with_history(
                full,
                PollingSite,
                ["coordinates_issue", "coordinates_note"],
                batch_size=CHUNK,
                default_user=access.history_user(user),
                default_change_reason=_("coordinates checked")[:100],
            )
    return len(changed)
