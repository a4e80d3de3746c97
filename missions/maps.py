"""Server-drawn SVG maps: area boundaries (optionally a choropleth), points by category, thinned labels.

No tiles, no internet, no JavaScript: the result is one SVG text that a page embeds (inline, `<img>` or
`<object>`), that the API can serve as `image/svg+xml`, and that WeasyPrint draws in the PDF reports.

How to draw one (the district map of a dashboard, say)::

    from missions import geo, maps

    areas = geo.mission_areas(mission.pk)            # parsed, prepared boundaries, cached per process
    scale = maps.Choropleth.fixed([0.25, 0.5, 0.75], maps.SEQUENTIAL[:4], fmt=maps.percent)
    svg = maps.render_map(
        title=_("Benchmarks on track, by district"),
        areas=[
            maps.MapArea(geometry=a.geometry, name=a.name, value=share[a.id], href=f"?district={a.id}",
                         title=f"{a.name}: {share[a.id]:.0%}")
            for a in areas.areas.values() if a.level == "district"
        ],
        outlines=[a.geometry for a in areas.areas.values() if a.level == "region"],
        choropleth=scale,
    )
    # In a template: {{ svg }} (an `SvgMap` is safe HTML); its text is `svg.svg`.

The districts of a mission (or of one region) filled by a number or a category, with the regions
outlined, are one call: `district_map(areas=..., names=..., values=... | classes=..., ...)`; it answers
None without district boundaries. The pages put it in a `DistrictMapPanel` with the table of the same
figures (`templates/_district_map.html`): the dashboard's benchmark status, the engagement coverage.

What it does for you:
- **bounds** from the areas shown (else `box`, else the points): points outside them are left out and
  counted in the legend; pass `omitted` (e.g. sites whose coordinates look wrong, which the caller leaves
  out) and it is counted there too, with its label;
- **simplification** to what shows at the drawing's scale (under a pixel), whole-pixel path data;
- **labels** placed greedily by priority (larger areas first unless `label_priority` says otherwise),
  none overlapping another (`thin_labels`);
- **points** coloured by `Category`; up to `TOOLTIP_LIMIT` one circle each with its `<title>` tooltip and
  optional link, beyond that one compact path per category (about 10 bytes a point);
- **links**: an area or point with `href` is wrapped in `<a target="_top">` (the map may sit in an
  `<object>`); `links=False` drops them (the PDF);
- **accessibility**: `role="img"`, `aria-label` = title, a `<title>` and `<desc>`; put a table of the same
  numbers beside the map on the page where the numbers matter (the map is not the only way to read them).

Colours: `RISK`, `SEQUENTIAL` (light to dark), `NEUTRAL`. Strings passed in are escaped here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import numpy as np
import shapely
from csp.constants import SELF
from csp.decorators import csp_replace
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from shapely.geometry.base import BaseGeometry

from missions import geo
from missions.formats import format_count, format_labelled

# The same font stack as the dashboard's charts, so the PDF swaps both for its vendored font in one place.
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif"'
TOOLTIP_LIMIT = 1500
LAND = "#f4f1ea"
NO_DATA = "#e4e0d6"
EDGE = "#b4ab98"
OUTLINE = "#5d5649"
TEXT = "#1d2430"
# Light to dark, readable by most colour-blind people (a single hue ramp).
SEQUENTIAL = ["#fde8cf", "#f9bd85", "#ef8a47", "#d4561f", "#9e2f0c"]
NEUTRAL = "#59636e"
LEGEND_ROW = 20
LABEL_FONT = 11
AREA_LABEL_FONT = 10  # areas' names a little smaller than the names given as labels (e.g. regions, in bold)
CHAR_WIDTH = 0.58  # average glyph width of the sans-serif fonts, in ems: enough to keep labels apart


@dataclass
class Category:
    key: str
    label: str
    colour: str


@dataclass
class MapArea:
    geometry: BaseGeometry
    name: str = ""  # the label drawn on the map ("" for none)
    value: float | None = None  # coloured by the choropleth; None: no data
    fill: str = ""  # an explicit colour instead of a value
    title: str = ""  # tooltip (default: the name)
    href: str = ""
    label_priority: float | None = None  # higher first; default: the area's size


@dataclass
class MapPoint:
    lat: float
    lon: float
    category: str = ""
    title: str = ""
    href: str = ""
    label: str = ""  # drawn beside the point when it fits
    label_priority: float = 0
    radius: float | None = None  # proportional symbols; default: by the number of points
    colour: str = ""  # instead of the category's (e.g. a choropleth class for a district's symbol)


@dataclass
class MapLabel:
    """A name placed on the map where no area carries it (e.g. a district without boundary, at its sites)."""

    lat: float
    lon: float
    text: str
    priority: float = 0
    href: str = ""
    bold: bool = False


@dataclass
class Choropleth:
    """Classes of values: `breaks` are the upper bounds of all but the last class, ascending."""

    breaks: list[float]
    colours: list[str]
    fmt: Callable[[float], str] = lambda v: format_count(round(v))
    legend_title: str = ""

    def __post_init__(self):
        if len(self.colours) != len(self.breaks) + 1:
            raise ValueError("A choropleth needs one colour more than it has breaks.")

    @classmethod
    def fixed(cls, breaks: Sequence[float], colours: Sequence[str], **kwargs) -> Choropleth:
        return cls(list(breaks), list(colours), **kwargs)

    @classmethod
    def quantiles(cls, values: Iterable[float], colours: Sequence[str] = SEQUENTIAL, **kwargs) -> Choropleth:
        """Classes holding about as many areas each; fewer classes when the values are few or equal."""
        data = np.asarray([v for v in values if v is not None], dtype=float)
        if len(data) == 0:
            return cls([], [colours[0]], **kwargs)
        k = len(colours)
        breaks = sorted(set(np.quantile(data, [i / k for i in range(1, k)]).tolist()))
        breaks = [b for b in breaks if b < data.max()]
        return cls(breaks, list(colours[: len(breaks) + 1]), **kwargs)

    def colour(self, value: float | None) -> str:
        if value is None:
            return NO_DATA
        for limit, colour in zip(self.breaks, self.colours, strict=False):
            if value <= limit:
                return colour
        return self.colours[-1]

    def legend(self) -> list[tuple[str, str]]:
        """(colour, label) per class: "≤ 10", "10 – 25", "> 25"."""
        if not self.breaks:
            return [(self.colours[0], _("all areas"))]
        rows = [(self.colours[0], f"≤ {self.fmt(self.breaks[0])}")]
        for low, high, colour in zip(self.breaks, self.breaks[1:], self.colours[1:], strict=False):
            rows.append((colour, f"{self.fmt(low)} – {self.fmt(high)}"))
        rows.append((self.colours[-1], f"> {self.fmt(self.breaks[-1])}"))
        return rows


def fast_count() -> Callable[[int], str]:
    """`format_count` for many numbers: the active language's thousands separator looked up once."""
    separator = format_count(1000)[1:-3] or ","

    def count(n: int) -> str:
        return f"{n:,}".replace(",", separator)

    return count


def percent(value: float) -> str:
    return f"{round(value * 100)} %"


@dataclass
class Label:
    x: float
    y: float
    text: str
    priority: float = 0
    size: float = LABEL_FONT
    anchor: str = "middle"  # "middle": centred on x; "start": begins at x
    href: str = ""
    bold: bool = False

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the text as drawn, estimated from its length."""
        w = len(self.text) * self.size * CHAR_WIDTH + 6
        h = self.size * 1.35
        left = self.x - w / 2 if self.anchor == "middle" else self.x - 2
        return (left, self.y - h * 0.8, left + w, self.y + h * 0.2)


def overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def thin_labels(labels: Iterable[Label], *, width: float, height: float, limit: int = 400) -> list[Label]:
    """The labels that fit, highest priority first, none overlapping another or leaving the drawing.

    Greedy: each label is kept if its box overlaps no box kept before it. Boxes are bucketed in a grid
    of 64-pixel cells, so the check costs a few comparisons a label (thousands of candidates are fine).
    """
    cell = 64
    grid: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    kept: list[Label] = []
    for label in sorted(labels, key=lambda lb: -lb.priority):
        if len(kept) >= limit:
            break
        box = label.box
        if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
            continue
        cells = [
            (i, j)
            for i in range(int(box[0] // cell), int(box[2] // cell) + 1)
            for j in range(int(box[1] // cell), int(box[3] // cell) + 1)
        ]
        if any(overlaps(box, other) for c in cells for other in grid[c]):
            continue
        kept.append(label)
        for c in cells:
            grid[c].append(box)
    return kept


class SvgMap:
    """The SVG text of a map and what was drawn; safe to put in a template as it is (`__html__`)."""

    def __init__(self, svg: str, *, labels: list[Label], points_drawn: int, points_outside: int, omitted: int):
        self.svg = svg
        self.labels = labels
        self.points_drawn = points_drawn
        self.points_outside = points_outside
        self.omitted = omitted

    def __str__(self) -> str:
        return self.svg

    def __html__(self) -> str:
        return self.svg

    def __len__(self) -> int:
        return len(self.svg.encode())


def _attr(text: str) -> str:
    return escape(str(text), {'"': "&quot;"})


def render_map(
    *,
    title: str,
    areas: Sequence[MapArea] = (),
    outlines: Sequence[BaseGeometry] = (),
    points: Sequence[MapPoint] = (),
    labels: Sequence[MapLabel] = (),
    categories: Sequence[Category] = (),
    choropleth: Choropleth | None = None,
    box: geo.Box | None = None,
    omitted: int = 0,
    omitted_label: str = "",
    description: str = "",
    width: int = 900,
    max_height: int = 640,
    links: bool = True,
    empty_text: str = "",
    area_categories: Sequence[tuple[Category, int]] = (),
) -> SvgMap:
    """Draw the map (see the module's docstring). `outlines` are drawn over the areas without fill, thicker
    (e.g. the regions over a district choropleth). `omitted` points were left out by the caller and are
    counted in the legend with `omitted_label` (a text with %(n)s, or a default). `area_categories`
    (category, number of areas) are the legend of areas filled by category (`MapArea.fill`)."""
    frame = box or _areas_box(areas, outlines) or _points_box(points)
    if frame is None:
        text = empty_text or _("Nothing to show on the map yet.")
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="60" viewBox="0 0 {width} 60" '
            f'role="img" aria-label="{_attr(title)}" {FONT}>'
            f'<text x="10" y="35" font-size="14" fill="{TEXT}">{escape(text)}</text></svg>'
        )
        return SvgMap(svg, labels=[], points_drawn=0, points_outside=0, omitted=omitted)
    frame = frame.padded(0.02)
    projection = geo.Projection.fit(frame, width=width, max_height=max_height, margin=12)
    height = projection.height
    out: list[str] = []
    href_open = (lambda href: f'<a href="{_attr(href)}" target="_top">') if links else (lambda href: "")
    href_close = "</a>" if links else ""

    # Areas, then outlines.
    label_candidates: list[Label] = []
    if areas:
        simplified = shapely.simplify(
            np.array([a.geometry for a in areas], dtype=object), 0.7 / projection.scale, preserve_topology=True
        )
        out.append(f'<g stroke="{EDGE}" stroke-width="0.6" stroke-linejoin="round">')
        for area, geometry in zip(areas, simplified, strict=True):
            d = geo.svg_path(geometry, projection)
            if not d:
                continue
            fill = area.fill or (choropleth.colour(area.value) if choropleth else LAND)
            tip = area.title or area.name
            element = f'<path d="{d}" fill="{fill}">' + (f"<title>{escape(tip)}</title>" if tip else "") + "</path>"
            out.append(href_open(area.href) + element + href_close if area.href else element)
            if area.name:
                lat, lon = geo.label_point(area.geometry)
                x, y = projection.xy(lat, lon)
                w, s, e, n = area.geometry.bounds
                size = (e - w) * (n - s)
                priority = area.label_priority if area.label_priority is not None else size
                label_candidates.append(
                    Label(x, y + AREA_LABEL_FONT * 0.35, area.name, priority=priority, size=AREA_LABEL_FONT)
                )
        out.append("</g>")
    if outlines:
        out.append(f'<g fill="none" stroke="{OUTLINE}" stroke-width="1.3" stroke-linejoin="round">')
        simplified = shapely.simplify(np.array(list(outlines), dtype=object), 0.7 / projection.scale)
        for geometry in simplified:
            d = geo.svg_path(geometry, projection)
            if d:
                out.append(f'<path d="{d}"/>')
        out.append("</g>")

    # Points: those outside the frame are left out (and counted).
    drawn, outside, point_labels = _draw_points(out, points, categories, projection, frame, href_open, href_close)
    label_candidates += point_labels
    for extra in labels:
        x, y = projection.xy(extra.lat, extra.lon)
        size = LABEL_FONT + 1.5 if extra.bold else LABEL_FONT
        label_candidates.append(
            Label(x, y + size * 0.35, extra.text, priority=extra.priority, size=size, href=extra.href, bold=extra.bold)
        )

    placed = thin_labels(label_candidates, width=width, height=height)
    if placed:
        out.append(
            f'<g font-size="{LABEL_FONT}" fill="{TEXT}" stroke="#fff" stroke-width="3" '
            'stroke-linejoin="round" paint-order="stroke">'
        )
        for label in placed:
            anchor = "" if label.anchor == "start" else ' text-anchor="middle"'
            style = f' font-size="{label.size:g}"' if label.size != LABEL_FONT else ""
            style += ' font-weight="bold"' if label.bold else ' fill="#3b4250"' if label.size < LABEL_FONT else ""
            text = f'<text x="{label.x:.0f}" y="{label.y:.0f}"{anchor}{style}>{escape(label.text)}</text>'
            out.append(href_open(label.href) + text + href_close if label.href else text)
        out.append("</g>")

    legend, legend_height = _legend(
        width, height, categories, drawn, choropleth, outside, omitted, omitted_label, points, area_categories
    )
    total = height + legend_height
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total}" viewBox="0 0 {width} {total}" '
        f'role="img" aria-label="{_attr(title)}" {FONT} font-size="12">'
        f"<title>{escape(title)}</title>"
        + (f"<desc>{escape(description)}</desc>" if description else "")
        + f'<rect width="{width}" height="{height}" fill="#fbfaf7" stroke="#c9c2b3"/>'
    )
    svg = head + "".join(out) + legend + "</svg>"
    return SvgMap(svg, labels=placed, points_drawn=sum(drawn.values()), points_outside=outside, omitted=omitted)


def _areas_box(areas: Sequence[MapArea], outlines: Sequence[BaseGeometry]) -> geo.Box | None:
    geometries = [a.geometry for a in areas] + list(outlines)
    if not geometries:
        return None
    bounds = shapely.bounds(np.array(geometries, dtype=object))
    return geo.Box(
        float(np.nanmin(bounds[:, 1])),
        float(np.nanmin(bounds[:, 0])),
        float(np.nanmax(bounds[:, 3])),
        float(np.nanmax(bounds[:, 2])),
    )


def _points_box(points: Sequence[MapPoint]) -> geo.Box | None:
    if not points:
        return None
    lats = [p.lat for p in points]
    lons = [p.lon for p in points]
    return geo.robust_box(lats, lons)


def _draw_points(out, points, categories, projection, frame, href_open, href_close):
    drawn: dict[str, int] = defaultdict(int)
    if not points:
        return drawn, 0, []
    lats = np.fromiter((p.lat for p in points), dtype=float, count=len(points))
    lons = np.fromiter((p.lon for p in points), dtype=float, count=len(points))
    inside = frame.contains_arrays(lats, lons)
    outside = int((~inside).sum())
    xs, ys = projection.xy_arrays(lats, lons)
    colours = {c.key: c.colour for c in categories}
    order = [c.key for c in categories]
    by_category: dict[str, list[int]] = defaultdict(list)
    for i in np.nonzero(inside)[0].tolist():
        by_category[points[i].category].append(i)
    keys = order + sorted(k for k in by_category if k not in colours)
    n = int(inside.sum())
    radius = 4 if n <= 300 else 3 if n <= TOOLTIP_LIMIT else 1.6
    labels: list[Label] = []
    for key in keys:
        idx = by_category.get(key)
        if not idx:
            continue
        colour = colours.get(key, NEUTRAL)
        drawn[key] = len(idx)
        if n <= TOOLTIP_LIMIT or any(points[i].radius or points[i].colour for i in idx):
            out.append(f'<g fill="{colour}" stroke="#fff" stroke-width="0.6" class="cat-{_attr(key)}">')
            for i in idx:
                p = points[i]
                r = p.radius or radius
                tip = f"<title>{escape(p.title)}</title>" if p.title else ""
                own = f' fill="{p.colour}"' if p.colour else ""
                circle = f'<circle cx="{xs[i]:.1f}" cy="{ys[i]:.1f}" r="{r:.1f}"{own}>{tip}</circle>'
                out.append(href_open(p.href) + circle + href_close if p.href else circle)
                if p.label:
                    labels.append(Label(xs[i] + r + 2, ys[i] + 4, p.label, priority=p.label_priority, anchor="start"))
            out.append("</g>")
        else:
            # One path of round dots per category: "M x y h0" draws a dot of the stroke's width.
            px = np.rint(xs[idx]).astype(np.int64)
            py = np.rint(ys[idx]).astype(np.int64)
            # Dots on the same pixel draw once.
            unique = np.unique(px * 100_000 + py)
            d = "".join(f"M{v // 100_000} {v % 100_000}h0" for v in unique.tolist())
            out.append(
                f'<path class="cat-{_attr(key)}" fill="none" stroke="{colour}" stroke-width="{radius * 2}" '
                f'stroke-linecap="round" d="{d}"/>'
            )
    return drawn, outside, labels


def _legend(width, top, categories, drawn, choropleth, outside, omitted, omitted_label, points, area_categories=()):
    """The legend band under the drawing: categories with counts, choropleth classes, what was left out."""
    items: list[tuple[str, str, str]] = []  # (kind, colour, text)
    if points:
        for c in categories:
            items.append(("dot", c.colour, format_labelled(c.label, format_count(drawn.get(c.key, 0)))))
    if area_categories:
        for c, n in area_categories:
            items.append(("box", c.colour, format_labelled(c.label, format_count(n))))
        items.append(("box", NO_DATA, _("no data")))
    if choropleth is not None:
        if choropleth.legend_title:
            items.append(("text", "", choropleth.legend_title))
        for colour, text in choropleth.legend():
            items.append(("box", colour, text))
        items.append(("box", NO_DATA, _("no data")))
    notes = []
    if omitted:
        template = omitted_label or ngettext(
            "%(n)s point left out (coordinates look wrong)", "%(n)s points left out (coordinates look wrong)", omitted
        )
        notes.append(template % {"n": format_count(omitted)})
    if outside:
        notes.append(
            ngettext("%(n)s point outside the area shown", "%(n)s points outside the area shown", outside)
            % {"n": format_count(outside)}
        )
    # Lay the items out in rows, left to right.
    x, y, rows = 12.0, LEGEND_ROW - 6.0, 1
    parts: list[str] = []
    for kind, colour, text in items:
        w = len(text) * 11 * CHAR_WIDTH + (22 if kind != "text" else 8)
        if x + w > width - 12 and x > 12:
            x, y, rows = 12.0, y + LEGEND_ROW, rows + 1
        if kind == "dot":
            parts.append(f'<circle cx="{x + 5:.0f}" cy="{y - 4:.0f}" r="5" fill="{colour}"/>')
            parts.append(f'<text x="{x + 14:.0f}" y="{y:.0f}">{escape(text)}</text>')
        elif kind == "box":
            parts.append(f'<rect x="{x:.0f}" y="{y - 10:.0f}" width="12" height="12" fill="{colour}" stroke="{EDGE}"/>')
            parts.append(f'<text x="{x + 16:.0f}" y="{y:.0f}">{escape(text)}</text>')
        else:
            parts.append(f'<text x="{x:.0f}" y="{y:.0f}" font-weight="bold">{escape(text)}</text>')
        x += w + 10
    for note in notes:
        if parts:
            y += LEGEND_ROW
            rows += 1
        parts.append(f'<text x="12" y="{y:.0f}" fill="#6b4e00">{escape(note)}</text>')
    if not parts:
        return "", 0
    height = rows * LEGEND_ROW + 6
    return f'<g font-size="11" fill="{TEXT}" transform="translate(0,{top})">' + "".join(parts) + "</g>", height


@dataclass
class DistrictMapPanel:
    """A page's district map with its text alternative: the table of the same figures, one row a district.

    `templates/_district_map.html` shows it: the map (or `no_map_note` when no district has a boundary),
    then the table (`columns` after the district's name; rows of (name, link, [values])).
    """

    title: str
    svg: SvgMap | None
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str, str, list]] = field(default_factory=list)
    no_map_note: str = ""
    note: str = ""

    @property
    def html(self) -> SafeString:
        """The SVG for a template: Django's `{{ }}` turns objects into `str` before escaping, so an `SvgMap`'s
        `__html__` would be lost there. Every text in the SVG was escaped when it was drawn."""
        return mark_safe(self.svg.svg) if self.svg is not None else mark_safe("")  # noqa: S308


def no_boundaries_note() -> str:
    return _(
        "No district boundaries are loaded for this mission, so there is no district map: load them with the "
        "gazetteer import. The table below gives the same figures."
    )


def district_map(
    *,
    areas: geo.MissionAreas,
    title: str,
    names: Mapping[int, str],
    region_id: int | None = None,
    values: Mapping[int, float] | None = None,
    choropleth: Choropleth | None = None,
    classes: Mapping[int, str] | None = None,
    categories: Sequence[Category] = (),
    tips: Mapping[int, str] | None = None,
    link: Callable[[str, int], str] | None = None,
    selected_id: int | None = None,
    description: str = "",
    width: int = 900,
    max_height: int = 560,
    links: bool = True,
) -> SvgMap | None:
    """The districts of the mission (or of one region) filled by a value or a class: the sub-national maps
    of the dashboards (benchmark status, engagement coverage, site risk) in one drawing.

    - `values` + `choropleth`: a number per district id, in classes (e.g. engagements per district);
    - or `classes` + `categories`: a category key per district id (e.g. its worst benchmark status); the
      legend counts the districts of each;
    districts in neither have no data. `names` names the areas (districts and regions) by id; `tips` gives a
    district's tooltip (default: its name). `link(kind, id)` is where a district or region leads ("district"
    | "region"); `selected_id` is outlined (the district a page is narrowed to). Regions are outlined, and
    named in bold in the whole-mission view.

    Returns None when no district in view has a boundary: the caller says so instead of drawing an empty
    frame (without boundaries there is nothing to colour).
    """
    values = values or {}
    classes = classes or {}
    tips = tips or {}
    link = link if (link and links) else (lambda kind, pk: "")
    colours = {c.key: c.colour for c in categories}
    districts = [
        a for a in areas.areas.values() if a.level == "district" and (region_id is None or a.parent_id == region_id)
    ]
    if not districts:
        return None
    drawn = []
    per_class: dict[str, int] = defaultdict(int)
    for a in districts:
        name = names.get(a.id) or a.name
        key = classes.get(a.id)
        if key is not None:
            per_class[key] += 1
        drawn.append(
            MapArea(
                geometry=a.geometry,
                name=fit_text(name),
                value=values.get(a.id),
                fill=colours.get(key, NO_DATA) if classes or categories else "",
                title=tips.get(a.id) or name,
                href=link("district", a.id),
            )
        )
    if region_id is not None:
        regions = [areas.areas[region_id]] if region_id in areas.areas else []
    else:
        regions = [a for a in areas.areas.values() if a.level == "region"]
    outlines = [a.geometry for a in regions]
    if selected_id is not None and selected_id in areas.areas:
        outlines.append(areas.areas[selected_id].geometry)
    labels = [
        MapLabel(*geo.label_point(a.geometry), names.get(a.id) or a.name, priority=1e9, bold=True,
                 href=link("region", a.id))
        for a in regions
        if region_id is None
    ]  # fmt: skip
    return render_map(
        title=title,
        areas=drawn,
        outlines=outlines,
        labels=labels,
        choropleth=choropleth if not (classes or categories) else None,
        area_categories=[(c, per_class.get(c.key, 0)) for c in categories],
        description=description,
        width=width,
        max_height=max_height,
        links=links,
    )


def fit_text(text: str, limit: int = 28) -> str:
    """A label shortened to `limit` characters with an ellipsis (long names would crowd out the others)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


__all__ = [
    "Category",
    "Choropleth",
    "FONT",
    "district_map",
    "DistrictMapPanel",
    "no_boundaries_note",
    "Label",
    "MapArea",
    "MapLabel",
    "MapPoint",
    "SEQUENTIAL",
    "SvgMap",
    "TOOLTIP_LIMIT",
    "fit_text",
    "overlaps",
    "fast_count",
    "percent",
    "render_map",
    "thin_labels",
]


# --- serving maps ------------------------------------------------------------------------------------
# A page shows a map as an SVG document of its own (`<object type="image/svg+xml" data="...">`): it loads
# after the page, and its zoom links work (`target="_top"`). The site's Content-Security-Policy forbids
# objects and framing everywhere else; these two decorators open exactly that, same-origin only.


def embeds_map(view):
    """For a page that embeds a map document: `object-src 'self'` on that page only."""
    return csp_replace({"object-src": [SELF]})(view)


def map_document(view):
    """For the view that serves a map document: it may be embedded by the site's own pages."""
    return xframe_options_sameorigin(csp_replace({"frame-ancestors": [SELF]})(view))
