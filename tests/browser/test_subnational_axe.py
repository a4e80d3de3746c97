"""axe-core on the sub-national views (issue 10.6): the dashboard, the engagement overview and the readiness
page, for the whole mission and for one region, with district boundaries (the maps drawn) and without
(the note instead of a map)."""

import pytest

from benchmarks.models import Assessment
from elections.models import SecurityPlan
from missions import geo
from missions.models import Location, Mission
from partners.models import Engagement
from tests.browser.support import assert_accessible, log_in
from tests.geo_support import square


def _region(mission) -> Location:
    return (
        Location.objects.filter(mission=mission, level=Location.Level.REGION, children__level=Location.Level.DISTRICT)
        .order_by("pk")
        .first()
    )


def _give_boundaries(mission) -> Location:
    """Square boundaries for the first region and its districts, side by side; records there."""
    region = _region(mission)
    districts = list(Location.objects.filter(parent=region, level=Location.Level.DISTRICT).order_by("pk")[:3])
    assert districts, "the demo mission's regions have districts"
    Location.objects.filter(pk=region.pk).update(boundary=square(0, 10, len(districts), 11))
    for i, district in enumerate(districts):
        Location.objects.filter(pk=district.pk).update(boundary=square(i, 10, i + 1, 11))
    Assessment.objects.filter(benchmark__output__mission=mission).update(location=districts[0])
    Engagement.objects.filter(mission=mission).update(district=districts[-1])
    geo.clear_cache()
    return region


@pytest.mark.parametrize("boundaries", [True, False], ids=["with-boundaries", "without-boundaries"])
def test_the_sub_national_views_have_no_axe_violation(demo, page, boundaries):
    mission = Mission.objects.order_by("pk").first()
    region = _give_boundaries(mission) if boundaries else _region(mission)
    plan = SecurityPlan.objects.filter(election_plan__mission=mission).order_by("pk").first()
    urls = ["/benchmarks/", f"/benchmarks/?region={region.pk}", "/partners/overview/"]
    urls.append(f"/partners/overview/?region={region.pk}&period_start=2000-01-01")
    if plan is not None:
        urls.append(f"/elections/security/{plan.pk}/readiness/?region={region.pk}")
    log_in(page, demo.url, "hom")
    for url in urls:
        page.goto(demo.url + url)
        assert page.locator("h1").count() == 1, url
        if boundaries and not url.startswith("/elections/"):
            assert page.locator(".district-map svg").count() == 1, url
        assert_accessible(page)
