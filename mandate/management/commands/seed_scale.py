"""A large synthetic mission (acronym SCALE) for the performance scripts in perf/.

Rows are written with `bulk_create` in large batches: no model `save()`, so no history rows and no
signals, which is what makes 300,000+ rows fit in well under five minutes. The few rows people log in
with (users, memberships) go through the ordinary path. On PostgreSQL a transaction-level advisory
lock serialises concurrent runs (perf scripts of several people may call this at once): the second
run waits, then finds the mission and exits.

`--national` gives the mission a real country's shape instead of a flat list of districts: the synthetic
gazetteer of `mandate.management.national` (37 regions, 800 districts, optionally 3,200 sub-districts, all
with COD-style P-codes and boundaries; district names that repeat in other regions), the country's box on
the mission, and 200,000 polling sites inside their districts of which about 1.3% have wrong coordinates
(another continent, latitude and longitude swapped, zeros, a neighbouring district). The sites are seeded
unflagged: the coordinates rule (`elections.services.coordinates`) is what perf scripts measure on them.
"""

from __future__ import annotations

import datetime
import random
import time
import uuid
from contextlib import contextmanager
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from benchmarks.models import (
    Activity,
    AreaStatus,
    AreaStatusChange,
    Assessment,
    Benchmark,
    Indicator,
    IndicatorValue,
    MissionDistrictCount,
    MissionTrendCount,
    OperationalOutput,
    Risk,
    Status,
    StatusChange,
    StatusTrendCount,
    Term,
)
from elections.models import (
    ElectionPlan,
    ElectoralPhase,
    Incident,
    Milestone,
    Phase,
    PollingSite,
    RiskLevel,
    SecurityPlan,
    SecurityTask,
    Threat,
    TransportLeg,
)
from mandate.maintenance import benchmark_latest_refresh
from mandate.management import national
from mandate.management.seeding import demo_password_hash, ensure_role_users, month_start, phase_spans
from missions import boundaries
from missions.models import Component, Location, Membership, Mission
from partners import summaries as partner_summaries
from partners.models import Contact, Engagement, EngagementMonth, FollowUp, Partner
from reports.models import Report, ReportKind, ReportSchedule, ReportSnapshot

ACRONYM = "SCALE"
PREFIX = "scale_"
BATCH = 5000
# Any constant shared by every caller; it names this command's lock among the database's advisory locks.
ADVISORY_LOCK_KEY = 0x5CA1E

Kind = Component.Kind

# Vocabulary of the synthetic text (summaries, evidence, descriptions).
WORDS = (  # noqa: SIM905
    "dialogue community leaders women youth elders district council security elections registration land "
    "dispute reconciliation training workshop radio hate speech ceasefire monitoring police justice "
    "detention human rights protection displacement returns water market road school clinic budget "
    "governor prefect chief customary court mediation party candidates observers ballots"
).split()


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


class Command(BaseCommand):
    help = (
        "Create a large synthetic mission (SCALE) for performance work. Exits if it exists, unless --reset. "
        "With --national: a synthetic country (37 regions, 800 districts with COD P-codes XX01, XX0101, ... and "
        "boundary polygons, repeated district names, the mission's bounding box) and 200,000 polling sites, "
        "about 1.3% of them with wrong coordinates."
    )

    def add_arguments(self, parser):
        parser.add_argument("--benchmarks", type=int, default=5000)
        parser.add_argument("--assessments", type=int, default=50000)
        parser.add_argument("--indicators", type=int, default=1000, help="each with twelve monthly values")
        parser.add_argument(
            "--polling-sites",
            "--sites",
            dest="polling_sites",
            type=int,
            default=None,
            help="polling sites in one security plan (default 5,000; 200,000 with --national)",
        )
        parser.add_argument("--partners", type=int, default=2000)
        parser.add_argument("--engagements", type=int, default=100000)
        parser.add_argument(
            "--districts", type=int, default=None, help="districts (default 120 in regions of ten; 800 with --national)"
        )
        parser.add_argument(
            "--national",
            action="store_true",
            help="a country-shaped gazetteer: regions and districts with P-codes and boundaries, the mission's box",
        )
        parser.add_argument("--regions", type=int, default=37, help="regions with --national (default 37)")
        parser.add_argument(
            "--subdistricts", action="store_true", help="with --national: four sub-districts in each district"
        )
        parser.add_argument("--seed", type=int, default=20260101)
        parser.add_argument("--reset", action="store_true", help="delete the SCALE mission first")

    def handle(self, *args, **opts):
        national_defaults = {"districts": 800, "polling_sites": 200_000}
        plain_defaults = {"districts": 120, "polling_sites": 5000}
        for name, value in (national_defaults if opts["national"] else plain_defaults).items():
            if opts[name] is None:
                opts[name] = value
        if opts["subdistricts"] and not opts["national"]:
            raise CommandError("--subdistricts needs --national.")
        if opts["national"] and not 1 <= opts["regions"] <= opts["districts"]:
            raise CommandError("--national needs at least one region and as many districts as regions.")
        if opts["benchmarks"] < 10 or opts["partners"] < 2 or opts["polling_sites"] < 1 or opts["districts"] < 1:
            raise CommandError("Need at least 10 benchmarks, 2 partners, 1 polling site and 1 district.")
        self.verbosity = opts["verbosity"]
        started = time.monotonic()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            existing = Mission.objects.filter(acronym=ACRONYM).first()
            if existing is not None:
                if not opts["reset"]:
                    self.stdout.write(f"The {ACRONYM} mission exists already; use --reset to rebuild it.")
                    return
                self._step("reset", lambda: delete_mission_rows(existing))
            builder = ScaleBuilder(opts, self._step)
            builder.build()
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner guesses on tables that grew from empty to 100,000 rows
            # (a count for pagination turned into a 250 ms sequential scan).
            self._step("analyze", lambda: connection.cursor().execute("ANALYZE"))
        elapsed = time.monotonic() - started
        counts = builder.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"{ACRONYM} mission built in {elapsed:.1f} s: "
                + ", ".join(f"{n:,} {name}" for name, n in counts.items())
            )
        )

    def _step(self, name, fn):
        t = time.monotonic()
        result = fn()
        if self.verbosity >= 2:
            self.stdout.write(f"  {name}: {time.monotonic() - t:.1f} s")
        return result


@contextmanager
def deferred_secondary_indexes(models):
    """On PostgreSQL, drop the secondary indexes of these tables for a bulk load and rebuild them after.

    Building an index once over 100,000 rows is much cheaper than updating it row by row (the full-text
    GIN index of the engagement log above all). Indexes that back a constraint (primary keys, unique
    constraints) stay, so the load is still checked. Inside the command's transaction, so a failed load
    rolls the DROPs back too; the tables are locked against other writers until it commits.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        # Foreign keys are deferred (checked at commit). Run the checks still pending now, while every
        # index is there (a check of a deleted row without its index scans the whole table), and keep
        # checking statement by statement during the load: PostgreSQL also refuses CREATE INDEX on a
        # table with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _raw_delete(queryset) -> None:
    # A plain DELETE: the ORM's cascade would load every row and write a history row per deletion.
    queryset._raw_delete(queryset.db)


def delete_mission_rows(mission: Mission) -> None:
    """Delete a mission and everything in it with set-based DELETEs, children first.

    The seeded users stay (they are reused); their memberships go. Foreign keys are checked at
    commit (Django creates them deferrable), so the order only has to be complete, not perfect.
    """
    m = mission.pk
    plans = SecurityPlan.objects.filter(election_plan__mission_id=m)
    for qs in [
        ReportSnapshot.objects.filter(report__mission_id=m),
        Report.objects.filter(mission_id=m),
        ReportSchedule.objects.filter(mission_id=m),
        FollowUp.objects.filter(mission_id=m),
        Engagement.partners.through.objects.filter(engagement__mission_id=m),
        Engagement.outputs.through.objects.filter(engagement__mission_id=m),
        Engagement.benchmarks.through.objects.filter(engagement__mission_id=m),
        Engagement.officers.through.objects.filter(engagement__mission_id=m),
        EngagementMonth.objects.filter(mission_id=m),
        Engagement.objects.filter(mission_id=m),
        Membership.objects.filter(mission_id=m),
        Contact.objects.filter(partner__mission_id=m),
        Partner.objects.filter(mission_id=m),
        TransportLeg.objects.filter(security_plan__in=plans),
        SecurityTask.objects.filter(security_plan__in=plans),
        Threat.sites.through.objects.filter(threat__security_plan__in=plans),
        Threat.objects.filter(security_plan__in=plans),
        PollingSite.objects.filter(security_plan__in=plans),
        plans,
        Incident.objects.filter(election_plan__mission_id=m),
        Milestone.objects.filter(plan__mission_id=m),
        ElectoralPhase.objects.filter(plan__mission_id=m),
        ElectionPlan.benchmarks.through.objects.filter(electionplan__mission_id=m),
        ElectionPlan.objects.filter(mission_id=m),
        IndicatorValue.objects.filter(indicator__output__mission_id=m),
        Indicator.objects.filter(output__mission_id=m),
        Risk.objects.filter(output__mission_id=m),
    ]:
        _raw_delete(qs)
    Benchmark.objects.filter(output__mission_id=m).update(latest_assessment=None)
    for qs in [
        StatusChange.objects.filter(benchmark__output__mission_id=m),
        StatusTrendCount.objects.filter(output__mission_id=m),
        AreaStatus.objects.filter(benchmark__output__mission_id=m),
        AreaStatusChange.objects.filter(benchmark__output__mission_id=m),
        MissionTrendCount.objects.filter(mission_id=m),
        MissionDistrictCount.objects.filter(mission_id=m),
        Assessment.objects.filter(benchmark__output__mission_id=m),
        Benchmark.objects.filter(output__mission_id=m),
        Activity.objects.filter(output__mission_id=m),
        OperationalOutput.objects.filter(mission_id=m),
        Location.objects.filter(mission_id=m, level=Location.Level.SITE),
        Location.objects.filter(mission_id=m, level=Location.Level.SUBDISTRICT),
        Location.objects.filter(mission_id=m, level=Location.Level.DISTRICT),
        Location.objects.filter(mission_id=m),
        Component.objects.filter(mission_id=m),
        Mission.objects.filter(pk=m),
    ]:
        _raw_delete(qs)


class ScaleBuilder:
    def __init__(self, opts: dict, step):
        self.opts = opts
        self.step = step
        self.rng = random.Random(opts["seed"])
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.counts: dict[str, int] = {}

    def build(self) -> None:
        s = self.step
        s("mission", self.mission_and_locations)
        s("users", self.users)
        s("plan", self.plan)
        with deferred_secondary_indexes([Assessment]):
            s("assessments", self.assessments)
        # After the indexes are back: the refresh looks up each benchmark's newest assessment by index.
        s("latest assessments", lambda: benchmark_latest_refresh(mission_id=self.mission.pk))
        s("indicators", self.indicators)
        with deferred_secondary_indexes([PollingSite, SecurityTask, Threat.sites.through, Incident]):
            s("elections", self.elections)
        engagement_tables = [
            Engagement,
            Engagement.partners.through,
            Engagement.outputs.through,
            Engagement.benchmarks.through,
            FollowUp,
        ]
        with deferred_secondary_indexes(engagement_tables):
            s("engagements", self.engagements)
        # Loaded in bulk, past the services: the partner overview's summary is built once from the log.
        s("engagement summaries", lambda: partner_summaries.rebuild(self.mission))

    # --- the mission -------------------------------------------------------------------------

    def mission_and_locations(self):
        rng, n_districts = self.rng, self.opts["districts"]
        self.mission = Mission.objects.create(
            name="Synthetic Scale Mission for Performance Work",
            acronym=ACRONYM,
            host_country="Scaleland",
            mandate_references="Synthetic data; not a real mandate.",
            start_date=self.today - datetime.timedelta(days=3 * 365),
        )
        self.components = {
            kind: Component(mission=self.mission, kind=kind, name=Kind(kind).label)
            for kind in Kind
            if kind != Kind.OTHER
        }
        Component.objects.bulk_create(self.components.values())
        if self.opts["national"]:
            self.national_locations()
            return
        self.country = None
        n_regions = max(1, n_districts // 10)
        regions = Location.objects.bulk_create(
            Location(
                mission=self.mission,
                name=f"Region {i + 1:02d}",
                level=Location.Level.REGION,
                latitude=Decimal(f"{rng.uniform(2, 12):.6f}"),
                longitude=Decimal(f"{rng.uniform(14, 30):.6f}"),
            )
            for i in range(n_regions)
        )
        self.districts = Location.objects.bulk_create(
            Location(
                mission=self.mission,
                name=f"District {i + 1:03d}",
                level=Location.Level.DISTRICT,
                parent=regions[i % n_regions],
                latitude=Decimal(f"{rng.uniform(2, 12):.6f}"),
                longitude=Decimal(f"{rng.uniform(14, 30):.6f}"),
            )
            for i in range(n_districts)
        )
        self.counts["districts"] = n_districts

    def national_locations(self):
        """The synthetic country's regions, districts (and sub-districts) with P-codes and boundaries."""
        opts = self.opts
        country = national.synthetic_country(
            regions=opts["regions"], districts=opts["districts"], subdistricts=opts["subdistricts"], seed=opts["seed"]
        )
        self.country = country
        m = self.mission
        m.bbox_south, m.bbox_west, m.bbox_north, m.bbox_east = country.bbox
        m.host_country = "Scaleland (synthetic, national scale)"
        m.save(update_fields=["bbox_south", "bbox_west", "bbox_north", "bbox_east", "host_country"])

        def rows(areas, parents):
            for area in areas:
                lat, lon = area.centre
                yield Location(
                    mission=m,
                    name=area.name,
                    name_fr=area.name_fr,
                    level=area.level,
                    pcode=area.pcode,
                    parent=parents[area.parent.pcode] if area.parent else None,
                    latitude=Decimal(f"{lat:.6f}"),
                    longitude=Decimal(f"{lon:.6f}"),
                    **boundaries.store(area.geometry).as_fields(),
                )

        created = {}
        for areas in (country.regions, country.districts, country.subdistricts):
            rows_created = Location.objects.bulk_create(rows(areas, created), batch_size=BATCH)
            created |= {loc.pcode: loc for loc in rows_created}
        self.districts = [created[d.pcode] for d in country.districts]
        self.counts["regions"] = len(country.regions)
        self.counts["districts"] = len(country.districts)
        if country.subdistricts:
            self.counts["sub-districts"] = len(country.subdistricts)

    def site_coordinates(self, i: int):
        """The district of the i-th polling site and its coordinates (national: inside the district's boundary,
        about 1.3% wrong; otherwise near the district's point)."""
        rng = self.rng
        if self.country is None:
            d = self.districts[i % len(self.districts)]
            lat = d.latitude + Decimal(f"{rng.uniform(-0.3, 0.3):.6f}")
            lon = d.longitude + Decimal(f"{rng.uniform(-0.3, 0.3):.6f}")
            return d, lat, lon
        k = self.site_districts[i]
        areas = self.country.districts
        lat, lon, self.wrong_kind = national.site_point(areas[k], areas[(k + 1) % len(areas)], rng)
        return self.districts[k], Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")

    def users(self):
        # Partners first: two focal points need theirs.
        rng = self.rng
        types = list(Partner.PartnerType)
        screenings = list(Partner.Screening)
        partners = [
            Partner(
                mission=self.mission,
                name=f"Partner {i + 1:05d}",
                acronym=f"P{i + 1}",
                partner_type=types[i % len(types)],
                district=rng.choice(self.districts),
                relationship=rng.choices(list(Partner.Relationship), weights=[1, 8, 2, 1])[0],
                description=_text(rng, 12),
                screening_status=screenings[i % len(screenings)],
                screening_date=self.today - datetime.timedelta(days=rng.randint(30, 700)),
                screening_review_due=self.today + datetime.timedelta(days=rng.randint(-60, 365)),
            )
            for i in range(self.opts["partners"])
        ]
        # The two focal points' organisations: a women's network and a youth association, both cleared.
        partners[0].partner_type, partners[0].screening_status = Partner.PartnerType.WOMENS_GROUP, "cleared"
        partners[1].partner_type, partners[1].screening_status = Partner.PartnerType.YOUTH_GROUP, "cleared"
        self.partners = Partner.objects.bulk_create(partners, batch_size=BATCH)
        Contact.objects.bulk_create(
            (
                Contact(
                    partner=p,
                    name=f"Contact {p.pk}-{k}",
                    position=rng.choice(["Coordinator", "President", "Secretary", "Programme officer"]),
                    phone=f"+000 {rng.randint(1000000, 9999999)}",
                    is_focal_point=k == 0,
                )
                for p in self.partners
                for k in range(2)
            ),
            batch_size=BATCH,
        )
        self.counts["partners"] = len(self.partners)
        self.users_by_role = ensure_role_users(
            self.mission,
            prefix=PREFIX,
            components=self.components,
            partners=self.partners,
            password_hash=demo_password_hash(),
            districts={"civilaffairs": self.districts[0]},
        )
        self.staff = [self.users_by_role[u] for u in ("mlt", "electoral", "civilaffairs", "military", "police")]
        ReportSchedule.objects.create(mission=self.mission, kind=ReportKind.PROGRESS)

    # --- the results framework ---------------------------------------------------------------

    def plan(self):
        rng, n = self.rng, self.opts["benchmarks"]
        n_outputs = max(5, n // 100)
        comps = list(self.components.values())
        self.outputs = OperationalOutput.objects.bulk_create(
            OperationalOutput(
                mission=self.mission,
                title=f"Output {i + 1:03d}: {_text(rng, 4)[:-1]}",
                description=_text(rng, 20),
                lead_component=comps[i % len(comps)],
                order=i + 1,
            )
            for i in range(n_outputs)
        )
        Activity.objects.bulk_create(
            (
                Activity(output=o, title=_text(rng, 8), lead_component=o.lead_component, order=k)
                for o in self.outputs
                for k in range(5)
            ),
            batch_size=BATCH,
        )
        terms = list(Term)
        self.benchmarks = Benchmark.objects.bulk_create(
            (
                Benchmark(
                    output=self.outputs[i % n_outputs],
                    term=terms[i % 3],
                    statement=f"Benchmark {i + 1:05d}: {_text(rng, 10)}",
                    lead_component=rng.choice(comps) if i % 4 == 0 else self.outputs[i % n_outputs].lead_component,
                    target_date=self.today + datetime.timedelta(days=rng.randint(-365, 3 * 365)),
                    order=i // n_outputs,
                )
                for i in range(n)
            ),
            batch_size=BATCH,
        )
        Risk.objects.bulk_create(
            (
                Risk(
                    output=o,
                    kind=Risk.Kind.RISK if k < 7 else Risk.Kind.CHALLENGE,
                    title=_text(rng, 8),
                    likelihood=rng.randint(1, 5),
                    impact=rng.randint(1, 5),
                    owner=rng.choice(comps),
                    mitigation=_text(rng, 12),
                    review_date=self.today + datetime.timedelta(days=rng.randint(-60, 180)),
                    order=k,
                )
                for o in self.outputs
                for k in range(10)
            ),
            batch_size=BATCH,
        )
        self.counts["outputs"] = n_outputs
        self.counts["benchmarks"] = n

    def assessments(self):
        """Monthly assessments; about one benchmark in eight stopped being assessed months ago (overdue)."""
        rng, total = self.rng, self.opts["assessments"]
        n = len(self.benchmarks)
        per, extra = divmod(total, n)
        statuses = [Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.ACHIEVED, Status.NOT_STARTED]
        batch = []
        for i, b in enumerate(self.benchmarks):
            k = per + (1 if i < extra else 0)
            gap_months = rng.randint(4, 9) if i % 8 == 0 else 0
            progress = rng.randint(0, 20)
            for j in range(k):
                months_ago = gap_months + (k - 1 - j)
                progress = min(100, progress + rng.randint(0, 12))
                status = Status.ACHIEVED if progress == 100 else rng.choices(statuses[:3], weights=[6, 3, 1])[0]
                if j == 0 and progress < 10:
                    status = Status.NOT_STARTED
                batch.append(
                    Assessment(
                        benchmark=b,
                        assessed_on=self.today - datetime.timedelta(days=30 * months_ago + rng.randint(0, 5)),
                        status=status,
                        progress=progress,
                        evidence=_text(rng, 12),
                        assessed_by=self.staff[i % len(self.staff)],
                        created_at=self.now - datetime.timedelta(days=30 * months_ago),
                    )
                )
            if len(batch) >= 20000:
                Assessment.objects.bulk_create(batch, batch_size=BATCH)
                batch = []
        Assessment.objects.bulk_create(batch, batch_size=BATCH)
        # bulk_create bypassed assessment_create, which keeps each benchmark's pointer to its newest
        # assessment: `build` sets them all at once afterwards.
        self.counts["assessments"] = total

    def indicators(self):
        rng, n = self.rng, self.opts["indicators"]
        months = [month_start(self.today, -k) for k in range(12, 0, -1)]
        indicators = Indicator.objects.bulk_create(
            (
                Indicator(
                    output=b.output,
                    benchmark=b,
                    name=f"Indicator {i + 1:05d}: number of {rng.choice(WORDS)} {rng.choice(WORDS)}",
                    unit="count",
                    baseline=Decimal(rng.randint(0, 50)),
                    target=Decimal(rng.randint(60, 500)),
                    disaggregated=i % 3 == 0,
                    order=i,
                )
                for i, b in enumerate(self.rng.sample(self.benchmarks, min(n, len(self.benchmarks))))
            ),
            batch_size=BATCH,
        )
        values = []
        for ind in indicators:
            actual = ind.baseline
            for start in months:
                actual = actual + rng.randint(0, 15)
                women = (actual * Decimal("0.45")).quantize(Decimal("1")) if ind.disaggregated else None
                values.append(
                    IndicatorValue(
                        indicator=ind,
                        period_start=start,
                        period_end=month_start(start, 1) - datetime.timedelta(days=1),
                        actual=actual,
                        actual_women=women,
                        actual_men=actual - women if women is not None else None,
                        actual_youth=(actual * Decimal("0.3")).quantize(Decimal("1")) if ind.disaggregated else None,
                    )
                )
        IndicatorValue.objects.bulk_create(values, batch_size=BATCH)
        self.counts["indicators"] = len(indicators)
        self.counts["indicator values"] = len(values)

    # --- elections -----------------------------------------------------------------------------

    def elections(self):
        rng, today = self.rng, self.today
        polling = today + datetime.timedelta(days=120)
        plan = ElectionPlan.objects.create(
            mission=self.mission,
            name="Synthetic general elections",
            election_type=ElectionPlan.ElectionType.GENERAL,
            polling_start=polling,
            polling_end=polling + datetime.timedelta(days=1),
        )
        plan.benchmarks.set(self.benchmarks[:50])
        spans = phase_spans(today, polling)
        ElectoralPhase.objects.bulk_create(ElectoralPhase(plan=plan, kind=k, start=a, end=b) for k, (a, b) in spans)
        Milestone.objects.bulk_create(
            Milestone(
                plan=plan,
                phase=k,
                title=f"{Phase(k).label}: milestone {j + 1}",
                due_date=a + (b - a) * (j + 1) / 6,
                status=Milestone.Status.DONE if b < today else rng.choice(list(Milestone.Status)),
                benchmark=rng.choice(self.benchmarks),
            )
            for k, (a, b) in spans
            for j in range(5)
        )
        security_plan = SecurityPlan.objects.create(
            election_plan=plan, revision=1, summary="Synthetic concept of security operations."
        )
        risk_levels = list(RiskLevel)
        n_sites = self.opts["polling_sites"]
        if self.country is not None:
            # Populous districts have many more sites than remote ones, as in a real voter register.
            weights = [rng.lognormvariate(0, 0.8) for _ in self.districts]
            self.site_districts = sorted(rng.choices(range(len(self.districts)), weights=weights, k=n_sites))
        wrong = 0
        sites = []
        for i in range(n_sites):
            d, latitude, longitude = self.site_coordinates(i)
            if self.country is not None:
                wrong += self.wrong_kind != ""
                code = f"{d.pcode}-{i + 1:06d}"
            else:
                code = f"SCL-{(i % len(self.districts)) + 1:03d}-{i + 1:05d}"
            override = rng.random() < 0.03
            sites.append(
                PollingSite(
                    security_plan=security_plan,
                    uid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    code=code,
                    name=f"Polling centre {i + 1:05d}",
                    district=d,
                    locality=f"Locality {rng.randint(1, 400)}",
                    latitude=latitude,
                    longitude=longitude,
                    registered_voters=rng.randint(200, 3000),
                    suggested_risk=rng.choices(risk_levels, weights=[50, 30, 15, 5])[0],
                    risk_override=rng.choice(risk_levels) if override else "",
                    risk_reason=_text(rng, 8) if override else "",
                )
            )
        sites = PollingSite.objects.bulk_create(sites, batch_size=BATCH)
        threats = Threat.objects.bulk_create(
            (
                Threat(
                    security_plan=security_plan,
                    actor=f"Armed group {i % 40 + 1}",
                    threat_type=rng.choice(list(Threat.ThreatType)),
                    district=rng.choice(self.districts),
                    likelihood=rng.randint(1, 5),
                    impact=rng.randint(1, 5),
                    description=_text(rng, 15),
                    mitigation=_text(rng, 10),
                )
                # Capped: a national list of 200,000 sites does not come with 20,000 threat assessments.
                for i in range(max(1, min(len(sites) // 10, 5000)))
            ),
            batch_size=BATCH,
        )
        Threat.sites.through.objects.bulk_create(
            (
                Threat.sites.through(threat_id=t.pk, pollingsite_id=s.pk)
                for t in threats
                for s in rng.sample(sites, min(len(sites), rng.randint(1, 5)))
            ),
            batch_size=BATCH,
        )
        start = datetime.datetime.combine(polling, datetime.time(5), tzinfo=datetime.UTC)
        military, police = self.components[Kind.MILITARY], self.components[Kind.POLICE]
        # Most sites get a static guard; about one in ten goes without, so readiness views have gaps to show.
        tasks = SecurityTask.objects.bulk_create(
            (
                SecurityTask(
                    security_plan=security_plan,
                    task_type=SecurityTask.TaskType.STATIC_GUARD,
                    provider=SecurityTask.Provider.NATIONAL_POLICE if i % 3 else SecurityTask.Provider.MISSION_POLICE,
                    component=police if i % 3 == 0 else None,
                    site=s,
                    district=s.district,
                    phase=Phase.POLLING,
                    start=start,
                    end=start + datetime.timedelta(hours=14),
                )
                for i, s in enumerate(sites)
                if i % 10 != 7
            ),
            batch_size=BATCH,
        )
        escorts = SecurityTask.objects.bulk_create(
            SecurityTask(
                security_plan=security_plan,
                task_type=SecurityTask.TaskType.ESCORT,
                provider=SecurityTask.Provider.MISSION_MILITARY,
                component=military,
                district=d,
                phase=Phase.POLLING,
                start=start - datetime.timedelta(days=3),
                end=start - datetime.timedelta(days=2),
            )
            for d in self.districts
        )
        TransportLeg.objects.bulk_create(
            TransportLeg(
                security_plan=security_plan,
                materials="Ballot papers and kits",
                origin="Central warehouse",
                destination=task.district.name,
                departs_at=task.start,
                arrives_at=task.end,
                escort=task,
            )
            for task in escorts
        )
        incident_types = list(Incident.IncidentType)
        incidents = Incident.objects.bulk_create(
            (
                Incident(
                    election_plan=plan,
                    occurred_at=self.now - datetime.timedelta(hours=rng.randint(1, 24 * 300)),
                    district=(site := rng.choice(sites)).district,
                    site_code=site.code,
                    incident_type=rng.choice(incident_types),
                    severity=rng.randint(1, 4),
                    casualties=rng.choice([0, 0, 0, 0, 1, 2]),
                    description=_text(rng, 14),
                    status=rng.choice(list(Incident.Status)),
                    reported_by=self.users_by_role["military"],
                )
                for _ in range(max(1, min(len(sites) // 5, 10000)))
            ),
            batch_size=BATCH,
        )
        self.counts["polling sites"] = len(sites)
        if self.country is not None:
            self.counts["sites with wrong coordinates"] = wrong
        self.counts["threats"] = len(threats)
        self.counts["security tasks"] = len(tasks) + len(escorts)
        self.counts["incidents"] = len(incidents)

    # --- partners and engagements ---------------------------------------------------------------

    def engagements(self):
        rng, total = self.rng, self.opts["engagements"]
        comps = self.components
        # Civil affairs keeps most of the log; other components log their own engagements.
        components = [comps[Kind.CIVIL_AFFAIRS]] * 6 + [comps[k] for k in comps if k != Kind.CIVIL_AFFAIRS]
        types = list(Engagement.EngagementType)
        creators = self.staff
        through_p, through_o, through_b = (
            Engagement.partners.through,
            Engagement.outputs.through,
            Engagement.benchmarks.through,
        )
        owners = [self.users_by_role["civilaffairs"], self.users_by_role["mlt"]]
        n_follow_ups = 0
        chunk = 20000
        for offset in range(0, total, chunk):
            rows = []
            for _ in range(min(chunk, total - offset)):
                women, men = rng.randint(0, 40), rng.randint(0, 40)
                rows.append(
                    Engagement(
                        mission=self.mission,
                        date=self.today - datetime.timedelta(days=rng.randint(0, 364)),
                        engagement_type=rng.choice(types),
                        component=rng.choice(components),
                        district=rng.choice(self.districts),
                        place=f"Town hall {rng.randint(1, 300)}",
                        participants_women=women,
                        participants_men=men,
                        participants_youth=rng.randint(0, (women + men) // 2),
                        topics=", ".join(rng.sample(WORDS, 3)),
                        summary=_text(rng, 25),
                        outcomes=_text(rng, 10),
                        shareable=rng.random() < 0.4,
                        created_by=rng.choice(creators),
                    )
                )
            rows = Engagement.objects.bulk_create(rows, batch_size=BATCH)
            links_p, links_o, links_b, follow_ups = [], [], [], []
            for e in rows:
                chosen = rng.sample(self.partners, rng.randint(1, 3))
                links_p.extend(through_p(engagement_id=e.pk, partner_id=p.pk) for p in chosen)
                if rng.random() < 0.3:
                    links_o.append(through_o(engagement_id=e.pk, operationaloutput_id=rng.choice(self.outputs).pk))
                if rng.random() < 0.2:
                    links_b.append(through_b(engagement_id=e.pk, benchmark_id=rng.choice(self.benchmarks).pk))
                if rng.random() < 0.2:
                    done = rng.random() < 0.5
                    to_partner = rng.random() < 0.3
                    due = e.date + datetime.timedelta(days=rng.randint(7, 60))
                    follow_ups.append(
                        FollowUp(
                            engagement=e,
                            mission_id=e.mission_id,
                            district_id=e.district_id,
                            action=_text(rng, 10),
                            owner=None if to_partner else rng.choice(owners),
                            partner=chosen[0] if to_partner else None,
                            due_date=due,
                            status=FollowUp.Status.DONE if done else FollowUp.Status.OPEN,
                            completed_at=self.now - datetime.timedelta(days=rng.randint(0, 30)) if done else None,
                            completed_by=rng.choice(owners) if done else None,
                        )
                    )
            through_p.objects.bulk_create(links_p, batch_size=BATCH)
            through_o.objects.bulk_create(links_o, batch_size=BATCH)
            through_b.objects.bulk_create(links_b, batch_size=BATCH)
            FollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
            n_follow_ups += len(follow_ups)
        self.counts["engagements"] = total
        self.counts["follow-ups"] = n_follow_ups
