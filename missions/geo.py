"""Geometry of a mission's areas, on the GeoJSON text of `Location.boundary` (no spatial database).

Shapely does the geometry; numpy the arrays. Conventions, everywhere in this module:
- points are given as latitude, longitude (the order of the app's fields and forms); shapely and GeoJSON
  use x = longitude, y = latitude, and the functions below translate;
- a bounding box is `Box(south, west, north, east)` in degrees;
- distances are kilometres on a sphere (haversine), close enough for a plausibility check and a map.

`mission_areas(mission_id)` loads a mission's boundaries once per process and keeps them as long as
they do not change (a fingerprint query checks that, one cheap query per call): the district map,
the national map and a 200,000-row coordinates check share the parsed, prepared geometries.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely
from django.db.models import Count, Max, Sum
from django.db.models.functions import Length
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180  # along a meridian, about 111.2 km


@dataclass(frozen=True)
class Box:
    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    def contains_arrays(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        return (lats >= self.south) & (lats <= self.north) & (lons >= self.west) & (lons <= self.east)

    def union(self, other: Box | None) -> Box:
        if other is None:
            return self
        return Box(
            min(self.south, other.south),
            min(self.west, other.west),
            max(self.north, other.north),
            max(self.east, other.east),
        )

    def padded(self, fraction: float = 0.03, minimum: float = 0.01) -> Box:
        """The box grown on every side by `fraction` of its size (at least `minimum` degrees)."""
        dlat = max((self.north - self.south) * fraction, minimum)
        dlon = max((self.east - self.west) * fraction, minimum)
        return Box(
            max(self.south - dlat, -90),
            max(self.west - dlon, -180),
            min(self.north + dlat, 90),
            min(self.east + dlon, 180),
        )


def parse_geometry(text: str) -> BaseGeometry | None:
    """The shapely geometry of a GeoJSON geometry text (a Feature's geometry is accepted too); None if blank
    or unreadable (a boundary that cannot be read is treated as no boundary, never as an error on a page)."""
    if not text:
        return None
    try:
        data = json.loads(text)
        if data.get("type") == "Feature":
            data = data.get("geometry") or {}
        geometry = shapely.geometry.shape(data)
    except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.GEOSException):
        return None
    if geometry.is_empty:
        return None
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    return geometry


def geometry_box(geometry: BaseGeometry) -> Box:
    west, south, east, north = geometry.bounds
    return Box(south, west, north, east)


def contains(geometry: BaseGeometry, lat: float, lon: float) -> bool:
    """Whether the point lies in the geometry (on its edge counts as in)."""
    return bool(shapely.intersects_xy(geometry, lon, lat))


def contains_arrays(geometry: BaseGeometry, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Vectorised `contains`: a boolean array. Prepare the geometry first (`shapely.prepare`) for speed."""
    return shapely.intersects_xy(geometry, lons, lats)


def distance_to_km(geometry: BaseGeometry, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Approximate distance in km from each point to the geometry (0 inside): the planar distance in
    degrees, with longitudes shrunk by the cosine of each point's latitude."""
    lats, lons = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
    nearest = shapely.shortest_line(geometry, shapely.points(lons, lats))
    # The far end of the shortest line is on the geometry; measure that segment on the sphere.
    coords = shapely.get_coordinates(nearest).reshape(-1, 2, 2)
    return haversine_km(coords[:, 0, 1], coords[:, 0, 0], coords[:, 1, 1], coords[:, 1, 0])


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km; scalars or numpy arrays."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    result = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return float(result) if result.ndim == 0 else result


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(haversine_km(lat1, lon1, lat2, lon2))


@dataclass(frozen=True)
class Projection:
    """An equirectangular projection of a box onto a drawing of `width` x `height` pixels.

    Longitudes are scaled by the cosine of the box's middle latitude, so a country near the equator and
    one at 60 degrees north both keep their shape; north is up. `fit` chooses the scale that fits the box
    in the width (and under `max_height`), with `margin` pixels around.
    """

    box: Box
    scale: float  # pixels per degree of latitude
    x_factor: float  # cos(middle latitude)
    margin: float
    width: int
    height: int

    @classmethod
    def fit(cls, box: Box, *, width: int, max_height: int, margin: float = 16) -> Projection:
        span_lat = max(box.north - box.south, 1e-4)
        x_factor = max(math.cos(math.radians((box.north + box.south) / 2)), 0.05)
        span_x = max((box.east - box.west) * x_factor, 1e-4)
        scale = min((width - 2 * margin) / span_x, (max_height - 2 * margin) / span_lat)
        height = int(math.ceil(span_lat * scale + 2 * margin))
        # Centre the drawing horizontally when the height is what limits the scale.
        return cls(box=box, scale=scale, x_factor=x_factor, margin=margin, width=width, height=height)

    @cached_property
    def _x0(self) -> float:
        drawn = (self.box.east - self.box.west) * self.x_factor * self.scale
        return (self.width - drawn) / 2

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (
            self._x0 + (lon - self.box.west) * self.x_factor * self.scale,
            self.margin + (self.box.north - lat) * self.scale,
        )

    def xy_arrays(self, lats, lons) -> tuple[np.ndarray, np.ndarray]:
        lats, lons = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
        return (
            self._x0 + (lons - self.box.west) * self.x_factor * self.scale,
            self.margin + (self.box.north - lats) * self.scale,
        )

    def degrees_per_pixel(self) -> float:
        return 1 / self.scale


# --- a mission's areas, parsed once -----------------------------------------------------------------------


@dataclass
class Area:
    """One location with a boundary: its id, level, parent id, names and geometry (prepared)."""

    id: int
    level: str
    parent_id: int | None
    name: str
    name_fr: str
    pcode: str
    geometry: BaseGeometry


@dataclass
class MissionAreas:
    """The parsed boundaries of one mission. `country` is the union of the top-level loaded boundaries
    (regions when they have boundaries, else districts), prepared; None without any boundary."""

    mission_id: int
    areas: dict[int, Area] = field(default_factory=dict)
    country: BaseGeometry | None = None
    box: Box | None = None  # the mission's own bounding box (Mission.bbox_*), if set

    def boundary(self, location_id: int | None) -> BaseGeometry | None:
        area = self.areas.get(location_id) if location_id is not None else None
        return area.geometry if area else None

    def covered(self, location_id: int | None) -> bool:
        """Whether the location or one of its ancestors has a boundary (so the country union speaks for it)."""
        seen = 0
        while location_id is not None and seen < 5:
            if location_id in self.areas:
                return True
            location_id = self._parents.get(location_id)
            seen += 1
        return False

    _parents: dict[int, int | None] = field(default_factory=dict)

    @cached_property
    def country_box(self) -> Box | None:
        return geometry_box(self.country) if self.country is not None else None

    @cached_property
    def _tree(self):
        ids = [a.id for a in self.areas.values() if a.level == "district"]
        return ids, shapely.STRtree([self.areas[i].geometry for i in ids])

    def districts_containing(self, lats, lons) -> list[int | None]:
        """For each point, the id of a district whose boundary contains it (None if none does)."""
        ids, tree = self._tree
        result: list[int | None] = [None] * len(lats)
        if not ids:
            return result
        point_index, geom_index = tree.query(shapely.points(np.asarray(lons), np.asarray(lats)), predicate="intersects")
        for p, g in zip(point_index.tolist(), geom_index.tolist(), strict=True):
            if result[p] is None:
                result[p] = ids[g]
        return result


_CACHE: OrderedDict[tuple, MissionAreas] = OrderedDict()
_CACHE_SIZE = 4
_LOCK = threading.Lock()


def boundaries_fingerprint(mission_id: int) -> tuple:
    """Changes when a boundary of the mission is added, removed or replaced (one aggregate query)."""
    from missions.models import Location, Mission

    agg = (
        Location.objects.filter(mission_id=mission_id)
        .exclude(boundary="")
        .aggregate(
            n=Count("pk"), last=Max("pk"), size=Sum(Length("boundary")), south=Sum("min_lat"), east=Sum("max_lon")
        )
    )
    box = (
        Mission.objects.filter(pk=mission_id).values_list("bbox_south", "bbox_west", "bbox_north", "bbox_east").first()
    )
    return (mission_id, agg["n"], agg["last"], agg["size"], agg["south"], agg["east"], box)


def mission_areas(mission_id: int) -> MissionAreas:
    """The mission's parsed and prepared boundaries, cached per process while they stay the same.

    Queries: 2 (the fingerprint: boundaries and the mission's box) when cached; 3 more on a change
    (locations with boundaries, all locations' parents, the box). Parsing 800 district boundaries and
    their union takes a fraction of a second, once.
    """
    key = boundaries_fingerprint(mission_id)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    areas = _load(mission_id, key[-1])
    with _LOCK:
        _CACHE[key] = areas
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return areas


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def _load(mission_id: int, box: tuple | None) -> MissionAreas:
    from missions.models import Location

    rows = list(
        Location.objects.filter(mission_id=mission_id)
        .exclude(boundary="")
        .values_list("pk", "level", "parent_id", "name", "name_fr", "pcode", "boundary")
    )
    result = MissionAreas(mission_id=mission_id)
    if box and None not in box:
        result.box = Box(*box)
    for pk, level, parent_id, name, name_fr, pcode, text in rows:
        geometry = parse_geometry(text)
        if geometry is None:
            continue
        shapely.prepare(geometry)
        result.areas[pk] = Area(pk, level, parent_id, name, name_fr, pcode, geometry)
    if result.areas:
        result._parents = dict(Location.objects.filter(mission_id=mission_id).values_list("pk", "parent_id"))
        top = [a for a in result.areas.values() if a.level == "region"] or [
            a for a in result.areas.values() if a.level == "district"
        ]
        top = top or list(result.areas.values())
        country = shapely.union_all([a.geometry for a in top])
        shapely.prepare(country)
        result.country = country
    return result


# --- drawing helpers -------------------------------------------------------------------------------------


def simplify_for(geometry: BaseGeometry, projection: Projection, pixels: float = 0.7) -> BaseGeometry:
    """The geometry simplified to what shows at this projection's scale (`pixels` of tolerance)."""
    return shapely.simplify(geometry, pixels / projection.scale, preserve_topology=False)


def svg_path(geometry: BaseGeometry, projection: Projection) -> str:
    """The SVG path data of a (multi)polygon's rings, in whole pixels, repeated points dropped.

    Relative moves after the first point keep it short: about 5 bytes per vertex.
    """
    parts: list[str] = []
    for ring in _rings(geometry):
        coords = np.asarray(ring.coords)
        if len(coords) < 3:
            continue
        xs, ys = projection.xy_arrays(coords[:, 1], coords[:, 0])
        pts = np.column_stack([np.rint(xs), np.rint(ys)]).astype(np.int64)
        keep = np.ones(len(pts), dtype=bool)
        keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
        pts = pts[keep]
        if len(pts) < 3:
            continue
        deltas = np.diff(pts, axis=0)
        body = " ".join(f"{dx} {dy}" for dx, dy in deltas.tolist())
        parts.append(f"M{pts[0][0]} {pts[0][1]}l{body}z")
    return "".join(parts)


def _rings(geometry: BaseGeometry) -> Iterable:
    if geometry is None or geometry.is_empty:
        return
    kind = geometry.geom_type
    if kind == "Polygon":
        yield geometry.exterior
        yield from geometry.interiors
    elif kind in ("MultiPolygon", "GeometryCollection"):
        for part in geometry.geoms:
            yield from _rings(part)


def label_point(geometry: BaseGeometry) -> tuple[float, float]:
    """(lat, lon) of a point inside the geometry where its name can go."""
    point = geometry.representative_point() if geometry.geom_type != "Point" else geometry
    return point.y, point.x


def robust_box(lats: Sequence[float], lons: Sequence[float], *, quantile: float = 0.0) -> Box | None:
    """The box of the points; with `quantile` (e.g. 0.01) the outermost fraction on each side is left out."""
    if len(lats) == 0:
        return None
    lats, lons = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
    lo, hi = quantile, 1 - quantile
    return Box(
        float(np.quantile(lats, lo)),
        float(np.quantile(lons, lo)),
        float(np.quantile(lats, hi)),
        float(np.quantile(lons, hi)),
    )
