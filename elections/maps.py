"""The polling-site map of a security plan, drawn with `missions.maps` (server-side SVG, no tiles, no JS).

Three views, from `elections.selectors.site_map_data`:
- **national** (or one **region**): the districts' boundaries under the regions' outlines, each district a
  link to its own view. Up to `AGGREGATE_ABOVE` sites each site is a dot coloured by risk; beyond, the
  districts are filled by their share of high- or critical-risk sites (a choropleth; the tooltip gives the
  counts by level), so a national list of 200,000 sites stays a light, readable map;
- **district**: its boundary (and sub-districts, when loaded) with every site; the high- and
  critical-risk sites named where names fit.
Without boundaries the same views fall back to the sites themselves (the frame is their box; districts'
names at the middle of their sites; aggregated districts as circles sized by their number of sites).

Sites whose coordinates look wrong are never drawn (they would stretch the map to another continent);
the legend counts them. The pages put the numbers in a table beside the map (readiness).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from elections.models import RiskLevel
from elections.selectors.maps import AGGREGATE_ABOVE, SiteMapData
from missions import geo, maps
from missions.formats import format_count

RISK_COLOURS = {
    RiskLevel.LOW: "#2e8540",
    RiskLevel.MEDIUM: "#e0a100",
    RiskLevel.HIGH: "#e06a00",
    RiskLevel.CRITICAL: "#c62828",
}
RISK_RANK = {level: i for i, level in enumerate(RiskLevel.values)}
# Share of a district's sites at high or critical risk, in five classes.
HIGH_SHARE_BREAKS = [0.1, 0.2, 0.35, 0.5]
# A district map names its high- and critical-risk sites (where names fit) when it has at most this many.
NAMED_SITES = 250
NAMED_RISKS = {RiskLevel.HIGH, RiskLevel.CRITICAL}

Link = Callable[[str, int], str]  # ("district" | "region", location id) -> URL


def risk_categories() -> list[maps.Category]:
    return [maps.Category(level.value, str(level.label), RISK_COLOURS[level]) for level in RiskLevel]


def high_share_scale() -> maps.Choropleth:
    return maps.Choropleth.fixed(
        HIGH_SHARE_BREAKS,
        maps.SEQUENTIAL,
        fmt=maps.percent,
        legend_title=_("Sites at high or critical risk:"),
    )


def site_map(
    data: SiteMapData,
    *,
    title: str,
    link: Link | None = None,
    width: int = 900,
    max_height: int = 640,
    links: bool = True,
) -> maps.SvgMap:
    """The SVG map of `data` (see the module's docstring). `link` gives the URL a district or region
    zooms to (none: no links)."""
    link = link if (link and links) else (lambda kind, pk: "")
    omitted_label = ngettext(
        "%(n)s site left out: its coordinates look wrong",
        "%(n)s sites left out: their coordinates look wrong",
        data.suspect,
    )
    common = {
        "title": title,
        "omitted": data.suspect,
        "omitted_label": omitted_label,
        "width": width,
        "max_height": max_height,
        "links": links,
        "empty_text": _("No site has coordinates yet."),
    }
    if data.district is not None:
        return _district_view(data, common)
    return _overview(data, common, link)


def _name(location) -> str:
    return location.display_name if location is not None else "?"


def _site_points(data: SiteMapData, *, named: bool) -> list[maps.MapPoint]:
    labels = {level.value: str(level.label) for level in RiskLevel}
    return [
        maps.MapPoint(
            lat=lat,
            lon=lon,
            category=risk,
            title=f"{code} {name} · {labels[risk]}",
            label=maps.fit_text(name, 24) if named and risk in NAMED_RISKS else "",
            label_priority=RISK_RANK.get(risk, 0),
        )
        for code, name, lat, lon, risk, _district in data.points
    ]


def _district_view(data: SiteMapData, common: dict) -> maps.SvgMap:
    district = data.district
    boundary = data.areas.boundary(district.pk)
    areas = []
    if boundary is not None:
        areas.append(maps.MapArea(geometry=boundary, title=_name(district), label_priority=-1))
        areas += [
            maps.MapArea(geometry=a.geometry, name=_name(data.places.get(a.id)), label_priority=-1)
            for a in data.areas.areas.values()
            if a.parent_id == district.pk
        ]
    named = len(data.points) <= NAMED_SITES
    description = _("%(n)s polling sites of %(district)s, coloured by risk level.") % {
        "n": format_count(len(data.points)),
        "district": _name(district),
    }
    return maps.render_map(
        areas=areas,
        points=_site_points(data, named=named),
        categories=risk_categories(),
        description=description,
        **common,
    )


def _overview(data: SiteMapData, common: dict, link: Link) -> maps.SvgMap:
    region = data.region
    areas_by_id = data.areas.areas
    if region is not None:
        district_areas = [a for a in areas_by_id.values() if a.level == "district" and a.parent_id == region.pk]
        outline_areas = [areas_by_id[region.pk]] if region.pk in areas_by_id else []
    else:
        district_areas = [a for a in areas_by_id.values() if a.level == "district"]
        outline_areas = [a for a in areas_by_id.values() if a.level == "region"]
    scale = high_share_scale() if data.aggregated else None
    _district_tip = _Tips()
    areas = []
    for a in district_areas:
        place = data.places.get(a.id)
        name = _name(place)
        entry = data.per_district.get(a.id)
        if data.aggregated:
            value = entry.high_share if entry and entry.sites else None
            tip = _district_tip(name, entry)
        else:
            value, tip = None, name
        areas.append(
            maps.MapArea(
                geometry=a.geometry, name=maps.fit_text(name), value=value, title=tip, href=link("district", a.id)
            )
        )
    labels = [
        maps.MapLabel(*geo.label_point(a.geometry), _name(data.places.get(a.id)), priority=1e9, bold=True,
                      href=link("region", a.id))
        for a in outline_areas
        if region is None
    ]  # fmt: skip
    points: list[maps.MapPoint] = []
    if data.aggregated:
        # Districts without a boundary still show: a circle at the middle of their sites, sized by their number.
        biggest = max((e.sites for e in data.per_district.values()), default=1)
        for district_id, entry in data.per_district.items():
            if district_id in areas_by_id or entry.lat is None:
                continue
            name = _name(data.places.get(district_id))
            points.append(
                maps.MapPoint(
                    lat=entry.lat,
                    lon=entry.lon,
                    title=_district_tip(name, entry),
                    href=link("district", district_id),
                    colour=scale.colour(entry.high_share),
                    radius=3 + 12 * math.sqrt(entry.sites / biggest),
                )
            )
            labels.append(maps.MapLabel(entry.lat, entry.lon, maps.fit_text(name), priority=entry.sites))
        description = _("%(n)s polling sites in %(d)s districts, too many to draw one by one: each district is "
                        "coloured by its share of sites at high or critical risk.") % {
            "n": format_count(data.mapped), "d": format_count(len(data.per_district))}  # fmt: skip
    else:
        points = _site_points(data, named=False)
        if not district_areas:
            # No boundaries: each district's name at the middle of its sites.
            middles: dict[int, list[tuple[float, float]]] = {}
            for _code, _n, lat, lon, _risk, district_id in data.points:
                middles.setdefault(district_id, []).append((lat, lon))
            for district_id, coords in middles.items():
                lat = sum(c[0] for c in coords) / len(coords)
                lon = sum(c[1] for c in coords) / len(coords)
                name = maps.fit_text(_name(data.places.get(district_id)))
                labels.append(maps.MapLabel(lat, lon, name, priority=len(coords), href=link("district", district_id)))
        description = _("%(n)s polling sites, coloured by risk level.") % {"n": format_count(len(data.points))}
    return maps.render_map(
        areas=areas,
        outlines=[a.geometry for a in outline_areas],
        points=points,
        labels=labels,
        categories=[] if data.aggregated else risk_categories(),
        choropleth=scale,
        description=description,
        **common,
    )


def district_risk_map(
    districts, *, areas: geo.MissionAreas, names: dict[int, str], title: str, region_id: int | None = None
) -> maps.SvgMap | None:
    """The readiness page's district map: each district filled by its share of sites at high or critical risk
    (`missions.maps.district_map`, the same drawing as the dashboard's and the engagement overview's), from
    the readiness counts already read (`districts`: objects with district_id, name, sites, by_risk). None
    without district boundaries."""
    tips = _Tips()
    return maps.district_map(
        areas=areas,
        title=title,
        names=names,
        region_id=region_id,
        values={d.district_id: high_share(d) for d in districts if d.sites},
        choropleth=high_share_scale(),
        tips={d.district_id: tips(names.get(d.district_id) or d.name, d) for d in districts},
        description=_("Each district is coloured by its share of polling sites at high or critical risk."),
        links=False,
    )


def high_share(entry) -> float:
    return (entry.by_risk["high"] + entry.by_risk["critical"]) / entry.sites if entry.sites else 0.0


class _Tips:
    """District tooltips: "Kayes: 250 sites (Low 120, Medium 80, High 40, Critical 10)". The words are
    translated once per map, not once per district (800 districts, 4,000 numbers)."""

    def __init__(self):
        self.labels = {level.value: str(level.label) for level in RiskLevel}
        self.count = maps.fast_count()
        self.empty = _("%(district)s: no site mapped")
        self.full = _("%(district)s: %(n)s sites (%(counts)s)")

    def __call__(self, name: str, entry) -> str:
        if entry is None or not entry.sites:
            return self.empty % {"district": name}
        counts = ", ".join(f"{self.labels[level]} {self.count(n)}" for level, n in entry.by_risk.items() if n)
        return self.full % {"district": name, "n": self.count(entry.sites), "counts": counts}


__all__ = [
    "AGGREGATE_ABOVE",
    "RISK_COLOURS",
    "district_risk_map",
    "high_share",
    "high_share_scale",
    "risk_categories",
    "site_map",
]
