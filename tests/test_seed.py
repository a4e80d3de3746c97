"""The demo mission (`seed_demo`) and the synthetic data set (`seed_scale`, at a tiny size)."""

import datetime
import io

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from benchmarks.models import Benchmark, OperationalOutput
from elections.models import ElectionPlan, Phase, PollingSite, RiskLevel
from mandate import access
from missions.models import Membership, Mission
from partners.models import Engagement, FollowUp, Partner

pytestmark = pytest.mark.django_db

ROLE_OF = {
    "hom": ("hom", None),
    "mlt": ("mlt", None),
    "electoral": ("staff", "electoral"),
    "civilaffairs": ("staff", "civil_affairs"),
    "military": ("staff", "military"),
    "partner1": ("partner", None),
    "partner2": ("partner", None),
    "hq": ("hq", None),
}


def _row_counts() -> dict[str, int]:
    # Every table, history tables included: a re-run must not add a single row anywhere.
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())
    return Mission.objects.get(acronym="UNMSV")


def test_seed_demo_twice_changes_nothing(demo):
    before = _row_counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert _row_counts() == before
    assert "exists already" in out.getvalue()


def _check_role_users(demo):
    memberships = {m.user.username: m for m in Membership.objects.filter(mission=demo).select_related("user")}
    for username, (role, component_kind) in ROLE_OF.items():
        m = memberships[username]
        assert m.role == role, username
        assert (m.component.kind if m.component else None) == component_kind, username
        assert m.user.check_password(settings.DEMO_PASSWORD), username
    assert memberships["civilaffairs"].district is not None
    assert memberships["partner1"].partner != memberships["partner2"].partner
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_seed_demo_builds_the_mission_the_issue_describes_with_one_user_per_role(demo):
    # One seed run checked from several sides: the seed takes seconds, so it runs once per test.
    today = timezone.localdate()
    assert OperationalOutput.objects.filter(mission=demo, library_output__isnull=False).count() == 5
    benchmarks = Benchmark.objects.filter(output__mission=demo).select_related("latest_assessment")
    latest = [b.latest_assessment for b in benchmarks if b.latest_assessment]
    assert {a.status for a in latest} >= {"on_track", "at_risk", "off_track", "achieved"}
    overdue = [a for a in latest if (today - a.assessed_on).days > settings.ASSESSMENT_OVERDUE_DAYS]
    assert overdue, "some benchmarks should be overdue for assessment"
    # Twelve months of assessments for a benchmark reviewed every month.
    assert max(b.assessments.count() for b in benchmarks) >= 12

    plan = ElectionPlan.objects.get(mission=demo, name__startswith="General elections")
    phases = list(plan.phases.order_by("start"))
    assert [p.kind for p in phases] == list(Phase.values)
    polling = next(p for p in phases if p.kind == Phase.POLLING)
    assert polling.start <= plan.polling_start <= plan.polling_end <= polling.end
    assert plan.polling_start - today > datetime.timedelta(days=90)
    assert plan.milestones.filter(benchmark__output__library_output__key="elections-held").exists()

    sites = PollingSite.objects.filter(security_plan__election_plan=plan)
    assert sites.count() >= 60
    assert sites.values("district").distinct().count() >= 5
    assert sites.filter(suggested_risk__in=[RiskLevel.HIGH, RiskLevel.CRITICAL], tasks__isnull=True).exists()

    partners = Partner.objects.filter(mission=demo)
    assert partners.count() == 20
    institutions = partners.filter(partner_type=Partner.PartnerType.SECURITY_INSTITUTION)
    assert institutions.filter(screening_status=Partner.Screening.NOT_CLEARED).exists()
    assert institutions.filter(screening_status__in=["cleared", "cleared_mitigation"]).exists()
    assert partners.filter(screening_status=Partner.Screening.PENDING).count() >= 2
    assert Engagement.objects.filter(mission=demo).count() == 150
    open_follow_ups = FollowUp.objects.filter(mission=demo, status=FollowUp.Status.OPEN)
    assert open_follow_ups.filter(due_date__lt=today).exists()
    assert FollowUp.objects.filter(mission=demo, status=FollowUp.Status.DONE).exists()

    _check_role_users(demo)
    _check_partner1_portal()


def _check_partner1_portal():
    partner1 = get_user_model().objects.get(username="partner1")
    engagements = list(access.scope(partner1, Engagement.objects.all()))
    assert len(engagements) >= 5
    assert all(e.shareable for e in engagements)
    assert access.scope(partner1, FollowUp.objects.all()).count() >= 2


def test_seed_scale_builds_a_small_data_set_and_refuses_to_build_it_twice():
    sizes = ["--benchmarks=20", "--assessments=60", "--polling-sites=15", "--partners=4", "--engagements=30"]
    sizes += ["--indicators=3", "--districts=3"]
    call_command("seed_scale", *sizes, stdout=io.StringIO())
    mission = Mission.objects.get(acronym="SCALE")
    assert Benchmark.objects.filter(output__mission=mission).count() == 20
    assert Benchmark.objects.filter(output__mission=mission, latest_assessment__isnull=True).count() == 0
    assert PollingSite.objects.filter(security_plan__election_plan__mission=mission).count() == 15
    assert Engagement.objects.filter(mission=mission).count() == 30
    assert Membership.objects.get(user__username="scale_partner1", mission=mission).partner is not None

    before = _row_counts()
    out = io.StringIO()
    call_command("seed_scale", *sizes, stdout=out)
    assert "exists already" in out.getvalue()
    assert _row_counts() == before

    call_command("seed_scale", "--reset", *sizes, stdout=io.StringIO())
    assert Mission.objects.filter(acronym="SCALE").count() == 1
    assert Engagement.objects.filter(mission__acronym="SCALE").count() == 30
    assert Partner.objects.filter(mission__acronym="SCALE").count() == 4


def test_latest_assessment_refresh_points_at_the_newest_and_changes_nothing_twice():
    from benchmarks.models import Assessment
    from mandate.maintenance import benchmark_latest_refresh
    from tests.factories import BenchmarkFactory, OutputFactory, UserFactory

    user, output = UserFactory(), OutputFactory()
    first, second, unassessed = (BenchmarkFactory(output=output) for _ in range(3))
    day = datetime.date(2026, 3, 1)
    a_old, a_new, b_only = Assessment.objects.bulk_create(
        [
            Assessment(benchmark=first, assessed_on=day, status="at_risk", progress=10, assessed_by=user),
            Assessment(
                benchmark=first, assessed_on=day.replace(day=20), status="on_track", progress=30, assessed_by=user
            ),
            Assessment(benchmark=second, assessed_on=day, status="on_track", progress=5, assessed_by=user),
        ]
    )
    assert benchmark_latest_refresh(mission_id=output.mission_id) == 2
    pointers = dict(Benchmark.objects.filter(output=output).values_list("pk", "latest_assessment_id"))
    assert pointers == {first.pk: a_new.pk, second.pk: b_only.pk, unassessed.pk: None}
    assert benchmark_latest_refresh(mission_id=output.mission_id) == 0


def test_seed_scale_national_builds_a_country_with_p_codes_boundaries_and_some_wrong_coordinates():
    import json

    from shapely.geometry import Point, shape

    from missions.models import Location

    sizes = ["--benchmarks=20", "--assessments=60", "--partners=4", "--engagements=30", "--indicators=3"]
    call_command(
        "seed_scale",
        "--national",
        "--regions=4",
        "--districts=40",
        "--subdistricts",
        "--sites=3000",
        *sizes,
        stdout=io.StringIO(),
    )
    mission = Mission.objects.get(acronym="SCALE")
    areas = Location.objects.filter(mission=mission)
    assert areas.filter(level="region").count() == 4
    assert areas.filter(level="district").count() == 40
    assert areas.filter(level="subdistrict").count() == 160
    region = areas.get(pcode="XX01")
    district = areas.get(pcode="XX0101")
    assert district.parent == region and areas.get(pcode="XX010101").parent == district
    assert not areas.filter(boundary="").exists() and not areas.filter(min_lat__isnull=True).exists()
    assert mission.bbox_south < district.min_lat and district.max_lon < mission.bbox_east
    # The same district name under two regions, as real countries have.
    names = list(areas.filter(level="district").values_list("name", flat=True))
    assert len(set(names)) < len(names)

    sites = PollingSite.objects.filter(security_plan__election_plan__mission=mission).select_related("district")
    assert sites.count() == 3000
    outlines = {d.pk: shape(json.loads(d.boundary)) for d in areas.filter(level="district")}
    outside = [s for s in sites if not outlines[s.district_id].buffer(0.01).contains(Point(s.longitude, s.latitude))]
    # About 1.3% are wrong (another continent, swapped, zeros, a neighbouring district); the rest lie inside.
    assert 0.005 * 3000 < len(outside) < 0.025 * 3000
    assert all(s.code.startswith(s.district.pcode) for s in sites[:50])


def test_the_synthetic_country_writes_a_cod_table_and_geojson_that_match(tmp_path):
    import csv
    import json

    from mandate.management.national import synthetic_country, write_cod_files

    country = synthetic_country(regions=3, districts=12, seed=7)
    table, geojson = write_cod_files(country, tmp_path)
    with table.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 12
    assert set(rows[0]) == {
        "admin1Name_en",
        "admin1Name_fr",
        "admin1Pcode",
        "admin2Name_en",
        "admin2Name_fr",
        "admin2Pcode",
    }
    assert all(r["admin2Pcode"].startswith(r["admin1Pcode"]) for r in rows)
    features = json.loads(geojson.read_text())["features"]
    pcodes = {f["properties"].get("ADM1_PCODE") or f["properties"].get("ADM2_PCODE") for f in features}
    assert pcodes == {r["admin1Pcode"] for r in rows} | {r["admin2Pcode"] for r in rows}
    xlsx, _ = write_cod_files(country, tmp_path, fmt="xlsx")
    assert xlsx.suffix == ".xlsx" and xlsx.stat().st_size > 0


def test_demo_areas_have_their_french_names_for_a_french_reader(demo):
    """Failing-first: the demo's regions had no French name, so a French user read "Northern Region"."""
    from django.utils import translation

    from missions.models import Location

    regions = Location.objects.filter(mission=demo, level=Location.Level.REGION)
    assert {r.name: r.name_fr for r in regions} == {
        "Northern Region": "Région du Nord",
        "Eastern Region": "Région de l’Est",
        "Southern Region": "Région du Sud",
        "Capital Region": "Région de la capitale",
    }
    with translation.override("fr"):
        assert regions.get(name="Northern Region").display_name == "Région du Nord"
    # A demo built before the names came gets them on the next run (the command is idempotent).
    regions.update(name_fr="")
    call_command("seed_demo", stdout=io.StringIO())
    assert not regions.filter(name_fr="").exists()
