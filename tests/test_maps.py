"""The generic SVG map (missions/maps.py) and the geometry helpers under it (missions/geo.py)."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET

import pytest
import shapely

from missions import geo, maps
from tests.geo_support import square

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def grid(n: int, size: float = 0.5) -> list[maps.MapArea]:
    """n x n square districts from (0, 10), each `size` degrees wide, named D<i>-<j>."""
    return [
        maps.MapArea(
            geometry=geo.parse_geometry(square(i * size, 10 + j * size, (i + 1) * size, 10 + (j + 1) * size)),
            name=f"District {i}-{j}",
            value=(i + j) / (2 * n),
            href=f"?district={i * n + j}",
        )
        for i in range(n)
        for j in range(n)
    ]


# --- geometry ---------------------------------------------------------------------------------------------


def test_point_in_a_boundary_and_its_box():
    area = geo.parse_geometry(square(0, 10, 1, 11))
    assert geo.contains(area, 10.5, 0.5) and not geo.contains(area, 10.5, 1.5)
    assert geo.geometry_box(area) == geo.Box(10, 0, 11, 1)
    assert list(geo.contains_arrays(area, [10.5, 12.0], [0.5, 0.5])) == [True, False]


def test_distances_are_kilometres_on_the_sphere():
    # One degree of latitude is about 111 km; Bamako to Dakar about 1,050 km.
    assert geo.distance_km(10, 0, 11, 0) == pytest.approx(111.2, abs=0.5)
    assert geo.distance_km(12.64, -8.0, 14.69, -17.44) == pytest.approx(1050, rel=0.03)
    area = geo.parse_geometry(square(0, 10, 1, 11))
    assert geo.distance_to_km(area, [10.5], [2.0])[0] == pytest.approx(109.4, rel=0.02)


def test_the_projection_keeps_shapes_and_puts_north_up():
    box = geo.Box(60, 10, 61, 12)  # two degrees of longitude at 60 N are about one of latitude
    p = geo.Projection.fit(box, width=400, max_height=400, margin=0)
    x0, y0 = p.xy(61, 10)
    x1, y1 = p.xy(60, 12)
    assert (x0, y0) == pytest.approx((0, 0), abs=5)  # centred: a few pixels in
    assert (x1 - x0) / (y1 - y0) == pytest.approx(2 * 0.4924, rel=0.01)  # 2 cos(60.5°): as on the ground
    assert y1 > y0


def test_an_unreadable_boundary_is_no_boundary():
    assert geo.parse_geometry("") is None
    assert geo.parse_geometry("{not json") is None
    assert geo.parse_geometry('{"type": "Point"}') is None


# --- the map ----------------------------------------------------------------------------------------------


def test_the_map_is_accessible_and_links_zoom_to_districts():
    svg = maps.render_map(title="Districts", areas=grid(3), choropleth=maps.Choropleth.quantiles([0, 0.5, 1]))
    root = parse(svg)
    assert root.get("role") == "img" and root.get("aria-label") == "Districts"
    assert root.find(f"{SVG}title").text == "Districts"
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert "?district=4" in links and all(a.get("target") == "_top" for a in root.iter(f"{SVG}a"))
    assert "no data" in str(svg)  # the choropleth's legend
    assert "href" not in str(maps.render_map(title="PDF", areas=grid(3), links=False))


def test_bounds_come_from_the_areas_and_points_outside_are_counted_not_drawn():
    areas = grid(2)
    inside = [maps.MapPoint(10.2 + i / 100, 0.2 + i / 100, "low") for i in range(20)]
    far = [maps.MapPoint(48.8, 2.3, "low"), maps.MapPoint(-33.9, 151.2, "low")]
    result = maps.render_map(
        title="t",
        areas=areas,
        points=inside + far,
        categories=[maps.Category("low", "Low", "#2e8540")],
        omitted=7,
    )
    assert result.points_drawn == 20 and result.points_outside == 2
    text = str(result)
    assert "7 points left out" in text and "2 points outside the area shown" in text
    # The frame is the grid's (one degree), not the world: a site 0.01 degrees apart moves ~8 pixels.
    xs = [float(c.get("cx")) for c in parse(result).iter(f"{SVG}circle") if c.get("r") != "5"]
    assert max(xs) - min(xs) > 100


def test_without_areas_the_frame_is_the_points():
    points = [maps.MapPoint(12 + i / 50, -8 + i / 50, "x") for i in range(10)]
    root = parse(maps.render_map(title="t", points=points, categories=[maps.Category("x", "X", "#000")]))
    xs = [float(c.get("cx")) for c in root.iter(f"{SVG}circle") if c.get("r") != "5"]
    assert max(xs) - min(xs) > 500


def _boxes(labels):
    return [lb.box for lb in labels]


def test_labels_are_thinned_so_that_none_overlap():
    rng = random.Random(4)
    candidates = [
        maps.Label(rng.uniform(0, 400), rng.uniform(0, 300), f"Polling centre {i}", priority=rng.random())
        for i in range(2000)
    ]
    kept = maps.thin_labels(candidates, width=400, height=300)
    assert 10 < len(kept) < 200
    boxes = _boxes(kept)
    assert not any(maps.overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert all(b[0] >= 0 and b[2] <= 400 and b[1] >= 0 and b[3] <= 300 for b in boxes)
    # Highest priority first: the best candidate that fits is always kept.
    best = max((c for c in candidates if maps.thin_labels([c], width=400, height=300)), key=lambda c: c.priority)
    assert best in kept


def test_the_labels_drawn_on_a_crowded_map_do_not_overlap():
    result = maps.render_map(title="t", areas=grid(12, size=0.1), width=500)
    drawn = [
        (float(t.get("x")), float(t.get("y")), t.text)
        for t in parse(result).iter(f"{SVG}text")
        if t.text.startswith("District")
    ]
    assert 0 < len(drawn) < 144  # some, not all, of the 144 names fit
    assert len(drawn) == len(result.labels)
    boxes = _boxes(result.labels)
    assert not any(maps.overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_a_large_point_set_stays_small():
    rng = random.Random(1)
    points = [maps.MapPoint(rng.uniform(4, 14), rng.uniform(15, 30), rng.choice("abcd")) for _ in range(200_000)]
    cats = [maps.Category(k, k, "#123456") for k in "abcd"]
    result = maps.render_map(title="t", areas=grid(20, size=0.75), points=points, categories=cats)
    assert len(result) < 500_000
    # Compact dots, one path per category, and no per-point tooltip.
    assert len(re.findall(r'class="cat-', str(result))) == 4
    assert "<circle" not in str(result).split("</g>")[0]


def test_area_outlines_are_simplified_to_the_drawing_scale():
    # A circle of 10,000 vertices drawn 100 pixels wide needs far fewer.
    circle = shapely.Point(20, 8).buffer(1, quad_segs=2500)
    area = maps.MapArea(geometry=circle, name="Round")
    svg = str(maps.render_map(title="t", areas=[area], width=120, max_height=120))
    assert len(svg) < 5000


def test_choropleth_classes_and_legend():
    scale = maps.Choropleth.fixed([0.1, 0.5], ["#a", "#b", "#c"], fmt=maps.percent)
    assert [scale.colour(v) for v in (0, 0.1, 0.3, 0.9, None)] == ["#a", "#a", "#b", "#c", maps.NO_DATA]
    assert [text for _c, text in scale.legend()] == ["≤ 10 %", "10 % – 50 %", "> 50 %"]
    assert maps.Choropleth.quantiles([5, 5, 5]).legend() == [(maps.SEQUENTIAL[0], "all areas")]
