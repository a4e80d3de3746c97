"""The demo mission a newcomer explores: UNMSV, in the fictional Republic of Veloria.

Idempotent: everything is built in one transaction, so the mission exists only when it is complete;
a second run finds it, brings the demo users and their memberships back to their seeded values and
changes nothing else. Data are deterministic (a fixed random seed) and dated relative to today.
"""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import demo_two_factor_ensure
from benchmarks.models import Assessment, Benchmark, Indicator, IndicatorValue, LibraryOutput, Risk, Status, Term
from benchmarks.services import assessment_create, framework_load, plan_instantiate
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
from elections.services import site_risk_refresh
from mandate import access
from mandate.management.seeding import (
    ROLE_USERS,
    demo_password_hash,
    ensure_role_users,
    ensure_user,
    month_start,
    phase_spans,
)
from missions.models import Component, Location, Mission
from narratives.models import MandateTask
from partners import summaries as partner_summaries
from partners.models import Contact, Engagement, FollowUp, Partner
from reports.models import ReportKind, ReportSchedule

ACRONYM = "UNMSV"
SEED = 2026
Kind = Component.Kind
PT = Partner.PartnerType
SC = Partner.Screening
ET = Engagement.EngagementType

COMPONENTS = [
    (Kind.POLITICAL, "Political Affairs"),
    (Kind.CIVIL_AFFAIRS, "Civil Affairs"),
    (Kind.ELECTORAL, "Electoral Assistance"),
    (Kind.HUMAN_RIGHTS, "Human Rights"),
    (Kind.MILITARY, "Force (Military)"),
    (Kind.POLICE, "United Nations Police"),
    (Kind.RULE_OF_LAW, "Rule of Law and Security Institutions"),
]

# region -> districts (name, site-code prefix, latitude, longitude); Veloria spans about 4-9 N, 18-25 E.
GEOGRAPHY = {
    ("Northern Region", 8.2, 20.9): [
        ("Nortea", "NOR", 8.45, 20.30),
        ("Kalvi", "KAL", 8.10, 21.55),
        ("Brasso", "BRA", 7.70, 19.60),
    ],
    ("Eastern Region", 6.6, 23.6): [("Estavia", "EST", 6.90, 23.20), ("Morvan", "MOR", 6.20, 24.40)],
    ("Southern Region", 4.9, 21.4): [
        ("Sudara", "SUD", 4.75, 20.80),
        ("Quellin", "QUE", 5.20, 22.10),
        ("Dorvik", "DOR", 4.40, 21.60),
    ],
    ("Capital Region", 6.1, 19.0): [("Port Alvar", "ALV", 6.05, 18.65), ("Ostrin", "OST", 6.45, 19.40)],
}
# The regions' names in French (Location.name_fr); the districts' names are proper names, the same in both.
FRENCH_NAMES = {
    "Northern Region": "Région du Nord",
    "Eastern Region": "Région de l’Est",
    "Southern Region": "Région du Sud",
    "Capital Region": "Région de la capitale",
}

# name, acronym, type, district, screening, description
PARTNERS = [
    ("Veloria Women's Peace Network", "VWPN", PT.WOMENS_GROUP, "Nortea", SC.CLEARED,
     "Network of 40 women's associations working on local mediation and women's political participation."),
    ("Kalvi Youth Association for Peace", "KYAP", PT.YOUTH_GROUP, "Kalvi", SC.CLEARED,
     "Youth volunteers running sports-for-peace and civic education activities."),
    ("Ministry of Territorial Administration", "MTA", PT.GOVERNMENT, "Port Alvar", SC.NOT_REQUIRED,
     "Leads the redeployment of prefects and sub-prefects to the districts."),
    ("National Independent Electoral Commission", "CENI-V", PT.ELECTORAL_BODY, "Port Alvar", SC.CLEARED,
     "Constitutional body organising the general elections."),
    ("Veloria National Police", "VNP", PT.SECURITY_INSTITUTION, "Port Alvar", SC.CLEARED_WITH_MITIGATION,
     "Cleared with mitigation: vetting of the Public Order Unit commanders continues."),
    ("Presidential Guard Brigade", "BGP", PT.SECURITY_INSTITUTION, "Port Alvar", SC.NOT_CLEARED,
     "Not cleared: credible reports of grave violations in 2025 are under investigation."),
    ("Nortea District Council", "", PT.LOCAL_AUTHORITY, "Nortea", SC.NOT_REQUIRED,
     "Elected district council; chairs the district peace committee."),
    ("Council of Elders of Sudara", "", PT.TRADITIONAL_LEADER, "Sudara", SC.PENDING,
     "Customary authorities who settle land and cattle disputes."),
    ("Interfaith Council of Veloria", "ICV", PT.TRADITIONAL_LEADER, "Port Alvar", SC.CLEARED,
     "Christian and Muslim leaders engaged in national reconciliation."),
    ("Radio Voix de la Paix", "RVP", PT.MEDIA, "Estavia", SC.CLEARED,
     "Community radio broadcasting in three local languages."),
    ("Veloria Bar Association", "VBA", PT.CIVIL_SOCIETY, "Port Alvar", SC.PENDING,
     "Lawyers offering legal aid in mobile courts."),
    ("Centre for Conflict Studies, University of Port Alvar", "CCS", PT.ACADEMIA, "Port Alvar", SC.CLEARED,
     "Research on local conflict dynamics and early warning."),
    ("Movement for Democratic Renewal", "MDR", PT.POLITICAL_PARTY, "Port Alvar", SC.PENDING,
     "Main opposition party."),
    ("Estavia Chamber of Commerce", "", PT.PRIVATE_SECTOR, "Estavia", SC.NOT_REQUIRED,
     "Traders' association active on the reopening of the eastern trade corridor."),
    ("Human Rights League of Veloria", "LVDH", PT.CIVIL_SOCIETY, "Port Alvar", SC.CLEARED,
     "Monitors detention conditions and pre-trial detention."),
    ("Morvan Market Women Cooperative", "", PT.WOMENS_GROUP, "Morvan", SC.PENDING,
     "Cooperative of 300 market women; leads a savings scheme for returnees."),
    ("National Gendarmerie", "GN", PT.SECURITY_INSTITUTION, "Ostrin", SC.PENDING,
     "Screening under way before any support is given."),
    ("UNDP Veloria", "UNDP", PT.UN_AGENCY, "Port Alvar", SC.NOT_REQUIRED,
     "Runs the electoral support basket fund."),
    ("Regional Electoral Observation Mission", "REOM", PT.INTERNATIONAL, "Port Alvar", SC.NOT_REQUIRED,
     "Long-term observers deployed by the regional economic community."),
    ("Ostrin Displaced Persons Committee", "ODPC", PT.CIVIL_SOCIETY, "Ostrin", SC.CLEARED,
     "Represents 12,000 displaced persons in the Ostrin sites."),
]  # fmt: skip

FIRST_NAMES = ["Marie", "Joseph", "Aïcha", "Daniel", "Fatou", "Emmanuel", "Clarisse", "Ibrahim", "Ruth", "Paul"]
LAST_NAMES = ["Ndoumbé", "Kessler", "Ouédraogo", "Mbeki", "Santos", "Traoré", "Dembélé", "Okafor", "Lund", "Bako"]

TOPICS = {
    "reconciliation": ("national-reconciliation-promoted", [
        "a land dispute between farmers and herders along the {district} transhumance corridor",
        "the return of displaced families to {district} and the restitution of their houses",
        "preparations for the district reconciliation forum in {district}",
        "hate speech on local radio and social media in {district}",
        "the inclusion of women in the {district} local peace committee",
    ]),
    "state_authority": ("state-authority-strengthened", [
        "the redeployment of the sub-prefect and civil servants to {district}",
        "the district development plan and its 2027 budget for {district}",
        "pre-trial detention cases at the {district} prison",
        "the reopening of the {district} magistrate's court",
        "water point management committees in {district}",
    ]),
    "elections": ("elections-held", [
        "voter registration turnout among women and youth in {district}",
        "the security of polling centres in {district} and their access roads",
        "the code of conduct for political parties in {district}",
        "civic education messages on the polling day in {district}",
        "the deployment of election materials to {district}",
    ]),
    "peace_process": ("peace-process-supported", [
        "the local ceasefire monitoring committee in {district}",
        "the disarmament and reintegration of former combatants in {district}",
        "the implementation calendar of the peace agreement as seen from {district}",
    ]),
    "host_country": ("host-country-engaged", [
        "the mission's freedom of movement on the {district} road",
        "the status-of-forces agreement as applied by the {district} authorities",
    ]),
}  # fmt: skip

OPENINGS = [
    "Met {partner} in {place} to discuss {topic}.",
    "Consultation with {partner} on {topic}.",
    "Joint session with {partner} on {topic}; participants raised concerns about delays.",
    "Field visit with {partner}: discussed {topic}.",
    "Workshop co-facilitated with {partner} on {topic}.",
]
DETAILS = [
    "Participants asked the mission to relay their concerns to the prefect.",
    "Women representatives spoke first and proposed a rotating chair.",
    "Youth leaders offered to mobilise volunteers for the next phase.",
    "The partner shared figures collected by its district focal points.",
    "Discussion was tense at first but ended with agreed next steps.",
    "Local authorities attended and committed to follow up in writing.",
    "Several participants travelled two days to attend, showing strong interest.",
]
OUTCOMES = [
    "Agreed to convene a follow-up meeting within a month.",
    "The partner will share a list of priority cases.",
    "Joint messages for community radio agreed.",
    "Request for logistics support to be assessed by the mission.",
    "Local peace committee to hold its next session with women and youth members.",
    "No agreement yet; positions recorded for the leadership.",
    "Partner to present the proposal to its members before deciding.",
]
FOLLOW_UP_ACTIONS = [
    "Share the meeting minutes with all participants",
    "Brief the Head of Office on the concerns raised",
    "Send the list of affected households to the mission",
    "Organise the next session of the local peace committee",
    "Provide the radio with the agreed civic education messages",
    "Transmit the detention case list to the Rule of Law section",
    "Confirm venue and transport for the district forum",
]
EVIDENCE = {
    Status.NOT_STARTED: "Work has not yet started; awaiting the government's nomination of focal points.",
    Status.ON_TRACK: "Monthly review with the lead ministry: activities delivered as planned in {district}.",
    Status.AT_RISK: "Delays reported by the field office in {district}; funding gap of the implementing partner.",
    Status.OFF_TRACK: "Security incidents in {district} suspended activities; no progress since the last review.",
    Status.ACHIEVED: "Confirmed by the joint verification mission to {district}; documentation on file.",
}

INDICATORS = {
    "host-country-engaged": [
        ("Joint mission-government coordination meetings held", "meetings", 0, 24, False, "monthly"),
    ],
    "peace-process-supported": [
        ("Ceasefire violations verified", "violations", 45, 10, False, "monthly"),
        ("Former combatants in reintegration programmes", "persons", 0, 2000, True, "quarterly"),
    ],
    "state-authority-strengthened": [
        ("Districts with a sub-prefect present", "districts", 3, 10, False, "quarterly"),
        ("Pre-trial detainees as share of prison population", "%", 78, 40, False, "monthly"),
    ],
    "national-reconciliation-promoted": [
        ("Members of local peace committees", "persons", 120, 600, True, "monthly"),
        ("Land disputes settled through mediation", "cases", 0, 150, False, "monthly"),
    ],
    "elections-held": [
        ("Registered voters", "persons", 0, 2400000, True, "quarterly"),
        ("Polling staff trained", "persons", 0, 9000, True, "monthly"),
    ],
}


class Command(BaseCommand):
    help = "Create the UNMSV demo mission in the fictional Republic of Veloria, with one user per role. Idempotent."

    def handle(self, *args, **options):
        started = time.monotonic()
        framework_load(user=access.SYSTEM)
        password_hash = demo_password_hash()
        ensure_user("admin", password_hash=password_hash, first_name="Site", last_name="Administrator",
                    is_staff=True, is_superuser=True)  # fmt: skip
        mission = Mission.objects.filter(acronym=ACRONYM).first()
        if mission is not None:
            DemoBuilder.refresh_users(mission, password_hash)
            DemoBuilder.refresh_french_names(mission)
            self.stdout.write(f"The demo mission {ACRONYM} exists already; its demo users are up to date.")
            self._print_users()
            return
        with transaction.atomic():
            builder = DemoBuilder(password_hash)
            builder.build()
        counts = builder.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo mission {ACRONYM} created in {time.monotonic() - started:.1f} s: "
                + ", ".join(f"{n} {name}" for name, n in counts.items())
            )
        )
        if options["verbosity"] >= 2:
            self.stdout.write(", ".join(f"{name}: {t:.1f} s" for name, t in builder.timings.items()))
        self._print_users()

    def _print_users(self):
        # A demo password and authenticator secret, printed on purpose: newcomers sign in with them (README,
        # `make run`); the users whose role requires a second factor get a demo authenticator here.
        usernames = [spec.username for spec in ROLE_USERS]
        two_factor = demo_two_factor_ensure(usernames=[*usernames, "admin"], secret_base32=settings.DEMO_TOTP_SECRET)
        self.stdout.write(
            f"Demo users: {', '.join(usernames)} (and admin); password: {settings.DEMO_PASSWORD}; "
            f"second factor for {', '.join(two_factor)}: authenticator secret {settings.DEMO_TOTP_SECRET} "
            "or the code from `.venv/bin/python manage.py demo_totp`"
        )


class DemoBuilder:
    def __init__(self, password_hash: str):
        self.password_hash = password_hash
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}

    @staticmethod
    def refresh_french_names(mission: Mission) -> None:
        """The areas' French names on a demo built before they were added (an update: no new row, no history)."""
        for name, name_fr in FRENCH_NAMES.items():
            Location.objects.filter(mission=mission, name=name, name_fr="").update(name_fr=name_fr)

    @staticmethod
    def refresh_users(mission: Mission, password_hash: str) -> dict:
        components = {c.kind: c for c in mission.components.all()}
        partners = list(mission.partners.order_by("pk")[:2])
        district = Location.objects.filter(mission=mission, level=Location.Level.DISTRICT, name="Nortea").first()
        return ensure_role_users(
            mission,
            prefix="",
            components=components,
            partners=partners,
            password_hash=password_hash,
            districts={"civilaffairs": district},
        )

    def build(self) -> None:
        for step in [
            self.mission_and_places,
            self.partners_and_users,
            self.plan,
            self.mandate,
            self.assessments,
            self.indicators,
            self.risks,
            self.elections,
            self.engagements,
            self.work_in_progress,
        ]:
            started = time.monotonic()
            step()
            self.timings[step.__name__] = time.monotonic() - started
        partner_summaries.rebuild(self.mission)  # the engagements were written past the services
        ReportSchedule.objects.create(mission=self.mission, kind=ReportKind.PROGRESS)

    # --- work awaiting people (the inbox) --------------------------------------------------------------

    def work_in_progress(self):
        """A by-election whose security plan awaits the HoM's decision, with readiness gaps (high-risk sites
        without a task, an unescorted leg, phases with no task), and two screenings due soon or lapsed.

        The general election's plan stays a draft, for the electoral component to submit. The HoM's
        notification of the submitted plan is recorded as the service would have (Celery or in-process).
        """
        from notifications.events import event_record

        polling = self.today + datetime.timedelta(days=45)
        plan = ElectionPlan.objects.create(
            mission=self.mission,
            name=f"Kalvi municipal by-election {polling.year}",
            election_type=ElectionPlan.ElectionType.LOCAL,
            polling_start=polling,
            polling_end=polling,
            notes="A by-election for the Kalvi municipal council after the mayor's death.",
        )
        for kind, start, end in [
            (Phase.VOTER_REGISTRATION, self.day(30), self.day(5)),
            (Phase.CAMPAIGN, self.day(-20), self.day(-43)),
            (Phase.POLLING, polling, polling),
            (Phase.COUNTING, polling, polling + datetime.timedelta(days=3)),
        ]:
            ElectoralPhase.objects.create(plan=plan, kind=kind, start=start, end=end)
        electoral = self.users["electoral"]
        security = SecurityPlan.objects.create(
            election_plan=plan,
            summary="Police secure the twelve polling centres; the Force escorts ballots from the Kalvi hub.",
            status=SecurityPlan.Status.SUBMITTED,
            submitted_at=self.now - datetime.timedelta(hours=20),
            submitted_by=electoral,
        )
        kalvi = self.districts["Kalvi"]
        risks = [RiskLevel.CRITICAL, RiskLevel.HIGH, RiskLevel.HIGH] + [RiskLevel.MEDIUM] * 4 + [RiskLevel.LOW] * 5
        sites = [
            PollingSite.objects.create(
                security_plan=security,
                code=f"KAL-BY-{i + 1:02d}",
                name=f"Kalvi polling centre {i + 1}",
                district=kalvi,
                registered_voters=600 + 40 * i,
                suggested_risk=risk,
            )  # fmt: skip
            for i, risk in enumerate(risks)
        ]
        start = datetime.datetime.combine(polling, datetime.time(6), tzinfo=datetime.UTC)
        SecurityTask.objects.create(
            security_plan=security, task_type=SecurityTask.TaskType.STATIC_GUARD,
            provider=SecurityTask.Provider.NATIONAL_POLICE, site=sites[0], district=kalvi, phase=Phase.POLLING,
            start=start, end=start + datetime.timedelta(hours=14),
        )  # fmt: skip
        TransportLeg.objects.create(
            security_plan=security, materials="Ballot papers and result sheets", origin="Kalvi hub",
            destination="Kalvi polling centres", departs_at=start - datetime.timedelta(days=1),
            arrives_at=start - datetime.timedelta(hours=14),
        )  # fmt: skip
        event_record(event="plan_submitted", object_id=security.pk, actor_id=electoral.pk, key=f"v{security.version}")
        # Due diligence reviews: one lapsed last week, one due within the month.
        cleared = [p for p in self.partners if p.screening_status == Partner.Screening.CLEARED]
        for partner, days_ahead in zip(cleared[:2], (-6, 12), strict=False):
            partner.screening_review_due = self.today + datetime.timedelta(days=days_ahead)
            partner.save(update_fields=["screening_review_due"])
        self.counts["plans awaiting the HoM"] = 1

    def day(self, days_ago: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days_ago)

    # --- mission, components, places ------------------------------------------------------------

    def mission_and_places(self):
        self.mission = Mission.objects.create(
            name="United Nations Multidimensional Stabilization Mission in the Republic of Veloria",
            acronym=ACRONYM,
            host_country="Republic of Veloria",
            mandate_references=(
                "Security Council resolution 2791 (2025), establishing the mission; "
                "resolution 2815 (2026), extending the mandate and adding electoral support."
            ),
            start_date=self.day(2 * 365),
        )
        self.components = {
            kind: Component.objects.create(mission=self.mission, kind=kind, name=name) for kind, name in COMPONENTS
        }
        self.districts: dict[str, Location] = {}
        self.codes: dict[str, str] = {}
        for (region_name, lat, lon), districts in GEOGRAPHY.items():
            region = Location.objects.create(
                mission=self.mission,
                name=region_name,
                name_fr=FRENCH_NAMES.get(region_name, ""),
                level=Location.Level.REGION,
                latitude=Decimal(str(lat)),
                longitude=Decimal(str(lon)),
            )
            for name, code, dlat, dlon in districts:
                self.districts[name] = Location.objects.create(
                    mission=self.mission,
                    name=name,
                    level=Location.Level.DISTRICT,
                    parent=region,
                    latitude=Decimal(str(dlat)),
                    longitude=Decimal(str(dlon)),
                )
                self.codes[name] = code
        self.counts["districts"] = len(self.districts)
        self.boundaries()

    def boundaries(self):
        """P-codes and outlines for the demo's regions and districts, so its maps show a country: each
        district is the part of Veloria nearer its centre than any other (a Voronoi cell), each region the
        union of its districts. Veloria itself is the land within 0.6 degrees of the district centres."""
        import shapely
        from shapely.geometry import MultiPoint, Point

        from missions.boundaries import store

        centres = {name: Point(float(d.longitude), float(d.latitude)) for name, d in self.districts.items()}
        country = MultiPoint(list(centres.values())).convex_hull.buffer(0.6)
        cells = shapely.voronoi_polygons(MultiPoint(list(centres.values())), extend_to=country).geoms
        outlines = {}
        for name, centre in centres.items():
            cell = next(c for c in cells if c.contains(centre))
            outlines[name] = cell.intersection(country)
        for r, ((region_name, _lat, _lon), districts) in enumerate(GEOGRAPHY.items(), start=1):
            region_code = f"VL{r:02d}"
            for n, (name, *_rest) in enumerate(districts, start=1):
                Location.objects.filter(pk=self.districts[name].pk).update(
                    pcode=f"{region_code}{n:02d}", **store(outlines[name]).as_fields()
                )
            union = shapely.union_all([outlines[name] for name, *_rest in districts])
            Location.objects.filter(mission=self.mission, level=Location.Level.REGION, name=region_name).update(
                pcode=region_code, **store(union).as_fields()
            )

    def partners_and_users(self):
        rng = self.rng
        self.partners = []
        for name, acronym, ptype, district, screening, description in PARTNERS:
            screened = screening not in {SC.NOT_REQUIRED, SC.PENDING}
            self.partners.append(
                Partner.objects.create(
                    mission=self.mission,
                    name=name,
                    acronym=acronym,
                    partner_type=ptype,
                    district=self.districts[district],
                    relationship=Partner.Relationship.PROSPECTIVE
                    if screening == SC.PENDING and ptype == PT.SECURITY_INSTITUTION
                    else Partner.Relationship.ACTIVE,
                    description=description,
                    screening_status=screening,
                    screening_date=self.day(rng.randint(40, 300)) if screened else None,
                    screening_review_due=self.day(-rng.randint(60, 300)) if screened else None,
                    screening_notes=description if ptype == PT.SECURITY_INSTITUTION else "",
                )
            )
        for p in self.partners:
            for k in range(rng.randint(1, 3)):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                Contact.objects.create(
                    partner=p,
                    name=f"{first} {last}",
                    position=["Focal point", "Programme officer", "Secretary-general"][k],
                    phone=f"+236 7{rng.randint(1000000, 9999999)}",
                    email=f"{first.lower()[0]}.{last.lower().replace('é', 'e')}@example.org",
                    is_focal_point=k == 0,
                )
        self.counts["partners"] = len(self.partners)
        self.users = ensure_role_users(
            self.mission,
            prefix="",
            components=self.components,
            partners=self.partners,
            password_hash=self.password_hash,
            districts={"civilaffairs": self.districts["Nortea"]},
        )

    # --- results framework ------------------------------------------------------------------------

    def plan(self):
        rng = self.rng
        outputs = plan_instantiate(
            mission=self.mission, user=access.SYSTEM, library_outputs=list(LibraryOutput.objects.order_by("order"))
        )
        self.outputs = {o.library_output.key: o for o in outputs}
        # The handbook names one lead per output; in the mission some benchmarks are led by another component.
        other_leads = {
            "state-authority-strengthened": Kind.RULE_OF_LAW,
            "national-reconciliation-promoted": Kind.HUMAN_RIGHTS,
            "elections-held": Kind.POLICE,
            "peace-process-supported": Kind.MILITARY,
        }
        spans = {Term.SHORT: (-60, 200), Term.MEDIUM: (300, 700), Term.LONG: (700, 1400)}
        self.benchmarks = list(Benchmark.objects.filter(output__mission=self.mission).select_related("output"))
        for i, b in enumerate(self.benchmarks):
            b.target_date = self.day(-rng.randint(*spans[b.term]))
            fields = ["target_date"]
            kind = other_leads.get(b.output.library_output.key)
            if kind and i % 4 == 1:
                b.lead_component = self.components[kind]
                fields.append("lead_component")
            b.save(update_fields=fields)
        self.counts["outputs"] = len(outputs)
        self.counts["benchmarks"] = len(self.benchmarks)

    # Operative paragraphs of the (fictional) resolutions, in their order, and the outputs that serve each.
    MANDATE = [
        ("S/RES/2791 (2025)", "3 (a)", "Support the implementation of the peace agreement", MandateTask.Priority.HIGH,
         ["peace-process-supported"]),
        ("S/RES/2791 (2025)", "3 (b)", "Good offices with the host Government", MandateTask.Priority.HIGH,
         ["host-country-engaged"]),
        ("S/RES/2791 (2025)", "3 (c)", "Extension of legitimate State authority", MandateTask.Priority.MEDIUM,
         ["state-authority-strengthened"]),
        ("S/RES/2791 (2025)", "3 (d)", "Local reconciliation and social cohesion", MandateTask.Priority.MEDIUM,
         ["national-reconciliation-promoted", "host-country-engaged"]),
        ("S/RES/2815 (2026)", "7", "Support to peaceful, credible and inclusive elections", MandateTask.Priority.HIGH,
         ["elections-held"]),
        ("S/RES/2815 (2026)", "9", "Women's full, equal and meaningful participation", MandateTask.Priority.MEDIUM,
         ["national-reconciliation-promoted", "elections-held"]),
    ]  # fmt: skip

    def mandate(self):
        for order, (resolution, paragraph, title, priority, keys) in enumerate(self.MANDATE, start=1):
            task = MandateTask.objects.create(
                mission=self.mission,
                resolution=resolution,
                paragraph=paragraph,
                short_title=title,
                text=f"Decides that the mandate of the mission shall include: {title.lower()}.",
                priority=priority,
                order=order,
            )
            task.outputs.set([self.outputs[key] for key in keys if key in self.outputs])
        self.counts["mandate tasks"] = len(self.MANDATE)

    def assessor(self, benchmark: Benchmark):
        lead = benchmark.lead_component or benchmark.output.lead_component
        by_kind = {
            Kind.CIVIL_AFFAIRS: "civilaffairs",
            Kind.ELECTORAL: "electoral",
            Kind.MILITARY: "military",
            Kind.POLICE: "police",
        }
        return self.users[by_kind.get(lead.kind if lead else None, "mlt")]

    def assessments(self):
        """Twelve monthly reviews per benchmark, following one of a few plausible trajectories.

        The older reviews are inserted in bulk, as an import of past reviews would be; the newest of
        each benchmark goes through `assessment_create`, which validates it and keeps `latest_assessment`.
        """
        rng, n = self.rng, 0
        districts = list(self.districts)
        past = []
        for i, b in enumerate(self.benchmarks):
            profile = ["steady", "steady", "struggling", "achieved", "recovering", "slipping"][i % 6]
            if b.term == Term.LONG and i % 5 == 0:
                continue  # not yet assessed: long-term work that has not started
            # About one benchmark in seven has not been reviewed for four to six months: overdue.
            last_month = rng.randint(4, 6) if i % 7 == 3 else 0
            progress = {Term.SHORT: 15, Term.MEDIUM: 5, Term.LONG: 0}[b.term]
            user = self.assessor(b)
            district = rng.choice(districts)
            for months_ago in range(11, last_month - 1, -1):
                step = 12 - months_ago
                if profile == "achieved":
                    progress = min(100, progress + rng.randint(7, 12))
                    status = Status.ACHIEVED if progress == 100 else Status.ON_TRACK
                elif profile == "struggling":
                    progress = min(90, progress + rng.randint(0, 4))
                    status = Status.AT_RISK if step < 6 else Status.OFF_TRACK
                elif profile == "recovering":
                    progress = min(95, progress + rng.randint(2, 8))
                    status = [Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK][min(2, step // 4)]
                elif profile == "slipping":
                    progress = min(90, progress + rng.randint(1, 6))
                    status = Status.ON_TRACK if step < 8 else Status.AT_RISK
                else:
                    progress = min(95, progress + rng.randint(3, 8))
                    status = Status.ON_TRACK
                if progress < 5:
                    status = Status.NOT_STARTED
                values = {
                    "benchmark": b,
                    "assessed_on": self.day(30 * months_ago + rng.randint(0, 4)),
                    "status": status,
                    "progress": progress,
                    "evidence": EVIDENCE[status].format(district=district),
                    # Two benchmarks in three are reviewed for the district the evidence names, so the
                    # dashboard's region and district filters and its map have something to show.
                    "location": self.districts[district] if i % 3 else None,
                }
                if months_ago > last_month:
                    at = datetime.datetime.combine(values["assessed_on"], datetime.time(10), tzinfo=datetime.UTC)
                    past.append(Assessment(**values, assessed_by=user, created_at=at))
                else:
                    Assessment.objects.bulk_create(past)
                    past = []
                    assessment_create(user=user, **values)
                n += 1
        # Append-only in practice: one review corrected after a field report, rather than edited.
        b = (
            Benchmark.objects.filter(output__mission=self.mission, latest_assessment__status=Status.ON_TRACK)
            .select_related("latest_assessment", "output__lead_component", "lead_component")
            .order_by("pk")
            .first()
        )
        assessment_create(
            benchmark=b,
            user=self.assessor(b),
            assessed_on=b.latest_assessment.assessed_on,
            status=Status.AT_RISK,
            progress=b.latest_assessment.progress,
            evidence="Correction: the field office in Morvan reports that two of five planned activities slipped.",
            corrects=b.latest_assessment,
        )
        self.counts["assessments"] = n + 1

    def indicators(self):
        rng, n_values = self.rng, 0
        recorder = self.users["mlt"]
        for key, specs in INDICATORS.items():
            output = self.outputs[key]
            benchmarks = [b for b in self.benchmarks if b.output_id == output.pk]
            for order, (name, unit, baseline, target, disaggregated, frequency) in enumerate(specs):
                indicator = Indicator.objects.create(
                    output=output,
                    benchmark=benchmarks[order % len(benchmarks)],
                    name=name,
                    unit=unit,
                    baseline=Decimal(baseline),
                    target=Decimal(target),
                    disaggregated=disaggregated,
                    order=order,
                )
                months = 3 if frequency == "quarterly" else 1
                value = Decimal(baseline)
                for k in range(12 // months, 0, -1):
                    start = month_start(self.today, -k * months)
                    end = month_start(start, months) - datetime.timedelta(days=1)
                    # Move about a twelfth of the way to the target each month, with noise.
                    value = max(Decimal(0), value + (Decimal(target) - Decimal(baseline)) / 14 * months * Decimal(
                        str(round(rng.uniform(0.5, 1.4), 2))
                    )).quantize(Decimal("1"))  # fmt: skip
                    women = men = youth = None
                    if disaggregated:
                        women = (value * Decimal(str(round(rng.uniform(0.3, 0.5), 2)))).quantize(Decimal("1"))
                        men = value - women
                        youth = (value * Decimal(str(round(rng.uniform(0.2, 0.4), 2)))).quantize(Decimal("1"))
                    IndicatorValue.objects.create(
                        indicator=indicator,
                        period_start=start,
                        period_end=end,
                        actual=value,
                        actual_women=women,
                        actual_men=men,
                        actual_youth=youth,
                        recorded_by=recorder,
                    )
                    n_values += 1
        self.counts["indicator values"] = n_values

    def risks(self):
        rng = self.rng
        mitigations = [
            "Monthly review by the mission leadership team; contingency plan agreed with the government.",
            "Good offices of the SRSG with the parties; early warning through civil affairs field offices.",
            "Joint planning with the national police and UNDP; resources pre-positioned.",
            "Advocacy with donors to close the funding gap; phased implementation.",
        ]
        components = list(self.components.values())
        for r in Risk.objects.filter(output__mission=self.mission):
            r.likelihood, r.impact = rng.randint(2, 5), rng.randint(2, 5)
            r.mitigation = rng.choice(mitigations)
            r.owner = rng.choice(components) if r.pk % 3 == 0 else r.owner
            r.review_date = self.day(rng.randint(-90, 45))  # some reviews are due already
            r.save(update_fields=["likelihood", "impact", "mitigation", "owner", "review_date"])
        Risk.objects.create(
            output=self.outputs["elections-held"],
            title="Armed group attacks on polling centres in Nortea and Kalvi",
            likelihood=4,
            impact=5,
            owner=self.components[Kind.MILITARY],
            mitigation="Static guards at high-risk centres, quick reaction force on standby, air assets for resupply.",
            review_date=self.day(-14),
            order=50,
        )
        self.counts["risks"] = Risk.objects.filter(output__mission=self.mission).count()

    # --- elections ----------------------------------------------------------------------------------

    def elections(self):
        rng, today = self.rng, self.today
        polling = today + datetime.timedelta(days=120)
        plan = ElectionPlan.objects.create(
            mission=self.mission,
            name=f"General elections {polling.year}",
            election_type=ElectionPlan.ElectionType.GENERAL,
            polling_start=polling,
            polling_end=polling,
            notes="Presidential and legislative elections; a possible presidential run-off 21 days later.",
        )
        election_benchmarks = [b for b in self.benchmarks if b.output_id == self.outputs["elections-held"].pk]
        plan.benchmarks.set(election_benchmarks)
        spans = phase_spans(today, polling)
        for kind, (start, end) in spans:
            ElectoralPhase.objects.create(plan=plan, kind=kind, start=start, end=end)
        milestone_titles = {
            Phase.LEGAL_FRAMEWORK: ["Electoral law promulgated", "Electoral calendar published"],
            Phase.VOTER_REGISTRATION: ["Voter registration centres opened", "Provisional voter list displayed"],
            Phase.CANDIDATE_NOMINATION: ["Candidate lists filed", "Final candidate list published"],
            Phase.CAMPAIGN: ["Code of conduct signed by the parties", "Election materials delivered to districts"],
            Phase.POLLING: ["Polling centres open"],
            Phase.COUNTING: ["Provisional results announced"],
            Phase.DISPUTES: ["Constitutional Court rules on disputes"],
            Phase.TRANSITION: ["Newly elected assembly sworn in"],
        }
        for kind, (start, end) in spans:
            for j, title in enumerate(milestone_titles[kind]):
                due = start + (end - start) * (j + 1) / (len(milestone_titles[kind]) + 1)
                if due < today:
                    status = (
                        Milestone.Status.DELAYED if title.startswith("Provisional voter") else Milestone.Status.DONE
                    )
                else:
                    status = Milestone.Status.IN_PROGRESS if start <= today else Milestone.Status.PLANNED
                Milestone.objects.create(
                    plan=plan,
                    phase=kind,
                    title=title,
                    due_date=due,
                    status=status,
                    benchmark=election_benchmarks[(len(title) + j) % len(election_benchmarks)],
                )
        security_plan = SecurityPlan.objects.create(
            election_plan=plan,
            revision=1,
            summary=(
                "The national police secure polling centres, with the gendarmerie in rural areas; UN police "
                "co-locate at district command posts; the Force provides area security, escorts of sensitive "
                "materials and a quick reaction force in the north."
            ),
        )
        # Polling sites: eight districts; the threats below make the north more dangerous than the south.
        site_districts = [
            ("Nortea", 12),
            ("Kalvi", 10),
            ("Brasso", 8),
            ("Estavia", 8),
            ("Morvan", 6),
            ("Sudara", 8),
            ("Port Alvar", 12),
            ("Ostrin", 8),
        ]
        places = ["Primary school", "Community hall", "Health centre", "Mosque courtyard", "Church hall", "Market hall"]
        sites = []
        for name, count in site_districts:
            d = self.districts[name]
            for k in range(1, count + 1):
                override = k == 3 and name in {"Nortea", "Sudara"}
                sites.append(
                    PollingSite.objects.create(
                        security_plan=security_plan,
                        code=f"VEL-{self.codes[name]}-{k:03d}",
                        name=f"{rng.choice(places)} {name} {k}",
                        district=d,
                        locality=f"{name} {['centre', 'north', 'south', 'east', 'west'][k % 5]}",
                        latitude=d.latitude + Decimal(f"{rng.uniform(-0.25, 0.25):.6f}"),
                        longitude=d.longitude + Decimal(f"{rng.uniform(-0.25, 0.25):.6f}"),
                        registered_voters=rng.randint(350, 2400),
                        risk_override=(RiskLevel.HIGH if name == "Nortea" else RiskLevel.LOW) if override else "",
                        risk_reason=(
                            "Armed group seen on the access road last week."
                            if name == "Nortea"
                            else "Centre moved inside the police station compound."
                        )
                        if override
                        else "",
                    )
                )
        threats = [
            ("Northern Liberation Front (NLF)", Threat.ThreatType.ARMED_GROUP, "Nortea", 4, 5),
            ("NLF splinter faction", Threat.ThreatType.ARMED_GROUP, "Kalvi", 3, 5),
            ("Party youth wings", Threat.ThreatType.POLITICAL_VIOLENCE, "Port Alvar", 3, 3),
            ("Road bandits on the eastern corridor", Threat.ThreatType.CRIME, "Morvan", 4, 2),
            ("Local militia loyal to a candidate", Threat.ThreatType.INTIMIDATION, "Estavia", 3, 4),
            ("Online disinformation networks", Threat.ThreatType.HATE_SPEECH, "Port Alvar", 4, 3),
            ("Protests over the voter list", Threat.ThreatType.CIVIL_UNREST, "Ostrin", 2, 3),
            ("Cattle raiders", Threat.ThreatType.CRIME, "Brasso", 2, 2),
        ]
        for actor, ttype, district, likelihood, impact in threats:
            threat = Threat.objects.create(
                security_plan=security_plan,
                actor=actor,
                threat_type=ttype,
                district=self.districts[district],
                likelihood=likelihood,
                impact=impact,
                description=f"{actor} active in {district}; reported by the joint mission analysis centre.",
                mitigation="Area patrols, liaison with local leaders and early-warning networks.",
            )
            threat.sites.set([s for s in sites if s.district.name == district][:4])
        # Suggested risks come from the rule (threats, recent incidents), as every later write recomputes them.
        site_risk_refresh(security_plan=security_plan, cause=_("demo data loaded"))
        for site in sites:
            site.refresh_from_db(fields=["suggested_risk"])
        opening = datetime.datetime.combine(polling, datetime.time(6), tzinfo=datetime.UTC)
        police, military = self.components[Kind.POLICE], self.components[Kind.MILITARY]
        n_tasks = 0
        for i, site in enumerate(sites):
            high = site.risk_level in {RiskLevel.HIGH, RiskLevel.CRITICAL}
            # A few high-risk centres in the north have no task yet: the readiness view shows them as gaps.
            if high and site.district.name in {"Nortea", "Kalvi"} and i % 3 == 0:
                continue
            SecurityTask.objects.create(
                security_plan=security_plan,
                task_type=SecurityTask.TaskType.STATIC_GUARD,
                provider=SecurityTask.Provider.NATIONAL_POLICE,
                site=site,
                district=site.district,
                phase=Phase.POLLING,
                start=opening - datetime.timedelta(hours=2),
                end=opening + datetime.timedelta(hours=14),
                description="Two officers at the entrance, one inside; polling kit secured overnight.",
            )
            n_tasks += 1
            if high:
                SecurityTask.objects.create(
                    security_plan=security_plan,
                    task_type=SecurityTask.TaskType.PATROL,
                    provider=SecurityTask.Provider.MISSION_POLICE,
                    component=police,
                    site=site,
                    district=site.district,
                    phase=Phase.POLLING,
                    start=opening,
                    end=opening + datetime.timedelta(hours=12),
                    description="UN police patrol every two hours.",
                )
                n_tasks += 1
        SecurityTask.objects.create(
            security_plan=security_plan,
            task_type=SecurityTask.TaskType.QUICK_REACTION,
            provider=SecurityTask.Provider.MISSION_MILITARY,
            component=military,
            district=self.districts["Nortea"],
            phase=Phase.POLLING,
            start=opening - datetime.timedelta(days=1),
            end=opening + datetime.timedelta(days=2),
            description="Company-sized quick reaction force on 30-minute notice.",
        )
        n_tasks += 1
        for j, name in enumerate(["Nortea", "Kalvi", "Brasso", "Estavia", "Morvan", "Sudara"]):
            departs = opening - datetime.timedelta(days=6 - j // 2, hours=-j)
            escort = SecurityTask.objects.create(
                security_plan=security_plan,
                task_type=SecurityTask.TaskType.ESCORT,
                provider=SecurityTask.Provider.MISSION_MILITARY,
                component=military,
                district=self.districts[name],
                phase=Phase.CAMPAIGN,
                start=departs,
                end=departs + datetime.timedelta(hours=10),
                description="Escort of sensitive election materials from the regional hub.",
            )
            n_tasks += 1
            TransportLeg.objects.create(
                security_plan=security_plan,
                materials="Ballot papers and results forms" if j % 2 == 0 else "Polling kits and indelible ink",
                origin="CENI-V national warehouse, Port Alvar",
                destination=f"{name} district hub",
                departs_at=departs,
                arrives_at=departs + datetime.timedelta(hours=9),
                escort=escort if j != 5 else None,  # one leg still needs an escort
            )
        incidents = [
            (80, "Nortea", Incident.IncidentType.ARMED_ATTACK, 4, 3, "Attack on a voter registration centre."),
            (62, "Kalvi", Incident.IncidentType.INTIMIDATION, 2, 0, "Registration agents threatened by armed men."),
            (45, "Port Alvar", Incident.IncidentType.DEMONSTRATION, 2, 0, "Opposition march over the voter list."),
            (30, "Morvan", Incident.IncidentType.VIOLENCE, 3, 2, "Clashes between party supporters at a rally."),
            (12, "Estavia", Incident.IncidentType.ATTACK_ON_MATERIALS, 3, 0, "Registration kits burnt in a school."),
            (4, "Nortea", Incident.IncidentType.INTIMIDATION, 2, 0, "Leaflets warning villagers not to vote."),
        ]
        for days_ago, district, itype, severity, casualties, description in incidents:
            site = next((s for s in sites if s.district.name == district), None)
            Incident.objects.create(
                election_plan=plan,
                occurred_at=self.now - datetime.timedelta(days=days_ago, hours=rng.randint(0, 12)),
                district=self.districts[district],
                site_code=site.code if site and severity >= 3 else "",
                place=f"{district} town",
                incident_type=itype,
                severity=severity,
                casualties=casualties,
                description=description,
                follow_up="Joint assessment with the national police; reported to the JOC.",
                status=Incident.Status.CLOSED if days_ago > 40 else Incident.Status.OPEN,
                reported_by=self.users["military"],
            )
        site_risk_refresh(security_plan=security_plan, cause=_("demo data loaded"))
        self.counts["polling sites"] = len(sites)
        self.counts["security tasks"] = n_tasks
        self.counts["incidents"] = len(incidents)

    # --- engagements --------------------------------------------------------------------------------

    def engagements(self):
        rng = self.rng
        components = self.components
        component_weights = [
            (components[Kind.CIVIL_AFFAIRS], 10),
            (components[Kind.ELECTORAL], 3),
            (components[Kind.POLITICAL], 2),
            (components[Kind.HUMAN_RIGHTS], 2),
            (components[Kind.MILITARY], 1),
            (components[Kind.POLICE], 1),
        ]
        officers = {
            Kind.CIVIL_AFFAIRS: self.users["civilaffairs"],
            Kind.ELECTORAL: self.users["electoral"],
            Kind.MILITARY: self.users["military"],
            Kind.POLICE: self.users["police"],
        }
        # The two focal points' organisations come up often, so the partner portal has content.
        partner_weights = [8, 6] + [2] * (len(self.partners) - 2)
        benchmarks_by_output = {}
        for b in self.benchmarks:
            benchmarks_by_output.setdefault(b.output_id, []).append(b)
        types = [ET.MEETING] * 5 + [ET.CONSULTATION] * 3 + [ET.TRAINING, ET.DIALOGUE] * 2 + list(ET)
        n_follow_ups = 0
        partner1_org = self.partners[0]
        for i in range(150):
            date = self.day(int(365 * (149 - i) / 150) + rng.randint(0, 2))
            component = rng.choices([c for c, _ in component_weights], [w for _, w in component_weights])[0]
            lead = rng.choices(self.partners, partner_weights)[0]
            chosen = [lead]
            if rng.random() < 0.35:
                other = rng.choice(self.partners)
                if other is not lead:
                    chosen.append(other)
            etype = rng.choice(types)
            # Human-rights due diligence: no support to security institutions that are not cleared.
            if etype in Engagement.SUPPORT_TYPES and any(
                p.partner_type == PT.SECURITY_INSTITUTION and not p.is_cleared_for_support(date) for p in chosen
            ):
                etype = ET.MEETING
            topic_key = rng.choice(list(TOPICS))
            output_key, topics = TOPICS[topic_key]
            district = lead.district if rng.random() < 0.6 else rng.choice(list(self.districts.values()))
            topic = rng.choice(topics).format(district=district.name)
            summary = " ".join(
                [
                    rng.choice(OPENINGS).format(partner=lead.name, place=district.name, topic=topic),
                    *rng.sample(DETAILS, 2),
                ]
            )
            women, men = rng.randint(1, 25), rng.randint(1, 25)
            shareable = rng.random() < (0.7 if partner1_org in chosen else 0.4)
            engagement = Engagement(
                mission=self.mission,
                date=date,
                engagement_type=etype,
                component=component,
                district=district,
                place=f"{district.name}, {rng.choice(['town hall', 'prefecture', 'field office', 'community centre'])}",
                participants_women=women,
                participants_men=men,
                participants_youth=rng.randint(0, (women + men) // 2),
                topics=topic_key.replace("_", " "),
                summary=summary,
                outcomes=rng.choice(OUTCOMES),
                shareable=shareable,
                created_by=officers.get(component.kind, self.users["mlt"]),
            )
            # As partners.services does: row and links without history, then one history record holding
            # the final links (each many-to-many change would otherwise write a history record of its own).
            engagement.skip_history_when_saving = True
            engagement.save()
            engagement.partners.set(chosen)
            output = self.outputs[output_key]
            engagement.outputs.set([output])
            if rng.random() < 0.5:
                engagement.benchmarks.set(rng.sample(benchmarks_by_output[output.pk], 1))
            if component.kind in officers:
                engagement.officers.set([officers[component.kind]])
            del engagement.skip_history_when_saving
            engagement._history_user = engagement.created_by
            engagement.save(update_fields=["updated_at"])
            if rng.random() < 0.45 or (partner1_org in chosen and shareable):
                n_follow_ups += self.follow_ups(engagement, chosen)
        self.counts["engagements"] = 150
        self.counts["follow-ups"] = n_follow_ups

    def follow_ups(self, engagement: Engagement, partners: list[Partner]) -> int:
        rng = self.rng
        count = 0
        for _i in range(rng.randint(1, 2)):
            to_partner = rng.random() < 0.45
            due = engagement.date + datetime.timedelta(days=rng.randint(10, 45))
            # Older follow-ups are mostly done; some stay open past their due date (overdue).
            done = due < self.today and rng.random() < 0.7
            owner = self.users["civilaffairs"] if engagement.component.kind == Kind.CIVIL_AFFAIRS else None
            FollowUp.objects.create(
                engagement=engagement,
                action=rng.choice(FOLLOW_UP_ACTIONS),
                owner=None if to_partner else (owner or engagement.created_by),
                partner=partners[0] if to_partner else None,
                due_date=due,
                status=FollowUp.Status.DONE if done else FollowUp.Status.OPEN,
                completed_at=datetime.datetime.combine(due, datetime.time(16), tzinfo=datetime.UTC) if done else None,
                completed_by=engagement.created_by if done else None,
                completion_comment="Done as agreed." if done else "",
            )
            count += 1
        return count
