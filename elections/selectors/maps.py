"""What the polling-site map shows: single sites, or, beyond `AGGREGATE_ABOVE` sites, counts per district.

Sites whose coordinates look wrong (`coordinates_issue` set) are left out and counted; the map's bounds
come from the area shown (boundaries), never from them. `elections.maps.site_map` draws the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Avg, Case, Count, Q, Value, When

from elections.models import PollingSite, SecurityPlan
from elections.selectors.plans import RISK_LEVELS, effective_risk
from missions import geo
from missions.models import Location

# Up to this many sites in view the map draws each; beyond, the national (or regional) view draws
# districts coloured by their share of high-risk sites, and a district view draws its sites. The setting
# ELECTIONS_MAP_AGGREGATE_ABOVE changes it (tests use a small one).
AGGREGATE_ABOVE = 3000


MAPPED, SUSPECT, NO_COORDINATES = "mapped", "suspect", "none"


def aggregation_threshold() -> int:
    return getattr(settings, "ELECTIONS_MAP_AGGREGATE_ABOVE", AGGREGATE_ABOVE)


@dataclass
class DistrictSites:
    """The mapped sites of one district, by effective risk level, and their mean position."""

    district_id: int
    by_risk: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RISK_LEVELS, 0))
    lat: float | None = None
    lon: float | None = None

    @property
    def sites(self) -> int:
        return sum(self.by_risk.values())

    @property
    def high_share(self) -> float:
        return (self.by_risk["high"] + self.by_risk["critical"]) / self.sites if self.sites else 0.0


@dataclass
class SiteMapData:
    security_plan: SecurityPlan
    district: Location | None
    region: Location | None
    areas: geo.MissionAreas
    places: dict[int, Location]  # the mission's regions and districts (sub-districts too), by id
    mapped: int  # sites in view with plausible coordinates
    suspect: int  # sites in view left out: their coordinates look wrong
    points: list[tuple] = field(default_factory=list)  # (code, name, lat, lon, risk, district_id)
    per_district: dict[int, DistrictSites] = field(default_factory=dict)

    @property
    def aggregated(self) -> bool:
        return bool(self.per_district)


def site_map_data(
    security_plan: SecurityPlan,
    *,
    district: Location | None = None,
    region: Location | None = None,
    aggregate_above: int | None = None,
) -> SiteMapData:
    """The map's content for the whole plan, one region or one district.

    Queries: 1. the sites' counts per district, risk level and state of the coordinates (mapped, suspect,
    none); 2-3. the boundaries' fingerprint (`geo.mission_areas`, plus up to two when the boundaries
    changed since they were parsed); 4. the mission's areas (names, parents); 5. the sites themselves,
    unless the view aggregates.
    """
    mission_id = security_plan.election_plan.mission_id
    sites = PollingSite.objects.filter(security_plan=security_plan)
    if district is not None:
        sites = sites.filter(district=district)
    elif region is not None:
        sites = sites.filter(district__parent=region)
    # One pass over the sites in view: counts per district, risk level and state of the coordinates.
    state = Case(
        When(~Q(coordinates_issue=""), then=Value(SUSPECT)),
        When(Q(latitude__isnull=True) | Q(longitude__isnull=True), then=Value(NO_COORDINATES)),
        default=Value(MAPPED),
    )
    rows = list(
        sites.annotate(risk=effective_risk(), state=state)
        .values("district_id", "risk", "state")
        .annotate(n=Count("pk"), lat=Avg("latitude"), lon=Avg("longitude"))
        .order_by()
    )
    data = SiteMapData(
        security_plan=security_plan,
        district=district,
        region=region,
        areas=geo.mission_areas(mission_id),
        places={
            loc.pk: loc
            for loc in Location.objects.filter(mission_id=mission_id)
            .exclude(level=Location.Level.SITE)
            .only("pk", "name", "name_fr", "level", "parent_id", "mission_id")
        },
        mapped=sum(r["n"] for r in rows if r["state"] == MAPPED),
        suspect=sum(r["n"] for r in rows if r["state"] == SUSPECT),
    )
    threshold = aggregation_threshold() if aggregate_above is None else aggregate_above
    if district is None and data.mapped > threshold:
        for row in rows:
            if row["state"] != MAPPED:
                continue
            entry = data.per_district.setdefault(row["district_id"], DistrictSites(row["district_id"]))
            weight_before = entry.sites
            entry.by_risk[row["risk"]] = row["n"]
            # The mean position over all risk levels, weighted by the number of sites of each.
            total = weight_before + row["n"]
            entry.lat = ((entry.lat or 0) * weight_before + float(row["lat"]) * row["n"]) / total
            entry.lon = ((entry.lon or 0) * weight_before + float(row["lon"]) * row["n"]) / total
    else:
        shown = sites.filter(latitude__isnull=False, longitude__isnull=False, coordinates_issue="")
        data.points = [
            (code, name, float(lat), float(lon), risk, district_id)
            for code, name, lat, lon, risk, district_id in shown.annotate(risk=effective_risk())
            .order_by("code")
            .values_list("code", "name", "latitude", "longitude", "risk", "district_id")
        ]
    return data
