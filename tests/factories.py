"""factory_boy factories, one per model that tests build often."""

import datetime

import factory
from django.contrib.auth import get_user_model

from benchmarks.models import Assessment, Benchmark, OperationalOutput, Status, Term
from elections.models import ElectionPlan, PollingSite, SecurityPlan
from missions.models import Component, Location, Membership, Mission
from partners import summaries
from partners.models import Engagement, FollowUp, Partner


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    name = factory.Sequence(lambda n: f"Test Mission {n}")
    acronym = factory.Sequence(lambda n: f"TM{n}")
    host_country = "Testland"
    start_date = datetime.date(2025, 1, 1)


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component
        django_get_or_create = ("mission", "kind")

    mission = factory.SubFactory(MissionFactory)
    kind = Component.Kind.CIVIL_AFFAIRS
    name = factory.LazyAttribute(lambda o: Component.Kind(o.kind).label)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    mission = factory.SubFactory(MissionFactory)
    name = factory.Sequence(lambda n: f"District {n}")
    level = Location.Level.DISTRICT


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    mission = factory.SubFactory(MissionFactory)
    name = factory.Sequence(lambda n: f"Partner {n}")
    partner_type = Partner.PartnerType.CIVIL_SOCIETY
    screening_status = Partner.Screening.CLEARED


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    mission = factory.SubFactory(MissionFactory)
    role = Membership.Role.MLT


class OutputFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperationalOutput

    mission = factory.SubFactory(MissionFactory)
    title = factory.Sequence(lambda n: f"Output {n}")


class BenchmarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Benchmark

    output = factory.SubFactory(OutputFactory)
    term = Term.SHORT
    statement = factory.Sequence(lambda n: f"Benchmark statement {n}")


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment
        skip_postgeneration_save = True  # append-only: a second save() is refused

    benchmark = factory.SubFactory(BenchmarkFactory)
    assessed_on = datetime.date(2026, 1, 15)
    status = Status.ON_TRACK
    progress = 40
    assessed_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def area_summary(obj, create, extracted, **kwargs):
        # Made without the services: keep the area summary as assessment_create would.
        if create and obj.location_id:
            from benchmarks import summaries

            summaries.area_status_refresh(benchmark_ids=[obj.benchmark_id])
            summaries.rollup_refresh([obj.benchmark.output.mission_id])


class ElectionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ElectionPlan

    mission = factory.SubFactory(MissionFactory)
    name = factory.Sequence(lambda n: f"General election {n}")
    election_type = ElectionPlan.ElectionType.GENERAL
    polling_start = datetime.date(2027, 3, 14)
    polling_end = datetime.date(2027, 3, 14)


class SecurityPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityPlan

    election_plan = factory.SubFactory(ElectionPlanFactory)


class PollingSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PollingSite

    security_plan = factory.SubFactory(SecurityPlanFactory)
    code = factory.Sequence(lambda n: f"PS-{n:05d}")
    name = factory.Sequence(lambda n: f"School {n}")
    district = factory.SubFactory(
        LocationFactory, mission=factory.SelfAttribute("..security_plan.election_plan.mission")
    )
    registered_voters = 800


class EngagementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engagement
        skip_postgeneration_save = True

    mission = factory.SubFactory(MissionFactory)
    date = datetime.date(2026, 6, 1)
    engagement_type = Engagement.EngagementType.MEETING
    component = factory.SubFactory(ComponentFactory, mission=factory.SelfAttribute("..mission"))
    summary = factory.Sequence(lambda n: f"Met partner about item {n}")
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        if create and extracted:
            self.partners.set(extracted)

    @factory.post_generation
    def overview_summary(self, create, extracted, **kwargs):
        # As the services do: the partner overview's summary counts the new engagement (partners.summaries).
        if create:
            summaries.places_refresh(self.mission_id, [(self.date, self.district_id)])


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp
        skip_postgeneration_save = True

    engagement = factory.SubFactory(EngagementFactory)
    action = factory.Sequence(lambda n: f"Follow-up action {n}")
    due_date = datetime.date(2026, 7, 1)
    owner = factory.SubFactory(UserFactory)

    @factory.post_generation
    def overview_summary(self, create, extracted, **kwargs):
        if create:
            summaries.places_refresh(self.engagement.mission_id, [(self.engagement.date, self.engagement.district_id)])


# --- elections (appended by the elections helper) ---


class ElectoralPhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "elections.ElectoralPhase"

    plan = factory.SubFactory(ElectionPlanFactory)
    kind = "polling"
    start = datetime.date(2027, 3, 1)
    end = datetime.date(2027, 3, 31)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "elections.Milestone"

    plan = factory.SubFactory(ElectionPlanFactory)
    phase = "voter_registration"
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = datetime.date(2027, 1, 15)


class ThreatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "elections.Threat"

    security_plan = factory.SubFactory(SecurityPlanFactory)
    actor = factory.Sequence(lambda n: f"Armed group {n}")
    threat_type = "armed_group"
    likelihood = 3
    impact = 3


class SecurityTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "elections.SecurityTask"

    security_plan = factory.SubFactory(SecurityPlanFactory)
    task_type = "static_guard"
    provider = "mission_police"
    phase = "polling"
    start = factory.LazyFunction(lambda: datetime.datetime(2027, 3, 14, 6, tzinfo=datetime.UTC))
    end = factory.LazyFunction(lambda: datetime.datetime(2027, 3, 14, 20, tzinfo=datetime.UTC))


class TransportLegFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "elections.TransportLeg"

    security_plan = factory.SubFactory(SecurityPlanFactory)
    materials = "Ballot papers"
    origin = "Capital warehouse"
    destination = "District hub"
    departs_at = factory.LazyFunction(lambda: datetime.datetime(2027, 3, 10, 6, tzinfo=datetime.UTC))
    arrives_at = factory.LazyFunction(lambda: datetime.datetime(2027, 3, 10, 18, tzinfo=datetime.UTC))


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "elections.Incident"

    election_plan = factory.SubFactory(ElectionPlanFactory)
    occurred_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=2))
    district = factory.SubFactory(LocationFactory, mission=factory.SelfAttribute("..election_plan.mission"))
    incident_type = "intimidation"
    severity = 2
    description = "Voters threatened near the site."
