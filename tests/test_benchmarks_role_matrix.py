"""The role matrix of the results framework: every role against every page, form, export and API resource.

Each role gets a fresh plan (two outputs, civil affairs and electoral; see `make_plan`) and walks every case
in order; the expected status per role is written next to each case. Pages of the current mission
(dashboard, exports, risk register, library, new output) answer 404 to partners, like objects outside a
user's scope; the outsider (HoM of another mission) opens them for its own mission and gets 404 on ours.
"""

import pytest
from django.urls import get_resolver
from django.utils import timezone

from benchmarks import urls as benchmark_urls
from benchmarks.models import Assessment, LibraryOutput, Status
from missions.models import Component
from tests.benchmarks_support import make_plan
from tests.conftest import ROLE_FIXTURES
from tests.matrix_support import ALL, api_route_names, case_url, fresh, roles

Kind = Component.Kind
PARTNERS = frozenset({"partner1", "partner2"})
READERS = ALL - PARTNERS - {"outsider"}  # everyone of the mission but partners: HoM, MLT, components, HQ
LEADERSHIP = frozenset({"hom", "mlt"})


def edit(lead: set[str], ok: int = 200):
    """Editing something `lead` leads: leadership and `lead` may; other roles of the mission 403; the rest 404."""
    return roles(default=403, **{f"s{ok}": LEADERSHIP | lead, "s404": PARTNERS | {"outsider"}})


def mission_page(ok=200):
    """A page of the current mission that every role but partners opens (the outsider for its own mission)."""
    return roles(**{f"s{ok}": READERS | {"outsider"}, "s404": PARTNERS})


def leaders_only_page(ok=200):
    return roles(default=403, **{f"s{ok}": LEADERSHIP | {"outsider"}, "s404": PARTNERS})


READ = roles(s200=READERS, s404=PARTNERS | {"outsider"})
CA = {"civilaffairs"}
TODAY = timezone.localdate().isoformat()


class World:
    def __init__(self, mission, components, author):
        self.mission = mission
        self.components = components
        self.plan = make_plan(mission, components, author)
        self.library = LibraryOutput.objects.create(
            key="peace-process", framework_version="1", title="Peace Process Supported", lead_component_kind="political"
        )
        self.ca = components[Kind.CIVIL_AFFAIRS].pk


def p(attr):
    """The pk of a plan object, for URLs."""
    return lambda w: getattr(w.plan, attr).pk


# (url name, method, url args (world -> args), data (world -> dict) or None, expected statuses per role)
PAGES = [
    ("benchmarks:dashboard", "get", None, None, mission_page()),
    ("benchmarks:index", "get", None, None, mission_page()),
    ("benchmarks:export-csv", "get", None, None, mission_page()),
    ("benchmarks:export-xlsx", "get", None, None, mission_page()),
    ("benchmarks:risks", "get", None, None, mission_page()),
    ("benchmarks:library", "get", None, None, leaders_only_page()),
    ("benchmarks:output-add", "get", None, None, leaders_only_page()),
    ("benchmarks:output", "get", p("out_ca"), None, READ),
    ("benchmarks:benchmark", "get", p("b_ca"), None, READ),
    ("benchmarks:indicator", "get", p("indicator"), None, READ),
    ("benchmarks:output-edit", "get", p("out_ca"), None, edit(CA)),
    ("benchmarks:activity-add", "get", p("out_ca"), None, edit(CA)),
    ("benchmarks:benchmark-add", "get", p("out_ca"), None, edit(CA)),
    ("benchmarks:indicator-add", "get", p("out_ca"), None, edit(CA)),
    ("benchmarks:risk-add", "get", p("out_ca"), None, edit(CA)),
    ("benchmarks:activity-edit", "get", p("activity"), None, edit(CA)),
    ("benchmarks:benchmark-edit", "get", p("b_ca"), None, edit(CA)),
    ("benchmarks:indicator-edit", "get", p("indicator"), None, edit(CA)),
    ("benchmarks:risk-edit", "get", p("risk"), None, edit(CA)),
    ("benchmarks:value-add", "get", p("indicator"), None, edit(CA)),
    ("benchmarks:value-edit", "get", p("value"), None, edit(CA)),
    ("benchmarks:assess", "get", p("b_ca"), None, edit(CA)),
    ("benchmarks:assess", "get", p("b_el"), None, edit({"electoral"})),
    # Forms, posted with valid data: success redirects (302).
    ("benchmarks:assess", "post", p("b_ca"),
     lambda w: {"assessed_on": TODAY, "status": "on_track", "progress": 30}, edit(CA, 302)),
    ("benchmarks:assess", "post", p("b_el"),
     lambda w: {"assessed_on": TODAY, "status": "at_risk", "progress": 25}, edit({"electoral"}, 302)),
    ("benchmarks:output-add", "post", None,
     lambda w: {"title": "Protection of civilians", "description": "", "lead_component": "", "order": 0},
     leaders_only_page(302)),
    ("benchmarks:library", "post", None, lambda w: {"outputs": [w.library.pk]}, leaders_only_page(302)),
    ("benchmarks:output-edit", "post", p("out_ca"),
     lambda w: {"title": "Reconciliation", "description": "", "lead_component": w.ca, "order": 1,
                "version": fresh(w.plan.out_ca).version}, edit(CA, 302)),
    ("benchmarks:activity-add", "post", p("out_ca"),
     lambda w: {"title": "Train mediators", "lead_component": "", "order": 0}, edit(CA, 302)),
    ("benchmarks:benchmark-add", "post", p("out_ca"),
     lambda w: {"term": "medium", "statement": "Committees active in all districts", "lead_component": "",
                "target_date": "", "order": 0}, edit(CA, 302)),
    ("benchmarks:indicator-add", "post", p("out_ca"),
     lambda w: {"benchmark": "", "name": "Districts covered", "unit": "", "baseline": "0", "target": "12",
                "disaggregated": "", "order": 0}, edit(CA, 302)),
    ("benchmarks:risk-add", "post", p("out_ca"),
     lambda w: {"kind": "risk", "title": "Funding gap", "likelihood": 2, "impact": 4, "owner": "", "mitigation": "",
                "review_date": "", "order": 0}, edit(CA, 302)),
    ("benchmarks:activity-edit", "post", p("activity"),
     lambda w: {"title": "Support committees", "lead_component": "", "order": 1,
                "version": fresh(w.plan.activity).version}, edit(CA, 302)),
    ("benchmarks:benchmark-edit", "post", p("b_ca"),
     lambda w: {"term": "short", "statement": "Committees meet monthly", "lead_component": "", "target_date": "",
                "order": 1, "version": fresh(w.plan.b_ca).version}, edit(CA, 302)),
    ("benchmarks:indicator-edit", "post", p("indicator"),
     lambda w: {"benchmark": w.plan.b_ca.pk, "name": "Participants", "unit": "people", "baseline": "10",
                "target": "150", "disaggregated": "on", "order": 1, "version": fresh(w.plan.indicator).version},
     edit(CA, 302)),
    ("benchmarks:risk-edit", "post", p("risk"),
     lambda w: {"kind": "risk", "title": "Spoilers", "likelihood": 3, "impact": 5, "owner": "", "mitigation": "Talk",
                "review_date": "", "order": 1, "version": fresh(w.plan.risk).version}, edit(CA, 302)),
    ("benchmarks:value-add", "post", p("indicator"),
     lambda w: {"period_start": "2026-04-01", "period_end": "2026-06-30", "actual": "50", "actual_women": "20",
                "actual_men": "30", "actual_youth": "5", "note": ""}, edit(CA, 302)),
    ("benchmarks:value-edit", "post", p("value"),
     lambda w: {"period_start": "2026-01-01", "period_end": "2026-03-31", "actual": "41", "actual_women": "19",
                "actual_men": "22", "actual_youth": "9", "note": "", "version": fresh(w.plan.value).version},
     edit(CA, 302)),
    ("benchmarks:retire", "post", lambda w: ("activity", w.plan.activity.pk),
     lambda w: {"version": fresh(w.plan.activity).version}, edit(CA, 302)),
]  # fmt: skip

API = [
    ("output-list", "get", None, None, roles(s200=ALL)),
    ("output-list", "post", None, lambda w: {"mission": w.mission.pk, "title": "Rule of law"},
     roles(default=403, s201=LEADERSHIP, s400={"outsider"})),
    ("output-detail", "get", p("out_ca"), None, READ),
    ("output-detail", "patch", p("out_ca"), lambda w: {"title": "Renamed", "version": fresh(w.plan.out_ca).version},
     edit(CA)),
    ("activity-list", "get", None, None, roles(s200=ALL)),
    ("activity-list", "post", None, lambda w: {"output": w.plan.out_ca.pk, "title": "Hold dialogues"},
     roles(default=403, s201=LEADERSHIP | CA, s400=PARTNERS | {"outsider"})),
    ("activity-detail", "get", p("activity"), None, READ),
    ("activity-detail", "patch", p("activity"),
     lambda w: {"title": "Renamed", "version": fresh(w.plan.activity).version}, edit(CA)),
    ("benchmark-list", "get", None, None, roles(s200=ALL)),
    ("benchmark-list", "post", None,
     lambda w: {"output": w.plan.out_ca.pk, "term": "long", "statement": "Reconciliation law adopted"},
     roles(default=403, s201=LEADERSHIP | CA, s400=PARTNERS | {"outsider"})),
    ("benchmark-detail", "get", p("b_ca"), None, READ),
    ("benchmark-detail", "patch", p("b_ca"),
     lambda w: {"statement": "Renamed", "version": fresh(w.plan.b_ca).version}, edit(CA)),
    ("assessment-list", "get", None, None, roles(s200=ALL)),
    ("assessment-list", "post", None,
     lambda w: {"benchmark": w.plan.b_ca.pk, "assessed_on": TODAY, "status": "on_track", "progress": 10},
     roles(default=403, s201=LEADERSHIP | CA, s400=PARTNERS | {"outsider"})),
    ("assessment-detail", "get", p("assessment"), None, READ),
    # Append-only: no route changes or deletes an assessment, whoever asks.
    ("assessment-detail", "patch", p("assessment"), lambda w: {"progress": 99}, roles(s405=ALL)),
    ("assessment-detail", "delete", p("assessment"), None, roles(s405=ALL)),
    ("indicator-list", "get", None, None, roles(s200=ALL)),
    ("indicator-list", "post", None, lambda w: {"output": w.plan.out_ca.pk, "name": "Mediators trained"},
     roles(default=403, s201=LEADERSHIP | CA, s400=PARTNERS | {"outsider"})),
    ("indicator-detail", "get", p("indicator"), None, READ),
    ("indicator-detail", "patch", p("indicator"),
     lambda w: {"target": "200", "version": fresh(w.plan.indicator).version}, edit(CA)),
    ("indicator-value-list", "get", None, None, roles(s200=ALL)),
    ("indicator-value-list", "post", None,
     lambda w: {"indicator": w.plan.indicator.pk, "period_start": "2026-07-01", "period_end": "2026-09-30",
                "actual": "60", "actual_women": "30", "actual_men": "30", "actual_youth": "12"},
     roles(default=403, s201=LEADERSHIP | CA, s400=PARTNERS | {"outsider"})),
    ("indicator-value-detail", "get", p("value"), None, READ),
    ("indicator-value-detail", "patch", p("value"),
     lambda w: {"actual": "42", "version": fresh(w.plan.value).version}, edit(CA)),
    ("risk-list", "get", None, None, roles(s200=ALL)),
    ("risk-list", "post", None, lambda w: {"output": w.plan.out_ca.pk, "title": "Floods cut roads"},
     roles(default=403, s201=LEADERSHIP | CA, s400=PARTNERS | {"outsider"})),
    ("risk-detail", "get", p("risk"), None, READ),
    ("risk-detail", "patch", p("risk"), lambda w: {"impact": 2, "version": fresh(w.plan.risk).version}, edit(CA)),
    ("output-detail", "delete", p("out_ca"), None, roles(s405=ALL)),  # retire instead; nothing is deleted
]  # fmt: skip

CASES = PAGES + API
COVERED_URL_NAMES = {name for name, *_rest in CASES}
API_BASENAMES = {"output", "activity", "benchmark", "assessment", "indicator", "indicator-value", "risk"}


def test_the_matrix_covers_every_url_of_the_app_and_its_api_resources():
    pages = {f"benchmarks:{pattern.name}" for pattern in benchmark_urls.urlpatterns}
    api = api_route_names(API_BASENAMES)
    assert pages | api == COVERED_URL_NAMES
    assert get_resolver()


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_role_matrix(client, users, role, mission, components, electoral):
    world = World(mission, components, electoral)
    client.force_login(users[role])
    failures = []
    for name, method, args, data, expected in CASES:
        url = case_url(name, args, world)
        payload = data(world) if data else None
        call = getattr(client, method)
        if name.startswith("benchmarks:"):
            response = call(url, payload) if payload is not None else call(url)
        else:
            response = call(url, payload, content_type="application/json") if payload else call(url)
        if response.status_code != expected[role]:
            detail = response.content[:300] if response.status_code in (200, 400) else b""
            failures.append(
                f"{method.upper()} {name} {url}: {response.status_code}, expected {expected[role]} {detail}"
            )
    assert not failures, "\n".join(failures)


def test_done_when_civilaffairs_assesses_what_it_leads_and_not_the_electoral_benchmark(client, civilaffairs, plan):
    from django.urls import reverse

    client.force_login(civilaffairs)
    ok = client.post(
        reverse("benchmarks:assess", args=[plan.b_ca.pk]),
        {"assessed_on": TODAY, "status": "at_risk", "progress": 15},
    )
    assert ok.status_code == 302
    assert fresh(plan.b_ca).latest_assessment.status == Status.AT_RISK
    refused = client.post(
        reverse("benchmarks:assess", args=[plan.b_el.pk]),
        {"assessed_on": TODAY, "status": "on_track", "progress": 90},
    )
    assert refused.status_code == 403
    assert Assessment.objects.filter(benchmark=plan.b_el).count() == 1


def test_done_when_partner_gets_no_dashboard_nor_any_framework_page(client, partner1, plan):
    from django.urls import reverse

    client.force_login(partner1)
    for url in (
        reverse("benchmarks:dashboard"),
        reverse("benchmarks:export-csv"),
        reverse("benchmarks:output", args=[plan.out_ca.pk]),
        reverse("benchmarks:benchmark", args=[plan.b_el.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/benchmarks/").json()["count"] == 0


@pytest.fixture
def plan(mission, components, electoral):
    return make_plan(mission, components, electoral)
