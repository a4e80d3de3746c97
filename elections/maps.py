"""An offline map of polling sites: a server-drawn SVG, no tile server and no JavaScript.

The sites are placed with an equirectangular projection of their own bounding box (longitude scaled
by the cosine of the middle latitude, so shapes are not stretched), coloured by risk level, with each
district's name at the centre of its sites. Small enough for a satellite link: one circle per site,
grouped by risk level so the colour is stated once per group.
"""

from __future__ import annotations

import math
from collections import defaultdict
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from elections.models import RiskLevel

RISK_COLOURS = {
    RiskLevel.LOW: "#2e8540",
    RiskLevel.MEDIUM: "#e0a100",
    RiskLevel.HIGH: "#e06a00",
    RiskLevel.CRITICAL: "#c62828",
}
MARGIN = 24
LEGEND = 24  # height of the legend band under the drawing
TOOLTIP_LIMIT = 1500


def project(points, width: int, max_height: int) -> tuple[list[tuple[float, float]], int]:
    """Pixel (x, y) for each (lat, lon) in `points`, and the height of the drawing."""
    lats = [float(p[0]) for p in points]
    lons = [float(p[1]) for p in points]
    min_lat, max_lat, min_lon, max_lon = min(lats), max(lats), min(lons), max(lons)
    # A single site (or a line of them) still needs a box to draw in.
    span_lat = max(max_lat - min_lat, 0.01)
    span_lon = max(max_lon - min_lon, 0.01)
    x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
    inner_w = width - 2 * MARGIN
    scale = inner_w / (span_lon * x_scale)
    height = min(max_height, int(span_lat * scale) + 2 * MARGIN)
    scale = min(scale, (height - 2 * MARGIN) / span_lat)
    xy = [
        (MARGIN + (lon - min_lon) * x_scale * scale, MARGIN + (max_lat - lat) * scale)
        for lat, lon in zip(lats, lons, strict=True)
    ]
    return xy, height


def render_site_map(points: list[tuple], *, width: int = 900, max_height: int = 700, title: str = "") -> str:
    """SVG text for `points` as given by `elections.selectors.map_points`."""
    if not points:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="60" viewBox="0 0 {width} 60">'
            f'<text x="10" y="35" font-family="sans-serif" font-size="14">'
            f"{escape(_('No site has coordinates yet.'))}</text></svg>"
        )
    xy, height = project([(p[2], p[3]) for p in points], width, max_height)
    radius = 4 if len(points) <= 500 else 2.5
    # Up to TOOLTIP_LIMIT sites, one circle each with its code and name as a tooltip. Beyond, one path of
    # round dots per risk level (about 10 bytes a site instead of 80): the whole-country overview stays
    # light on a satellite link, and the per-district maps carry the tooltips.
    labelled = len(points) <= TOOLTIP_LIMIT
    groups: dict[str, list[str]] = defaultdict(list)
    centres: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for (code, name, _lat, _lon, risk, district), (x, y) in zip(points, xy, strict=True):
        if labelled:
            groups[risk].append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}"><title>{escape(f"{code} {name}")}</title></circle>'
            )
        else:
            groups[risk].append(f"M{x:.0f} {y:.0f}h0")
        centres[district].append((x, y))
    label = escape(title or _("Map of polling sites"), {'"': "&quot;"})
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + LEGEND}" '
        f'viewBox="0 0 {width} {height + LEGEND}" '
        f'font-family="sans-serif" role="img" aria-label="{label}">',
        f'<rect width="{width}" height="{height}" fill="#f4f1ea" stroke="#c9c2b3"/>',
    ]
    for level in RiskLevel.values:
        if not groups.get(level):
            continue
        if labelled:
            out.append(f'<g fill="{RISK_COLOURS[level]}" stroke="#fff" stroke-width=".5" class="risk-{level}">')
            out.extend(groups[level])
            out.append("</g>")
        else:
            out.append(
                f'<path class="risk-{level}" fill="none" stroke="{RISK_COLOURS[level]}" '
                f'stroke-width="{radius * 2}" stroke-linecap="round" d="{"".join(groups[level])}"/>'
            )
    out.append(
        '<g font-size="12" text-anchor="middle" fill="#1d2430" stroke="#fff" stroke-width="3" paint-order="stroke">'
    )
    for district, coords in sorted(centres.items()):
        cx = sum(c[0] for c in coords) / len(coords)
        cy = sum(c[1] for c in coords) / len(coords)
        out.append(f'<text x="{cx:.0f}" y="{cy:.0f}">{escape(district)}</text>')
    out.append("</g>")
    # Legend.
    # Legend, in its own band below the drawing so it never hides a site.
    out.append(f'<g font-size="11" transform="translate({MARGIN},{height + 16})">')
    for i, level in enumerate(RiskLevel):
        out.append(
            f'<circle cx="{i * 90}" cy="-4" r="5" fill="{RISK_COLOURS[level]}"/>'
            f'<text x="{i * 90 + 9}" y="0">{escape(str(level.label))}</text>'
        )
    out.append("</g></svg>")
    return "".join(out)
