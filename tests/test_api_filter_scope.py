"""Filters and ordering only on what the reader may see (issue 15, point 3).

- A related-row filter (`?security_plan=`, `?election_plan=`, `?mission=`, `?component=`, ...) looks its
  value up among the rows the user may view: another mission's or a restricted row answers exactly like an
  id that does not exist. Generic over every list of the router and every such filter.
- A partner focal point cannot filter or order by the fields hidden from it: refused with a 400 in the API's
  error shape, and documented in the schema.
- Validation errors never name users or rows outside the user's scope.
"""

import pytest

from mandate import access
from mandate.api import ScopedFilterBackend
from tests.api_support import api_client, model_of, resource, resources

pytestmark = pytest.mark.django_db

LISTABLE = [r for r in resources() if "list" in r.actions]
ROLES = ["hom", "civilaffairs", "military", "partner1", "hq", "outsider"]


def _related_filters(res):
    """(param, model) of every related-row filter of a list endpoint, as its FilterSet declares them."""
    view = res.viewset()
    filterset_class = ScopedFilterBackend().get_filterset_class(view, model_of(res)._default_manager.all())
    if filterset_class is None:
        return []
    return [
        (name, f.queryset.model)
        for name, f in filterset_class.base_filters.items()
        if getattr(f, "queryset", None) is not None and f.queryset.model in access.MISSION_PATH
    ]


def _unknown_id(model) -> int:
    return (model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0) + 10_000


def _answer(client, url, param, value):
    response = client.get(url, {param: value})
    body = response.content.decode().replace(str(value), "<id>")
    return response.status_code, body


def test_an_id_outside_the_users_scope_answers_exactly_like_an_unknown_id(world):
    compared, different = [], []
    for res in LISTABLE:
        for param, model in _related_filters(res):
            for role in ROLES:
                user = world["users"][role]
                visible = set(access.scope(user, model._default_manager.all()).values_list("pk", flat=True))
                hidden = model._default_manager.exclude(pk__in=visible).order_by("pk").values_list("pk", flat=True)
                if not hidden:
                    continue
                client = api_client(user)
                outside = _answer(client, res.list_url(), param, hidden[0])
                unknown = _answer(client, res.list_url(), param, _unknown_id(model))
                compared.append((res.prefix, param, role))
                if outside != unknown or outside[0] != 400:
                    different.append((res.prefix, param, role, outside[0], unknown[0]))
    assert different == []
    # The resources the issue names are among those compared (the test does not pass by finding nothing).
    checked = {(prefix, param) for prefix, param, _role in compared}
    assert {
        ("security-plans", "election_plan"),
        ("threats", "security_plan"),
        ("polling-sites", "security_plan"),
        ("security-tasks", "security_plan"),
        ("follow-ups", "mission"),
        ("engagements", "mission"),
        ("engagements", "component"),
    } <= checked


def test_another_missions_security_plan_is_refused_like_a_missing_one(world):
    hom = api_client(world["users"]["hom"])
    theirs = world["there"]["security_plan"].pk
    response = hom.get("/api/v1/threats/", {"security_plan": theirs})
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}
    assert list(response.json()["errors"]) == ["security_plan"]
    mine = hom.get("/api/v1/threats/", {"security_plan": world["here"]["security_plan"].pk})
    assert mine.status_code == 200 and mine.json()["count"] >= 1


def test_civil_affairs_cannot_probe_a_security_plan_of_its_own_mission(world):
    civilaffairs = api_client(world["users"]["civilaffairs"])
    plan = world["here"]["security_plan"]
    for prefix in ("threats", "polling-sites", "security-tasks"):
        assert civilaffairs.get(f"/api/v1/{prefix}/", {"security_plan": plan.pk}).status_code == 400, prefix
    election = plan.election_plan_id
    assert civilaffairs.get("/api/v1/incidents/", {"election_plan": election}).status_code in (200, 400)


# --- hidden fields: a partner focal point ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "value"),
    [("component", "components"), ("partner", "partner_b"), ("output", None), ("shareable", "true")],
)
def test_a_partner_reader_cannot_filter_engagements_by_a_hidden_field(world, param, value):
    here = world["here"]
    values = {"components": here["components"]["civil_affairs"].pk, "partner_b": here["partner_b"].pk}
    sent = values.get(value, value if value is not None else here["benchmark"].output_id)
    response = api_client(world["users"]["partner1"]).get("/api/v1/engagements/", {param: sent})
    assert response.status_code == 400
    assert response.json()["errors"] == {param: ["This filter is not available to you."]}
    # The mission's own people filter on it as before.
    assert api_client(world["users"]["hom"]).get("/api/v1/engagements/", {param: sent}).status_code == 200


@pytest.mark.parametrize("ordering", ["component", "-created_by", "partners", "-shareable", "date,-officers"])
def test_a_partner_reader_cannot_order_engagements_by_a_hidden_field(world, ordering):
    response = api_client(world["users"]["partner1"]).get("/api/v1/engagements/", {"ordering": ordering})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["ordering"]


def test_a_partner_reader_still_orders_and_filters_by_what_it_sees(world):
    partner1 = api_client(world["users"]["partner1"])
    response = partner1.get("/api/v1/engagements/", {"ordering": "-date", "date_after": "2000-01-01"})
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {world["here"]["shared_a"].pk}


def test_a_partner_reader_cannot_order_partners_by_their_screening(world):
    partner1 = api_client(world["users"]["partner1"])
    assert partner1.get("/api/v1/partners/", {"ordering": "-screening_review_due"}).status_code == 400
    assert partner1.get("/api/v1/partners/", {"ordering": "name"}).status_code == 200
    hom = api_client(world["users"]["hom"])
    assert hom.get("/api/v1/partners/", {"ordering": "-screening_review_due"}).status_code == 200


def test_the_schema_says_which_engagement_filters_partner_readers_may_not_use(world):
    schema = api_client(world["users"]["hom"]).get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/engagements/"]["get"]["parameters"]}
    for name in ("component", "partner", "output", "shareable"):
        assert "not for partner focal points" in parameters[name]["description"], name
    assert "refused (400)" in schema["paths"]["/api/v1/engagements/"]["get"]["description"]


# --- validation errors name nothing outside the user's scope ------------------------------------------------


def _engagement_body(world, **changes):
    here = world["here"]
    body = {
        "mission": world["mission"].pk,
        "date": "2026-03-02",
        "engagement_type": "meeting",
        "partners": [here["partner_a"].pk],
        "component": here["components"]["civil_affairs"].pk,
        "summary": "Met the network",
    }
    return {**body, **changes}


def test_an_officer_of_another_mission_is_refused_like_an_unknown_user(world):
    civilaffairs = api_client(world["users"]["civilaffairs"])
    outsider = world["users"]["outsider"]
    answers = []
    for user_id in (outsider.pk, 9_999_999):
        response = civilaffairs.post("/api/v1/engagements/", _engagement_body(world, officers=[user_id]), format="json")
        assert response.status_code == 400
        answers.append(response.content.decode().replace(str(user_id), "<id>"))
    assert answers[0] == answers[1]
    assert outsider.username not in answers[0]


def test_a_follow_up_owner_of_another_mission_is_refused_without_naming_them(world):
    civilaffairs = api_client(world["users"]["civilaffairs"])
    outsider = world["users"]["outsider"]
    follow_up = {"action": "Call back", "due_date": "2026-04-01", "owner": outsider.pk}
    response = civilaffairs.post(
        "/api/v1/engagements/", _engagement_body(world, new_follow_ups=[follow_up]), format="json"
    )
    assert response.status_code == 400
    assert outsider.username not in response.content.decode()


def test_a_partner_of_another_mission_is_refused_like_an_unknown_partner(world):
    civilaffairs = api_client(world["users"]["civilaffairs"])
    theirs = world["there"]["partner_a"]
    answers = []
    for partner_id in (theirs.pk, 9_999_999):
        response = civilaffairs.post(
            "/api/v1/engagements/", _engagement_body(world, partners=[partner_id]), format="json"
        )
        assert response.status_code == 400
        answers.append(response.content.decode().replace(str(partner_id), "<id>"))
    assert answers[0] == answers[1]
    assert theirs.name not in answers[0]


def test_the_engagements_resource_is_covered(world):
    assert resource("engagements") in LISTABLE
