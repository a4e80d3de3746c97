"""Accent- and case-insensitive search (missions.search), on whichever database the suite runs on
(SQLite here; DATABASE_URL=postgres://... runs the same tests on PostgreSQL, with unaccent and the indexes).

"mosquee" finds "MOSQUÉE", "solidarite" finds "Solidarité", "cedeao" finds "CEDEAO", in the pages, the
API's `?search=` and `?q=`, the admin; search only narrows what the reader may already see.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from elections import selectors as election_selectors
from mandate import access
from missions.models import Location
from missions.search import MAX_WORDS, SQL_FUNCTION, check_fields, normalise, search_filter, search_words
from partners import selectors as partner_selectors
from partners.models import Partner
from tests.api_support import api_client
from tests.elections_support import build_election
from tests.factories import EngagementFactory, LocationFactory, PartnerFactory, PollingSiteFactory, UserFactory

API = "/api/v1"
NAMES = [
    "MOSQUÉE DE BANI",
    "Réseau Solidarité Femmes",
    "Communauté économique des États de l’Afrique de l’Ouest",
    "Ségou",
    "Ñuñoa",
    "Øresund Łódź Đakovo",
    "Œuvre Cœur Æsir",
    "Straße",
    "École élémentaire Çà et là – Niono",
    "Gao",
]


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {row["id"] for row in response.json()["results"]}


# --- the rule -------------------------------------------------------------------------------------


def test_normalise_removes_accents_and_case_and_maps_letters_that_do_not_decompose():
    assert normalise("MOSQUÉE") == "mosquee"
    assert normalise("Solidarité") == "solidarite"
    assert normalise("CEDEAO") == "cedeao"
    assert normalise("Œuvre Cœur Æsir Straße") == "oeuvre coeur aesir strasse"
    assert normalise("Øresund Łódź Đakovo") == "oresund lodz dakovo"
    assert normalise("l’Afrique – Niono") == "l'afrique - niono"
    assert normalise(None) == ""


def test_a_query_is_cut_into_at_most_max_words_and_control_characters_separate_words():
    assert search_words("a\x00b  c") == ["a", "b", "c"]
    assert len(search_words(" ".join(["mot"] * 50))) == MAX_WORDS
    assert search_words("   ") == []


@pytest.mark.django_db
def test_the_database_function_normalises_exactly_as_python_does():
    # SQLite: the registered Python function; PostgreSQL: lower(unaccent()), which must agree with it.
    with connection.cursor() as cursor:
        for name in NAMES:
            cursor.execute(f"SELECT {SQL_FUNCTION}(%s)", [name])
            assert cursor.fetchone()[0] == normalise(name), name
        cursor.execute(f"SELECT {SQL_FUNCTION}(NULL)")
        assert cursor.fetchone()[0] is None


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL: the indexable wrapper of unaccent")
def test_on_postgresql_the_function_is_immutable_uses_unaccent_and_sites_and_partners_have_trigram_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT provolatile, prosrc FROM pg_proc WHERE proname = %s", [SQL_FUNCTION])
        volatility, source = cursor.fetchone()
        assert volatility == "i" and "unaccent" in source
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%search_trgm"])
        assert {row[0] for row in cursor.fetchall()} >= {
            "pollingsite_name_search_trgm",
            "pollingsite_code_search_trgm",
            "partner_name_search_trgm",
            "partner_acronym_search_trgm",
        }


def test_search_fields_must_be_text_reached_through_forward_relations():
    check_fields(Partner, ["name", "=acronym", "district__name", "mission__acronym"])
    with pytest.raises(ValueError, match="to-many"):
        check_fields(Partner, ["engagements__summary"])
    with pytest.raises(ValueError, match="not a text field"):
        check_fields(Partner, ["district"])
    with pytest.raises(ValueError, match="no field"):
        check_fields(Partner, ["nickname"])


# --- selectors behind the pages ---------------------------------------------------------------------


@pytest.fixture
def cedeao(mission, district):
    return PartnerFactory(
        mission=mission,
        name="Communauté économique des États de l’Afrique de l’Ouest",
        acronym="CEDEAO",
        district=district,
    )


@pytest.fixture
def solidarite(mission, district):
    return PartnerFactory(mission=mission, name="Réseau Solidarité Femmes", acronym="RSF", district=district)


@pytest.mark.django_db
def test_the_registry_finds_partners_by_name_or_acronym_accents_and_case_aside(hom, mission, cedeao, solidarite):
    def found(q):
        return set(partner_selectors.partner_list(user=hom, mission=mission, q=q))

    assert found("cedeao") == {cedeao}
    assert found("ÉTATS afrique") == {cedeao}  # every word, in any order
    assert found("etats l'afrique") == {cedeao}  # a straight apostrophe finds the typographic one
    assert found("solidarite") == {solidarite}
    assert found("RÉSEAU femmes") == {solidarite}
    assert found("solidarite cedeao") == set()  # words are ANDed
    assert found("") == {cedeao, solidarite}


@pytest.mark.django_db
def test_the_engagement_log_finds_text_and_partners_accents_and_case_aside(
    civilaffairs, mission, components, cedeao, solidarite
):
    mosque = EngagementFactory(
        mission=mission, summary="Réunion à la MOSQUÉE de Bani avec les anciens", partners=[solidarite]
    )
    market = EngagementFactory(mission=mission, summary="Market road", topics="Élections locales", partners=[cedeao])

    def found(q, **kwargs):
        qs = partner_selectors.engagement_log(user=access.SYSTEM, mission=mission)
        return set(partner_selectors.search_engagements(qs, q, **kwargs))

    assert found("mosquee") == {mosque}
    assert found("reunion BANI") == {mosque}
    assert found("elections") == {market}
    assert found("cedeao") == {market}  # the partner's acronym
    assert found("SOLIDARITE") == {mosque}  # the partner's name
    assert found("cedeao", by_partner=False) == set()
    assert set(partner_selectors.engagement_log(user=civilaffairs, mission=mission, q="Mosquée")) == {mosque}


@pytest.mark.django_db
def test_the_site_list_finds_sites_by_code_or_name_accents_and_case_aside(mission, district):
    e = build_election(mission, district, sites=1)
    mosque = PollingSiteFactory(security_plan=e["security"], district=district, code="BNI-001", name="MOSQUÉE DE BANI")
    school = PollingSiteFactory(security_plan=e["security"], district=district, code="SGU-002", name="École de Ségou")

    def found(q):
        return set(election_selectors.polling_sites(e["security"], election_selectors.SiteFilters(q=q)))

    assert found("mosquee") == {mosque}
    assert found("bni-001") == {mosque}
    assert found("ecole segou") == {school}
    assert found("%") == set()  # LIKE wildcards are searched for, not obeyed


@pytest.mark.django_db
def test_location_names_are_found_in_english_and_in_french(mission):
    segou = LocationFactory(mission=mission, name="Segou Region", name_fr="Région de Ségou")
    LocationFactory(mission=mission, name="Kayes")
    qs = Location.objects.filter(mission=mission)
    assert set(search_filter(qs, "region segou", ["name", "name_fr"])) == {segou}
    assert set(search_filter(qs, "RÉGION DE", ["name_fr"])) == {segou}


# --- the pages --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_partner_registry_page_finds_cedeao(client, civilaffairs, cedeao, solidarite):
    client.force_login(civilaffairs)
    page = client.get(reverse("partners:index"), {"q": "cedeao"}).content.decode()
    assert "CEDEAO" in page and "Solidarit" not in page


@pytest.mark.django_db
def test_the_site_list_page_finds_a_mosque(client, electoral, mission, district):
    e = build_election(mission, district, sites=1)
    PollingSiteFactory(security_plan=e["security"], district=district, code="BNI-001", name="MOSQUÉE DE BANI")
    client.force_login(electoral)
    page = client.get(reverse("elections:site-list", args=[e["security"].pk]), {"q": "mosquee"}).content.decode()
    assert "BNI-001" in page and e["site"].code not in page


# --- the API ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_on_partners_finds_by_acronym_and_never_another_missions_partner(
    civilaffairs, outsider, other_mission, cedeao, solidarite
):
    theirs = PartnerFactory(mission=other_mission, name="CEDEAO bureau", acronym="CEDEAO")
    assert _ids(api_client(civilaffairs).get(f"{API}/partners/", {"search": "cedeao"})) == {cedeao.pk}
    assert _ids(api_client(civilaffairs).get(f"{API}/partners/", {"q": "Cédéao"})) == {cedeao.pk}
    assert _ids(api_client(outsider).get(f"{API}/partners/", {"search": "cedeao"})) == {theirs.pk}


@pytest.mark.django_db
def test_search_on_polling_sites_stays_within_what_the_role_may_see(electoral, civilaffairs, mission, district):
    e = build_election(mission, district, sites=1)
    mosque = PollingSiteFactory(security_plan=e["security"], district=district, name="MOSQUÉE DE BANI")
    for param in ("search", "q"):
        assert _ids(api_client(electoral).get(f"{API}/polling-sites/", {param: "mosquee"})) == {mosque.pk}
    # Security plans are restricted: civil affairs finds nothing, whatever it searches.
    assert _ids(api_client(civilaffairs).get(f"{API}/polling-sites/", {"search": "mosquee"})) == set()


@pytest.mark.django_db
def test_a_partner_focal_point_cannot_find_engagements_by_another_partners_name(
    partner1, civilaffairs, mission, partner_a, cedeao
):
    joint = EngagementFactory(mission=mission, summary="Atelier", partners=[partner_a, cedeao], shareable=True)
    assert _ids(api_client(civilaffairs).get(f"{API}/engagements/", {"search": "cedeao"})) == {joint.pk}
    # The other partners of a joint engagement stay private: searching one's name finds nothing.
    for param in ("search", "q"):
        assert _ids(api_client(partner1).get(f"{API}/engagements/", {param: "cedeao"})) == set()
    assert _ids(api_client(partner1).get(f"{API}/engagements/", {"search": "ATELIER"})) == {joint.pk}


@pytest.mark.django_db
def test_search_on_locations_reads_french_names(hom, mission):
    segou = LocationFactory(mission=mission, name="Segou Region", name_fr="Région de Ségou")
    LocationFactory(mission=mission, name="Kayes")
    assert _ids(api_client(hom).get(f"{API}/locations/", {"search": "région"})) == {segou.pk}


@pytest.mark.django_db
def test_every_searchable_resource_documents_its_search_parameter(hom):
    schema = api_client(hom).get("/api/schema/", {"format": "json"}).json()
    for resource in ("partners", "engagements", "polling-sites", "locations", "benchmarks", "threats", "incidents"):
        parameters = {p["name"]: p for p in schema["paths"][f"{API}/{resource}/"]["get"]["parameters"]}
        assert "search" in parameters, resource
        assert "accents and case aside" in parameters["search"]["description"]
    # A resource with nothing to search in offers no parameter that would silently do nothing.
    assert "search" not in {p["name"] for p in schema["paths"][f"{API}/notifications/"]["get"]["parameters"]}


@pytest.mark.django_db
def test_searching_does_not_add_queries_to_an_api_list(civilaffairs, mission, district):
    for i in range(3):
        PartnerFactory(mission=mission, name=f"Réseau {i}", district=district)
    client = api_client(civilaffairs)
    client.get(f"{API}/partners/")  # warm the per-process caches (content types, permissions)
    # The same queries (session, memberships, count, page), the search being a WHERE clause of two of them.
    with CaptureQueriesContext(connection) as plain:
        client.get(f"{API}/partners/")
    with CaptureQueriesContext(connection) as searched:
        assert len(_ids(client.get(f"{API}/partners/", {"search": "reseau"}))) == 3
    assert len(searched) == len(plain)


# --- the admin --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_search_ignores_accents_and_case(client, cedeao, solidarite):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:partners_partner_changelist"), {"q": "reseau solidarite"}).content.decode()
    assert "Réseau Solidarité Femmes" in page and "Communauté" not in page
