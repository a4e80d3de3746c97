"""Every role against every page, form, export, import and API endpoint of the partners app.

Each role gets a fresh mission (one test per role), then walks the CASES table in order. Expected
statuses come from mandate.access: out-of-scope objects are 404, visible-but-not-allowed 403.
`COVERED_URL_NAMES` must name every URL of partners/urls.py and every API route of partners/api.py.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse

from missions.models import Component
from partners import urls as partner_urls
from partners.models import Contact, Engagement, FollowUp, Partner
from tests.conftest import ROLE_FIXTURES
from tests.factories import EngagementFactory, FollowUpFactory
from tests.matrix_support import api_route_names, roles

Kind = Component.Kind
INTERNAL = {"hom", "mlt", "electoral", "civilaffairs", "military", "police"}
KEEPERS = {"hom", "mlt", "civilaffairs"}  # leadership + civil affairs keep the registry
EDITORS = {"hom", "mlt", "civilaffairs"}  # leadership + the engagement's component (civil affairs)
STAFF_OTHER = {"electoral", "military", "police"}


class World:
    """The objects every case reads or changes, in the fixtures' mission."""

    def __init__(self, mission, components, partner_a, partner_b, civilaffairs):
        self.mission = mission
        self.components = components
        self.partner_a = partner_a
        self.partner_b = partner_b
        ca = components[Kind.CIVIL_AFFAIRS]
        self.shared = EngagementFactory(mission=mission, component=ca, partners=[partner_a], shareable=True)
        self.internal = EngagementFactory(mission=mission, component=ca, partners=[partner_a], shareable=False)
        self.other = EngagementFactory(mission=mission, component=ca, partners=[partner_b], shareable=True)
        self.fu_page = FollowUpFactory(engagement=self.shared, owner=None, partner=partner_a)
        self.fu_api = FollowUpFactory(engagement=self.shared, owner=None, partner=partner_a)
        self.contact = Contact.objects.create(partner=partner_a, name="Amina")
        self.user = None

    def version(self, model, pk):
        return model.objects.get(pk=pk).version

    def component_for(self, user):
        m = user.memberships.first()
        return m.component if m.component_id else self.components[Kind.CIVIL_AFFAIRS]

    def engagement_form(self, pk=None):
        data = {
            "date": datetime.date(2026, 6, 1).isoformat(),
            "engagement_type": "meeting",
            "partners": [self.partner_a.pk],
            "component": (self.components[Kind.CIVIL_AFFAIRS] if pk else self.component_for(self.user)).pk,
            "participants_women": 1, "participants_men": 1, "participants_youth": 0,
            "summary": "Matrix visit",
            "fu-TOTAL_FORMS": 0, "fu-INITIAL_FORMS": 0, "fu-MIN_NUM_FORMS": 0, "fu-MAX_NUM_FORMS": 1000,
        }  # fmt: skip
        if pk:
            data["version"] = self.version(Engagement, pk)
        return data

    def partner_form(self, name, pk=None):
        data = {"name": name, "partner_type": "media", "relationship": "active", "screening_status": "pending"}
        if pk:
            data["version"] = self.version(Partner, pk)
        return data


# name, method, url(world), data(world) or None, expected statuses per role, api?
CASES = [
    ("partners:index", "get", lambda w: reverse("partners:index"), None,
     roles(s200=INTERNAL | {"outsider"}, s403={"partner1", "partner2", "hq"})),
    ("partners:overview", "get", lambda w: reverse("partners:overview"), None,
     roles(s200=INTERNAL | {"outsider"}, s403={"partner1", "partner2", "hq"})),
    ("partners:partner-create", "get", lambda w: reverse("partners:partner-create"), None,
     roles(s200=KEEPERS | {"outsider"}, s403=STAFF_OTHER | {"partner1", "partner2", "hq"})),
    ("partners:partner-create", "post", lambda w: reverse("partners:partner-create"),
     lambda w: w.partner_form("Matrix radio"),
     roles(s302=KEEPERS | {"outsider"}, s403=STAFF_OTHER | {"partner1", "partner2", "hq"})),
    ("partners:partner-detail", "get", lambda w: reverse("partners:partner-detail", args=[w.partner_a.pk]), None,
     roles(s200=INTERNAL, s302={"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("partners:partner-edit", "get", lambda w: reverse("partners:partner-edit", args=[w.partner_a.pk]), None,
     roles(s200=KEEPERS, s403=STAFF_OTHER | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("partners:partner-edit", "post", lambda w: reverse("partners:partner-edit", args=[w.partner_a.pk]),
     lambda w: w.partner_form("Women's Peace Network", w.partner_a.pk),
     roles(s302=KEEPERS, s403=STAFF_OTHER | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("partners:contact-create", "get", lambda w: reverse("partners:contact-create", args=[w.partner_a.pk]), None,
     roles(s200=KEEPERS, s403=STAFF_OTHER | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("partners:contact-create", "post", lambda w: reverse("partners:contact-create", args=[w.partner_a.pk]),
     lambda w: {"name": "New focal point", "is_focal_point": "on"},
     roles(s302=KEEPERS, s403=STAFF_OTHER | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("partners:contact-edit", "get", lambda w: reverse("partners:contact-edit", args=[w.contact.pk]), None,
     roles(s200=KEEPERS, s403=STAFF_OTHER | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("partners:contact-edit", "post", lambda w: reverse("partners:contact-edit", args=[w.contact.pk]),
     lambda w: {"name": "Amina B.", "version": w.version(Contact, w.contact.pk)},
     roles(s302=KEEPERS, s403=STAFF_OTHER | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("partners:import", "get", lambda w: reverse("partners:import"), None,
     roles(s200=KEEPERS | {"outsider"}, s403=STAFF_OTHER | {"partner1", "partner2", "hq"})),
    ("partners:import", "post", lambda w: reverse("partners:import"),
     lambda w: {"file": SimpleUploadedFile("p.csv", b"name,type\nMatrix import,media\n")},
     roles(s302=KEEPERS | {"outsider"}, s403=STAFF_OTHER | {"partner1", "partner2", "hq"})),
    ("partners:export", "get", lambda w: reverse("partners:export", args=["csv"]), None,
     roles(s200=KEEPERS | {"outsider"}, s403=STAFF_OTHER | {"partner1", "partner2", "hq"})),
    ("partners:export", "get", lambda w: reverse("partners:export", args=["xlsx"]), None,
     roles(s200=KEEPERS | {"outsider"}, s403=STAFF_OTHER | {"partner1", "partner2", "hq"})),
    ("partners:engagement-list", "get", lambda w: reverse("partners:engagement-list"), None,
     roles(s200=INTERNAL | {"outsider"}, s403={"partner1", "partner2", "hq"})),
    ("partners:engagement-export", "get", lambda w: reverse("partners:engagement-export", args=["csv"]), None,
     roles(s200=INTERNAL | {"outsider"}, s403={"partner1", "partner2", "hq"})),
    ("partners:engagement-export", "get", lambda w: reverse("partners:engagement-export", args=["xlsx"]), None,
     roles(s200=INTERNAL | {"outsider"}, s403={"partner1", "partner2", "hq"})),
    ("partners:engagement-create", "get", lambda w: reverse("partners:engagement-create"), None,
     roles(s200=INTERNAL | {"outsider"}, s403={"partner1", "partner2", "hq"})),
    # The outsider's form offers only its own mission's partners: this mission's partner is a form error (200).
    ("partners:engagement-create", "post", lambda w: reverse("partners:engagement-create"),
     lambda w: w.engagement_form(),
     roles(s302=INTERNAL, s200={"outsider"}, s403={"partner1", "partner2", "hq"})),
    ("partners:engagement-detail", "get", lambda w: reverse("partners:engagement-detail", args=[w.shared.pk]), None,
     roles(s200=INTERNAL, s302={"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("partners:engagement-detail", "get", lambda w: reverse("partners:engagement-detail", args=[w.internal.pk]),
     None, roles(s200=INTERNAL, s404={"partner1", "partner2", "hq", "outsider"})),
    ("partners:engagement-edit", "get", lambda w: reverse("partners:engagement-edit", args=[w.shared.pk]), None,
     roles(s200=EDITORS, s403=STAFF_OTHER | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("partners:engagement-edit", "get", lambda w: reverse("partners:engagement-edit", args=[w.internal.pk]), None,
     roles(s200=EDITORS, s403=STAFF_OTHER, s404={"partner1", "partner2", "hq", "outsider"})),
    ("partners:engagement-edit", "post", lambda w: reverse("partners:engagement-edit", args=[w.shared.pk]),
     lambda w: w.engagement_form(w.shared.pk),
     roles(s302=EDITORS, s403=STAFF_OTHER | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("partners:follow-up-complete", "get", lambda w: reverse("partners:follow-up-complete", args=[w.fu_page.pk]),
     None, roles(405)),
    ("partners:follow-up-complete", "post", lambda w: reverse("partners:follow-up-complete", args=[w.fu_page.pk]),
     lambda w: {"comment": "done"},
     roles(s302=EDITORS | {"partner1"}, s403=STAFF_OTHER, s404={"partner2", "hq", "outsider"})),
    ("partners:portal", "get", lambda w: reverse("partners:portal"), None,
     roles(s200={"partner1", "partner2"}, s403=INTERNAL | {"hq", "outsider"})),
    ("partners:portal-engagement", "get", lambda w: reverse("partners:portal-engagement", args=[w.shared.pk]), None,
     roles(s200={"partner1"}, s404={"partner2"}, s403=INTERNAL | {"hq", "outsider"})),
    ("partners:portal-engagement", "get", lambda w: reverse("partners:portal-engagement", args=[w.internal.pk]),
     None, roles(s404={"partner1", "partner2"}, s403=INTERNAL | {"hq", "outsider"})),
    # --- API ---
    ("api:partner-list", "get", lambda w: "/api/v1/partners/", None, roles(200)),
    ("api:partner-list", "post", lambda w: "/api/v1/partners/",
     lambda w: {"mission": w.mission.pk, "name": "API radio", "partner_type": "media"},
     roles(s201=KEEPERS, s403=STAFF_OTHER | {"partner1", "partner2", "hq"}, s400={"outsider"})),
    ("api:partner-detail", "get", lambda w: f"/api/v1/partners/{w.partner_a.pk}/", None,
     roles(s200=INTERNAL | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("api:partner-detail", "patch", lambda w: f"/api/v1/partners/{w.partner_a.pk}/",
     lambda w: {"acronym": "WPN", "version": w.version(Partner, w.partner_a.pk)},
     roles(s200=KEEPERS, s403=STAFF_OTHER | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("api:engagement-list", "get", lambda w: "/api/v1/engagements/", None, roles(200)),
    # Partners and HQ see no component-less choice problem: their create is refused by the service (403);
    # HQ sees no partner to attach (400), nor does the outsider (the mission is not theirs: 400).
    ("api:engagement-list", "post", lambda w: "/api/v1/engagements/",
     lambda w: {**{k: v for k, v in w.engagement_form().items() if not k.startswith("fu-")}, "mission": w.mission.pk},
     roles(s201=INTERNAL, s403={"partner1"}, s400={"partner2", "hq", "outsider"})),
    ("api:engagement-detail", "get", lambda w: f"/api/v1/engagements/{w.shared.pk}/", None,
     roles(s200=INTERNAL | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("api:engagement-detail", "get", lambda w: f"/api/v1/engagements/{w.internal.pk}/", None,
     roles(s200=INTERNAL, s404={"partner1", "partner2", "hq", "outsider"})),
    ("api:engagement-detail", "patch", lambda w: f"/api/v1/engagements/{w.shared.pk}/",
     lambda w: {"summary": "API edit", "version": w.version(Engagement, w.shared.pk)},
     roles(s200=EDITORS, s403=STAFF_OTHER | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("api:follow-up-list", "get", lambda w: "/api/v1/follow-ups/", None, roles(200)),
    ("api:follow-up-list", "post", lambda w: "/api/v1/follow-ups/",
     lambda w: {"engagement": w.shared.pk, "action": "Call back", "due_date": "2030-01-01", "partner": w.partner_a.pk},
     roles(s201=EDITORS, s403=STAFF_OTHER | {"partner1"}, s400={"partner2", "hq", "outsider"})),
    ("api:follow-up-detail", "get", lambda w: f"/api/v1/follow-ups/{w.fu_api.pk}/", None,
     roles(s200=INTERNAL | {"partner1"}, s404={"partner2", "hq", "outsider"})),
    ("api:follow-up-complete", "post", lambda w: f"/api/v1/follow-ups/{w.fu_api.pk}/complete/",
     lambda w: {"comment": "done"},
     roles(s200=EDITORS | {"partner1"}, s403=STAFF_OTHER, s404={"partner2", "hq", "outsider"})),
]  # fmt: skip

# The partner import's API (multipart, a job per upload) has its own matrix below.
IMPORT_API = {"api:partner-import", "api:partner-import-status"}
COVERED_URL_NAMES = {name for name, *_rest in CASES} | IMPORT_API


def test_the_matrix_covers_every_partners_url_and_api_route():
    pages = {f"partners:{p.name}" for p in partner_urls.urlpatterns}
    api_routes = api_route_names({"partner", "engagement", "follow-up"}, prefix="api:")
    assert pages | api_routes == COVERED_URL_NAMES
    assert get_resolver()  # the URLconf loads


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_role_matrix(client, users, role, mission, components, partner_a, partner_b, civilaffairs):
    world = World(mission, components, partner_a, partner_b, civilaffairs)
    world.user = users[role]
    client.force_login(world.user)
    failures = []
    for name, method, url, data, expected in CASES:
        target = url(world)
        payload = data(world) if data else None
        extra = {"content_type": "application/json"} if name.startswith("api:") else {}
        call = getattr(client, method)
        response = call(target, payload, **extra) if payload is not None else call(target)
        if response.status_code != expected[role]:
            failures.append(f"{method.upper()} {name} {target}: {response.status_code}, expected {expected[role]}")
    assert not failures, "\n".join(failures)
    if role == "partner1":  # partner1 completed its own follow-ups, through the page and the API
        assert set(FollowUp.objects.filter(status="done").values_list("pk", flat=True)) == {
            world.fu_page.pk,
            world.fu_api.pk,
        }


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_the_partner_import_api_answers_each_role_as_expected(users, role, mission):
    from rest_framework.test import APIClient

    from missions.models import ImportJob

    client = APIClient()
    client.force_authenticate(users[role])
    upload = SimpleUploadedFile("partners.csv", b"name,partner_type\nRadio Nord,media\n")
    response = client.post(reverse("partner-import"), {"mission": mission.pk, "file": upload}, format="multipart")
    # The job only starts (its first step waits for a commit the test never makes); the outsider's mission
    # id is not one of theirs (400, as for every id in a body).
    expected = 202 if role in KEEPERS else 400 if role == "outsider" else 403
    assert response.status_code == expected, response.content
    job = ImportJob.objects.filter(user=users[role]).first()
    assert (job is not None) == (role in KEEPERS)
    if job is not None:
        status_url = reverse("partner-import-status", args=[job.pk])
        assert client.get(status_url).status_code == 200
        other = APIClient()
        other.force_authenticate(users["hom" if role != "hom" else "mlt"])
        assert other.get(status_url).status_code == 404
