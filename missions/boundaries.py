"""Area boundaries as the gazetteer stores them: a GeoJSON *geometry* as JSON text, plus its bounding box.

No spatial database: `Location.boundary` holds the outline already validated and simplified for drawing,
and `min_lat/min_lon/max_lat/max_lon` its box, so SQLite and PostgreSQL behave alike. This module turns
geometry (GeoJSON dicts or shapely objects) into those stored values; reading them back for maps and
point-in-area questions is `missions.geo`'s business.

Tolerances are in degrees. `SIMPLIFY_TOLERANCE` (0.002°, about 200 m) suits a country of about 800
districts: a district of 30-40 km keeps its shape on a district map a few hundred pixels wide, and a
national map draws well under a pixel of error. An area smaller than the tolerance allows keeps a
proportionally finer one (`tolerance_for`), so a small sub-district never collapses to a triangle.
Coordinates are rounded to `DECIMALS` (4 places, about 11 m) when written, well under the tolerance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SIMPLIFY_TOLERANCE = 0.002
DECIMALS = 4
# An area's own tolerance is at most this fraction of the larger side of its box.
MAX_TOLERANCE_SHARE = 0.01


@dataclass(frozen=True)
class StoredBoundary:
    """What goes into a Location: the geometry text and its bounding box."""

    text: str
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def as_fields(self) -> dict:
        return {
            "boundary": self.text,
            "min_lat": self.min_lat,
            "min_lon": self.min_lon,
            "max_lat": self.max_lat,
            "max_lon": self.max_lon,
        }


EMPTY_FIELDS = {"boundary": "", "min_lat": None, "min_lon": None, "max_lat": None, "max_lon": None}


class BoundaryError(ValueError):
    """A geometry that cannot be an area's boundary (no polygon in it, unreadable, out of range)."""


def tolerance_for(geom, tolerance: float = SIMPLIFY_TOLERANCE) -> float:
    min_x, min_y, max_x, max_y = geom.bounds
    return min(tolerance, max(max_x - min_x, max_y - min_y) * MAX_TOLERANCE_SHARE)


def polygonal(geom):
    """The polygons of a geometry made valid (shapely's make_valid), as a Polygon or MultiPolygon.

    Raises BoundaryError when nothing polygonal remains (a point, a line, an empty geometry).
    """
    from shapely import make_valid
    from shapely.geometry import GeometryCollection, MultiPolygon, Polygon

    if geom is None or geom.is_empty:
        raise BoundaryError("empty")
    if not geom.is_valid:
        geom = make_valid(geom)
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = []
    stack = [geom]
    while stack:
        g = stack.pop()
        if isinstance(g, Polygon) and not g.is_empty:
            parts.append(g)
        elif isinstance(g, MultiPolygon | GeometryCollection):
            stack.extend(g.geoms)
    if not parts:
        raise BoundaryError("not a polygon")
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def from_geojson(geometry: dict):
    """A shapely geometry from a GeoJSON geometry dict; BoundaryError when it cannot be read."""
    from shapely.geometry import shape

    if not isinstance(geometry, dict) or "type" not in geometry:
        raise BoundaryError("no geometry")
    try:
        geom = shape(geometry)
    except Exception as error:  # noqa: BLE001 - shapely raises several kinds for malformed coordinates
        raise BoundaryError(str(error)) from None
    return geom


def _rounded(coords):
    if isinstance(coords, int | float):
        return round(float(coords), DECIMALS)
    return [_rounded(c) for c in coords]


def store(geom, *, tolerance: float = SIMPLIFY_TOLERANCE) -> StoredBoundary:
    """Validate, simplify and serialise a geometry for `Location.boundary`.

    Raises BoundaryError when the geometry has no area, or lies outside longitude/latitude ranges
    (a file in a projected coordinate system, in metres, is the usual cause).
    """
    from shapely.geometry import mapping

    geom = polygonal(geom)
    min_x, min_y, max_x, max_y = geom.bounds
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        raise BoundaryError("out of range")
    simplified = geom.simplify(tolerance_for(geom, tolerance), preserve_topology=True)
    if not simplified.is_empty:
        geom = polygonal(simplified)
    shape = mapping(geom)
    text = json.dumps({"type": shape["type"], "coordinates": _rounded(shape["coordinates"])}, separators=(",", ":"))
    return StoredBoundary(
        text=text,
        min_lat=round(min_y, 6),
        min_lon=round(min_x, 6),
        max_lat=round(max_y, 6),
        max_lon=round(max_x, 6),
    )
