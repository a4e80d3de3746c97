"""Helpers for the generic API tests: a world with a row of every resource in a mission, and the router's resources.

`build_world(mission, ...)` creates, in one mission, at least one row of every model the API serves, including
the cases the access rules separate: shareable and internal engagements of two partners, follow-ups assigned to
each partner, security plan rows, draft and released reports of both kinds. Calling it again adds as many rows
again (used for query counts at two sizes).
"""

from __future__ import annotations

import datetime
import itertools
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from benchmarks import summaries
from benchmarks.models import Activity, Indicator, IndicatorValue, Risk
from config.api import router
from mandate import access
from missions.models import AuditEvent, Component, Membership
from missions.services import audit_event_record
from narratives.models import Attachment, MandateTask, Narrative
from notifications.models import Kind as NotificationKind
from notifications.models import Notification
from partners.models import Engagement
from reports.models import Report, ReportComment, ReportKind
from tests.conftest import ROLE_FIXTURES
from tests.factories import (
    AssessmentFactory,
    BenchmarkFactory,
    ComponentFactory,
    ElectionPlanFactory,
    EngagementFactory,
    FollowUpFactory,
    IncidentFactory,
    LocationFactory,
    MembershipFactory,
    MissionFactory,
    OutputFactory,
    PartnerFactory,
    PollingSiteFactory,
    SecurityPlanFactory,
    SecurityTaskFactory,
    ThreatFactory,
    UserFactory,
)

Kind = Component.Kind
_serial = itertools.count(1)


@dataclass
class Resource:
    prefix: str
    viewset: type
    basename: str

    @property
    def actions(self) -> set[str]:
        return {name for name in ("list", "retrieve", "create", "update", "partial_update", "destroy")
                if hasattr(self.viewset, name)}  # fmt: skip

    def list_url(self) -> str:
        return f"/api/v1/{self.prefix}/"

    def detail_url(self, pk) -> str:
        return f"/api/v1/{self.prefix}/{pk}/"


def resources() -> list[Resource]:
    """Every resource registered on the API router (so new resources are covered automatically)."""
    return [Resource(prefix, viewset, basename) for prefix, viewset, basename in router.registry]


def resource(prefix: str) -> Resource:
    return next(r for r in resources() if r.prefix == prefix)


def model_of(res: Resource):
    """The model behind a resource: its `queryset`, else its serializer's model."""
    queryset = getattr(res.viewset, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer_class = getattr(res.viewset, "serializer_class", None)
    if serializer_class is not None:
        return serializer_class.Meta.model
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    request = Request(APIRequestFactory().get(res.list_url()))
    request.user = AnonymousUser()
    view = res.viewset(request=request, action="list", kwargs={}, format_kwarg=None)
    return view.get_queryset().model


def rows_in_mission(model, mission) -> list[int]:
    path = access.MISSION_PATH.get(model)
    if path is None:
        return []
    return list(model._default_manager.filter(**{path: mission.pk}).values_list("pk", flat=True))


def build_world(mission, *, partner_a=None, partner_b=None, author=None) -> dict:
    """One row (or a few) of every served model in `mission`; returns the notable ones by name."""
    n = next(_serial)
    components = {kind: ComponentFactory(mission=mission, kind=kind) for kind in Kind if kind != Kind.OTHER}
    district = LocationFactory(mission=mission, name=f"World district {n}")
    partner_a = partner_a or PartnerFactory(mission=mission, name=f"World partner A {n}", district=district)
    partner_b = partner_b or PartnerFactory(mission=mission, name=f"World partner B {n}", district=district)
    author = author or _author(mission, components[Kind.CIVIL_AFFAIRS])

    output = OutputFactory(mission=mission, lead_component=components[Kind.POLITICAL])
    Activity.objects.create(output=output, title=f"Activity {n}")
    benchmark = BenchmarkFactory(output=output)
    AssessmentFactory(benchmark=benchmark, assessed_by=author)
    summaries.latest_refresh(type(benchmark).objects.filter(pk=benchmark.pk))
    summaries.summaries_rebuild(mission)
    indicator = Indicator.objects.create(output=output, benchmark=benchmark, name=f"Indicator {n}", target=10)
    IndicatorValue.objects.create(
        indicator=indicator, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 3, 31), actual=4
    )
    Risk.objects.create(output=output, title=f"Risk {n}", owner=components[Kind.POLITICAL])

    election = ElectionPlanFactory(mission=mission)
    security_plan = SecurityPlanFactory(election_plan=election)
    PollingSiteFactory(security_plan=security_plan, district=district)
    ThreatFactory(security_plan=security_plan)
    SecurityTaskFactory(security_plan=security_plan, component=components[Kind.POLICE])
    IncidentFactory(election_plan=election, district=district, reported_by=author)

    shared_a = EngagementFactory(
        mission=mission, component=components[Kind.CIVIL_AFFAIRS], partners=[partner_a], shareable=True,
        created_by=author, district=district,
    )  # fmt: skip
    internal_a = EngagementFactory(
        mission=mission, component=components[Kind.CIVIL_AFFAIRS], partners=[partner_a], shareable=False,
        created_by=author,
    )  # fmt: skip
    shared_b = EngagementFactory(
        mission=mission, component=components[Kind.CIVIL_AFFAIRS], partners=[partner_b], shareable=True,
        created_by=author,
    )  # fmt: skip
    FollowUpFactory(engagement=shared_a, partner=partner_a, owner=None)
    FollowUpFactory(engagement=shared_b, partner=partner_b, owner=None)
    FollowUpFactory(engagement=internal_a, owner=author)

    reports = {
        "draft": Report.objects.create(
            mission=mission, kind=ReportKind.PROGRESS, period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 3, 31), requested_by=author,
        ),
        "released": Report.objects.create(
            mission=mission, kind=ReportKind.PROGRESS, period_start=datetime.date(2026, 4, 1),
            period_end=datetime.date(2026, 6, 30), requested_by=author, state=Report.State.DONE, progress=100,
            sha256="0" * 64, approval=Report.Approval.RELEASED, released_at=timezone.now(),
        ),
        "security": Report.objects.create(
            mission=mission, kind=ReportKind.ELECTION_SECURITY, period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 3, 31), election_plan=election, requested_by=author,
        ),
    }  # fmt: skip
    audit_event_record(action=AuditEvent.Action.EXPORTED, user=author, mission=mission, summary=f"World export {n}")
    # Notifications of the world's report, for its author and the mission's Heads of Mission (when any yet).
    heads = [
        m.user for m in Membership.objects.filter(mission=mission, role=Membership.Role.HOM).select_related("user")
    ]  # noqa: E501
    for user in [author, *heads]:
        Notification.objects.create(
            recipient=user, mission=mission, kind=NotificationKind.REPORT_READY, event_key=f"world:{n}",
            url=f"/reports/{reports['draft'].pk}/", params={"report": "World report"},
        )  # fmt: skip
    ReportComment.objects.create(report=reports["released"], author=author, body=f"Comment {n}")
    task = MandateTask.objects.create(
        mission=mission, resolution="S/RES/1 (2026)", paragraph=str(n), short_title="Task"
    )
    task.outputs.set([output])
    narrative = Narrative.objects.create(
        output=output, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 3, 31), written_by=author
    )
    attachment = Attachment(
        mission=mission, target=narrative, token=f"world{n:027d}", extension=".png", name="photo.png",
        kind=Attachment.Kind.PNG, size_bytes=8, sha256="0" * 64, uploaded_by=author,
    )  # fmt: skip
    attachment.file.save("photo.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
    attachment.save()
    return {
        "components": components,
        "partner_a": partner_a,
        "partner_b": partner_b,
        "shared_a": shared_a,
        "internal_a": internal_a,
        "shared_b": shared_b,
        "security_plan": security_plan,
        "benchmark": benchmark,
        "reports": reports,
    }


def _author(mission, component):
    user = UserFactory(username=f"author-{mission.acronym}-{component.pk}")
    if not Membership.objects.filter(user=user, mission=mission).exists():
        MembershipFactory(user=user, mission=mission, role=Membership.Role.STAFF, component=component)
    return user


def shareable_engagement_ids(partner) -> set[int]:
    return set(Engagement.objects.filter(partners=partner, shareable=True).values_list("pk", flat=True))


@contextmanager
def shared_world(django_db_blocker):
    """A world in two missions with a user per role, built once for a whole test module and rolled back after it.

    Each test still runs in its own savepoint (pytest-django's `db`), so what a test writes is undone before
    the next one. The users mirror tests/conftest.py's role fixtures (same names, same memberships).
    """
    with django_db_blocker.unblock(), transaction.atomic():
        mission = MissionFactory(name="Matrix Mission", acronym="MTX")
        other = MissionFactory(name="Other Matrix Mission", acronym="OMX")
        district = LocationFactory(mission=mission, name="Matrix district")
        partner_a = PartnerFactory(mission=mission, name="Matrix partner A", district=district)
        partner_b = PartnerFactory(mission=mission, name="Matrix partner B", district=district)
        here = build_world(mission, partner_a=partner_a, partner_b=partner_b)
        there = build_world(other)
        users = _role_users(mission, other, here["components"], partner_a, partner_b)
        for name, user in users.items():
            # Notifications are their recipient's alone: each role has one of its own to list.
            Notification.objects.create(
                recipient=user, mission=other if name == "outsider" else mission, kind=NotificationKind.REPORT_READY,
                event_key="world:own", url="/reports/", params={"report": "Monthly report"},
            )  # fmt: skip
        yield {"mission": mission, "other_mission": other, "here": here, "there": there, "users": users}
        transaction.set_rollback(True)


def _role_users(mission, other, components, partner_a, partner_b) -> dict:
    Role = Membership.Role
    plan = {
        "hom": (mission, Role.HOM, {}),
        "mlt": (mission, Role.MLT, {}),
        "electoral": (mission, Role.STAFF, {"component": components[Kind.ELECTORAL]}),
        "civilaffairs": (mission, Role.STAFF, {"component": components[Kind.CIVIL_AFFAIRS]}),
        "military": (mission, Role.STAFF, {"component": components[Kind.MILITARY]}),
        "police": (mission, Role.STAFF, {"component": components[Kind.POLICE]}),
        "partner1": (mission, Role.PARTNER, {"partner": partner_a}),
        "partner2": (mission, Role.PARTNER, {"partner": partner_b}),
        "hq": (mission, Role.HQ, {}),
        "outsider": (other, Role.HOM, {}),
    }
    assert list(plan) == ROLE_FIXTURES, "a role fixture was added to tests/conftest.py: add it here too"
    users = {}
    for name, (where, role, extra) in plan.items():
        users[name] = UserFactory(username=f"matrix-{name}")
        MembershipFactory(user=users[name], mission=where, role=role, **extra)
    return users


def api_client(user=None) -> APIClient:
    """An API client signed in as `user` (session-less, as a script with a token would be); None: anonymous."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
