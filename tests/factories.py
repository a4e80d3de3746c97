"""factory_boy factories, one per model that tests build often."""

import datetime

import factory
from django.contrib.auth import get_user_model

from benchmarks.models import Assessment, Benchmark, OperationalOutput, Status, Term
from elections.models import ElectionPlan, PollingSite, SecurityPlan
from missions.models import Component, Location, Membership, Mission
from partners.models import Engagement, FollowUp, Partner


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")


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

    benchmark = factory.SubFactory(BenchmarkFactory)
    assessed_on = datetime.date(2026, 1, 15)
    status = Status.ON_TRACK
    progress = 40
    assessed_by = factory.SubFactory(UserFactory)


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


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    engagement = factory.SubFactory(EngagementFactory)
    action = factory.Sequence(lambda n: f"Follow-up action {n}")
    due_date = datetime.date(2026, 7, 1)
    owner = factory.SubFactory(UserFactory)
