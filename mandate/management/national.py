"""A synthetic country at national scale, for `seed_scale --national` and the perf scripts.

`synthetic_country()` draws a country-shaped blob of grid cells around 7° N, 22° E (about 2-12° N and
15-29° E for 800 districts, so a point with swapped latitude and longitude always falls outside it):

- a grid of vertices, each jittered by up to a fifth of the grid step, so that neighbouring cells share
  their (crooked) edges and the cells still tile the country with no gap or overlap;
- a district is a 2 x 2 block of grid cells (an 8-vertex polygon); its four cells are its sub-districts;
- districts are grouped into regions by k-means on their centres (contiguous, of uneven size);
- regions' outlines are the union of their districts.

P-codes follow the common operational datasets: `XX01` for a region, `XX0101` for its first district,
`XX010101` for that district's first sub-district (`COUNTRY_CODE` is a user-assigned ISO code). About
40% of district names repeat in another region, as LGA names do in real countries; a third of the regions
have a French name that differs from the English one ("Kalo North" / "Kalo-Nord").

`write_cod_files()` writes the same gazetteer as an OCHA-style table (CSV or XLSX, one row per lowest
area, columns admin1Name_en, admin1Name_fr, admin1Pcode, admin2Name_en, ...) and a GeoJSON file of the
lowest level's boundaries with an `adm2_pcode`-style property, the shape of a real COD download.

Everything is deterministic for a given seed.
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

COUNTRY_CODE = "XX"
CENTRE = (7.0, 22.0)  # latitude, longitude
DISTRICT_STEP = 0.35  # degrees: a district is about 39 km across
JITTER = 0.2  # share of the grid step each vertex moves: below 0.25, every cell stays convex

SYLLABLES = (  # noqa: SIM905
    "ka lo ba ma ni to se ré dou kou fa gui bé na tam sa ko di ya mé bou ri go té zin "
    "mo la ké si da nou wa bi gou tié fou sé lé dja"
).split()
COMPASS = [("North", "Nord"), ("South", "Sud"), ("East", "Est"), ("West", "Ouest"), ("Centre", "Centre")]

# Far from any country drawn here: wrong coordinates of the kind real lists contain.
OTHER_CONTINENTS = [(48.85, 2.35), (-23.55, -46.63), (-33.87, 151.21), (40.71, -74.0), (39.9, 116.4), (55.75, 37.6)]


@dataclass
class Area:
    pcode: str
    name: str
    name_fr: str
    level: str  # "region", "district" or "subdistrict" (Location.Level values)
    parent: Area | None
    geometry: object = field(repr=False)  # a shapely Polygon or MultiPolygon
    # For districts and sub-districts: the grid cells (four corner points each) that make them up.
    cells: list = field(default_factory=list, repr=False)

    @property
    def centre(self) -> tuple[float, float]:
        c = self.geometry.representative_point() if self.level == "region" else self.geometry.centroid
        return round(c.y, 6), round(c.x, 6)


@dataclass
class Country:
    code: str
    regions: list[Area]
    districts: list[Area]
    subdistricts: list[Area]
    bbox: tuple[float, float, float, float]  # south, west, north, east (the mission's box, with a margin)

    @property
    def areas(self) -> list[Area]:
        return self.regions + self.districts + self.subdistricts

    @property
    def lowest(self) -> list[Area]:
        return self.subdistricts or self.districts


def _name(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def _names(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    out = []
    while len(out) < n:
        name = _name(rng, rng.choice([2, 2, 3]))
        if name not in taken and len(name) > 3:
            taken.add(name)
            out.append(name)
    return out


def _kmeans(points: list[tuple[float, float]], k: int, rng: random.Random, rounds: int = 12) -> list[int]:
    """Cluster labels for `points` (k-means, farthest-point start, deterministic for `rng`)."""
    centres = [points[rng.randrange(len(points))]]
    while len(centres) < k:
        far = max(points, key=lambda p: min((p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2 for c in centres))
        centres.append(far)
    labels = [0] * len(points)
    for _ in range(rounds):
        for i, p in enumerate(points):
            labels[i] = min(range(k), key=lambda j: (p[0] - centres[j][0]) ** 2 + (p[1] - centres[j][1]) ** 2)
        for j in range(k):
            members = [points[i] for i in range(len(points)) if labels[i] == j]
            if members:
                centres[j] = (sum(p[0] for p in members) / len(members), sum(p[1] for p in members) / len(members))
    # A cluster left empty takes the point farthest from its own centre.
    for j in range(k):
        if j not in labels:
            i = max(
                range(len(points)),
                key=lambda i: (points[i][0] - centres[labels[i]][0]) ** 2 + (points[i][1] - centres[labels[i]][1]) ** 2,
            )
            labels[i] = j
    return labels


def synthetic_country(
    *, regions: int = 37, districts: int = 800, subdistricts: bool = False, seed: int = 20260101
) -> Country:
    """The country described in the module docstring. Needs shapely."""
    from shapely.geometry import Polygon
    from shapely.ops import unary_union

    if regions < 1 or districts < regions:
        raise ValueError("Need at least one region and as many districts as regions.")
    rng = random.Random(seed)
    # Candidate district cells on a square grid; keep the `districts` ones nearest the centre, measured in a
    # distance stretched by a wobbly outline, so the country has a shape rather than a square.
    side = int(math.ceil(math.sqrt(districts) * 1.8))
    wobble = [rng.uniform(0, 2 * math.pi) for _ in range(3)]

    def outline_distance(r: int, c: int) -> float:
        y, x = r - side / 2 + 0.5, (c - side / 2 + 0.5) / 1.3
        angle = math.atan2(y, x)
        radius = 1 + 0.18 * math.sin(3 * angle + wobble[0]) + 0.1 * math.cos(5 * angle + wobble[1])
        return math.hypot(x, y) / radius + rng.random() * 0.3

    candidates = sorted((outline_distance(r, c), r, c) for r in range(side) for c in range(side))
    chosen = sorted((r, c) for _, r, c in candidates[:districts])

    fine = DISTRICT_STEP / 2
    lat0 = CENTRE[0] - side * DISTRICT_STEP / 2
    lon0 = CENTRE[1] - side * DISTRICT_STEP / 2
    vertices = {}

    def vertex(i: int, j: int) -> tuple[float, float]:
        if (i, j) not in vertices:
            vertices[(i, j)] = (
                round(lon0 + j * fine + rng.uniform(-JITTER, JITTER) * fine, 6),
                round(lat0 + i * fine + rng.uniform(-JITTER, JITTER) * fine, 6),
            )
        return vertices[(i, j)]

    cells_of, polygons = [], []
    for r, c in chosen:
        i, j = 2 * r, 2 * c
        ring = [vertex(i, j), vertex(i, j + 1), vertex(i, j + 2), vertex(i + 1, j + 2), vertex(i + 2, j + 2)]
        ring += [vertex(i + 2, j + 1), vertex(i + 2, j), vertex(i + 1, j)]
        polygons.append(Polygon(ring))
        cells_of.append(
            [
                (vertex(a, b), vertex(a, b + 1), vertex(a + 1, b + 1), vertex(a + 1, b))
                for a in (i, i + 1)
                for b in (j, j + 1)
            ]
        )

    labels = _kmeans([(p.centroid.y, p.centroid.x) for p in polygons], regions, rng)
    # Number regions from north-west to south-east, as COD tables usually run.
    members = {k: [i for i, label in enumerate(labels) if label == k] for k in range(regions)}
    order = sorted(
        members,
        key=lambda k: (
            -round(sum(polygons[i].centroid.y for i in members[k]) / len(members[k]), 0),
            sum(polygons[i].centroid.x for i in members[k]),
        ),
    )
    taken: set[str] = set()
    region_bases = _names(rng, regions, taken)
    district_pool = _names(rng, int(districts * 0.6) + 1, taken)

    country = Country(code=COUNTRY_CODE, regions=[], districts=[], subdistricts=[], bbox=(0, 0, 0, 0))
    for number, k in enumerate(order, start=1):
        base = region_bases[number - 1]
        if number % 3 == 0:
            en, fr = COMPASS[number % len(COMPASS)]
            name, name_fr = f"{base} {en}", f"{base}-{fr}"
        else:
            name = name_fr = base
        idx = sorted(members[k], key=lambda i: (-polygons[i].centroid.y, polygons[i].centroid.x))
        region = Area(
            pcode=f"{COUNTRY_CODE}{number:02d}",
            name=name,
            name_fr=name_fr,
            level="region",
            parent=None,
            geometry=unary_union([polygons[i] for i in idx]),
        )
        country.regions.append(region)
        if len(idx) > 99:
            raise ValueError("A region drew more than 99 districts; use more regions.")
        used: set[str] = set()
        for d_number, i in enumerate(idx, start=1):
            name = rng.choice(district_pool)
            while name in used:
                name = rng.choice(district_pool)
            used.add(name)
            district = Area(
                pcode=f"{region.pcode}{d_number:02d}",
                name=name,
                name_fr=name,
                level="district",
                parent=region,
                geometry=polygons[i],
                cells=cells_of[i],
            )
            country.districts.append(district)
            if subdistricts:
                for s_number, cell in enumerate(cells_of[i], start=1):
                    sub_name = f"{name} {s_number}" if s_number > 1 else f"{name} Centre"
                    country.subdistricts.append(
                        Area(
                            pcode=f"{district.pcode}{s_number:02d}",
                            name=sub_name,
                            name_fr=sub_name,
                            level="subdistrict",
                            parent=district,
                            geometry=Polygon(cell),
                            cells=[cell],
                        )
                    )
    min_x, min_y, max_x, max_y = unary_union(polygons).bounds
    country.bbox = (round(min_y - 0.1, 4), round(min_x - 0.1, 4), round(max_y + 0.1, 4), round(max_x + 0.1, 4))
    return country


def point_in_cell(cell, rng: random.Random) -> tuple[float, float]:
    """A random (latitude, longitude) inside a convex four-corner cell (bilinear interpolation)."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = cell
    u, v = rng.random(), rng.random()
    x = (1 - v) * ((1 - u) * x0 + u * x1) + v * ((1 - u) * x3 + u * x2)
    y = (1 - v) * ((1 - u) * y0 + u * y1) + v * ((1 - u) * y3 + u * y2)
    return y, x


def site_point(district: Area, neighbour: Area, rng: random.Random) -> tuple[float, float, str]:
    """A polling site's (latitude, longitude) inside `district`, wrong for about 1.3% of sites.

    The third value says what is wrong ("" when nothing is): "other_continent" (0.4%), "swapped"
    (latitude and longitude exchanged, 0.4%), "zeros" (0, 0; 0.3%), "other_district" (inside `neighbour`,
    0.2%). Perf scripts and tests compare a plausibility rule against these.
    """
    lat, lon = point_in_cell(rng.choice(district.cells), rng)
    draw = rng.random()
    if draw < 0.004:
        far_lat, far_lon = rng.choice(OTHER_CONTINENTS)
        return far_lat + rng.uniform(-1, 1), far_lon + rng.uniform(-1, 1), "other_continent"
    if draw < 0.008:
        return lon, lat, "swapped"
    if draw < 0.011:
        return 0.0, 0.0, "zeros"
    if draw < 0.013:
        lat, lon = point_in_cell(rng.choice(neighbour.cells), rng)
        return lat, lon, "other_district"
    return lat, lon, ""


# --- files in the layout of OCHA's common operational datasets --------------------------------------


def cod_header(levels: int) -> list[str]:
    header = []
    for k in range(1, levels + 1):
        header += [f"admin{k}Name_en", f"admin{k}Name_fr", f"admin{k}Pcode"]
    return header


def cod_rows(country: Country) -> list[list[str]]:
    """One row per lowest-level area with its ancestors' columns, as COD tables are laid out."""
    rows = []
    for area in country.lowest:
        chain = []
        a = area
        while a is not None:
            chain.insert(0, a)
            a = a.parent
        row = []
        for a in chain:
            row += [a.name, a.name_fr, a.pcode]
        rows.append(row)
    return rows


def _wiggled_edge(a: tuple[float, float], b: tuple[float, float], points: int) -> list[tuple[float, float]]:
    """`points` vertices strictly between a and b, wandering off the straight line as a surveyed border does.

    Seeded by the edge itself, so the two areas that share an edge draw it identically (no gap, no overlap).
    """
    forward = a <= b
    p, q = (a, b) if forward else (b, a)
    rng = random.Random(f"{p[0]:.6f},{p[1]:.6f},{q[0]:.6f},{q[1]:.6f}")
    dx, dy = q[0] - p[0], q[1] - p[1]
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length, dx / length
    walk, out = 0.0, []
    for k in range(1, points + 1):
        t = k / (points + 1)
        walk += rng.uniform(-1, 1) * length * 0.02
        offset = walk * math.sin(math.pi * t)  # back to the line at both ends
        out.append((round(p[0] + dx * t + nx * offset, 6), round(p[1] + dy * t + ny * offset, 6)))
    return out if forward else out[::-1]


def detailed(geometry, points_per_edge: int):
    """The geometry with `points_per_edge` extra vertices on every edge: the size and detail of a real COD
    boundary file (a few MB for 800 districts at 60), for timing the import's validation and simplification."""
    from shapely.geometry import MultiPolygon, Polygon

    if points_per_edge <= 0:
        return geometry

    def ring(coords):
        coords = list(coords)
        out = []
        for a, b in zip(coords, coords[1:], strict=False):
            out.append(a)
            out.extend(_wiggled_edge(tuple(a), tuple(b), points_per_edge))
        out.append(coords[-1])
        return out

    def polygon(p):
        return Polygon(ring(p.exterior.coords), [ring(i.coords) for i in p.interiors])

    if isinstance(geometry, MultiPolygon):
        return MultiPolygon([polygon(p) for p in geometry.geoms])
    return polygon(geometry)


def geojson_features(areas: list[Area], *, level: int, detail: int = 0) -> dict:
    """A FeatureCollection with one feature per area, its P-code under `ADM<level>_PCODE` (`detail`: extra
    vertices per edge, see `detailed`)."""
    from shapely.geometry import mapping

    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {f"ADM{level}_PCODE": a.pcode, f"ADM{level}_EN": a.name},
                "geometry": mapping(detailed(a.geometry, detail)),
            }
            for a in areas
        ],
    }


def write_cod_files(country: Country, directory: Path, *, fmt: str = "csv", detail: int = 0) -> tuple[Path, Path]:
    """Write `<code>_adm.csv` (or .xlsx) and `<code>_adm_boundaries.geojson` in `directory`.

    The table has one row per lowest area; the GeoJSON holds the boundaries of every level (regions as
    ADM1 features, districts as ADM2, sub-districts as ADM3), so one file loads all of them. `detail` adds
    vertices to every edge (`detailed`) for a file as heavy as a real one. Returns the two paths.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    levels = 3 if country.subdistricts else 2
    header, rows = cod_header(levels), cod_rows(country)
    if fmt == "xlsx":
        from openpyxl import Workbook

        table = directory / f"{country.code.lower()}_adm.xlsx"
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("adm")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        workbook.save(table)
    else:
        table = directory / f"{country.code.lower()}_adm.csv"
        with table.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(rows)
    collection = {"type": "FeatureCollection", "features": []}
    for level, areas in enumerate([country.regions, country.districts, country.subdistricts], start=1):
        collection["features"] += geojson_features(areas, level=level, detail=detail)["features"]
    boundaries = directory / f"{country.code.lower()}_adm_boundaries.geojson"
    boundaries.write_text(json.dumps(collection), encoding="utf-8")
    return table, boundaries
