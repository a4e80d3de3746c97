"""Shared builders for the geometry, coordinates and map tests (no tests here), and `fresh_boundaries`: a module
that imports it starts and ends each test with an empty boundary cache."""

from __future__ import annotations

import json

import pytest

from missions import geo
from missions.models import Location


@pytest.fixture(autouse=True)
def fresh_boundaries():
    """The boundaries cache (missions.geo) emptied around each test: ids repeat across tests' rollbacks."""
    geo.clear_cache()
    yield
    geo.clear_cache()


def square(west: float, south: float, east: float, north: float) -> str:
    """A GeoJSON polygon text for the box (longitude first, as GeoJSON has it)."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def area(mission, name: str, box: tuple[float, float, float, float] | None, *, level="district", parent=None):
    """A location with the square boundary `box` = (west, south, east, north), or without boundary (None)."""
    fields = {}
    if box is not None:
        west, south, east, north = box
        fields = {
            "boundary": square(*box),
            "min_lat": south,
            "min_lon": west,
            "max_lat": north,
            "max_lon": east,
        }
    geo.clear_cache()
    return Location.objects.create(mission=mission, name=name, level=level, parent=parent, **fields)


def two_district_country(mission):
    """West (longitude 0-1) and East (1-2) districts, latitude 10-11, in one region, all with boundaries."""
    region = area(mission, "Central Region", (0, 10, 2, 11), level="region")
    west = area(mission, "West", (0, 10, 1, 11), parent=region)
    east = area(mission, "East", (1, 10, 2, 11), parent=region)
    return region, west, east
