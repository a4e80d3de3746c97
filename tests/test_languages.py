"""Choosing the language: the header switch (remembered per user), the mission's default for those who never
chose, the browser's Accept-Language on the login page with the missions' default as its fallback."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from benchmarks.models import LibraryOutput
from benchmarks.services import FRAMEWORK_FILE, framework_load, plan_instantiate
from mandate import access
from mandate.languages import installation_language
from missions.languages import language_for
from missions.models import Profile
from tests.factories import LocationFactory, MembershipFactory, MissionFactory

pytestmark = pytest.mark.django_db


def _lang(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_a_member_who_never_chose_reads_the_default_language_of_their_mission(client, hom, mission):
    mission.default_language = "fr"
    mission.save()
    client.force_login(hom)

    response = client.get(reverse("home"))

    assert _lang(response) == "fr"
    assert "Se déconnecter" in response.content.decode()


def test_without_any_choice_the_site_is_in_english(client, hom):
    client.force_login(hom)

    response = client.get(reverse("home"))

    assert _lang(response) == "en" and "Log out" in response.content.decode()


def test_the_header_switch_saves_the_choice_and_it_follows_the_user_to_another_browser(client, hom, mission):
    client.force_login(hom)

    response = client.post(reverse("language-set"), {"language": "fr", "next": reverse("tokens")})

    assert response.status_code == 302 and response.url == reverse("tokens")
    assert Profile.objects.get(user=hom).language == "fr"
    assert _lang(client.get(reverse("tokens"))) == "fr"
    client.logout()
    client.cookies.clear()
    client.force_login(hom)
    assert _lang(client.get(reverse("home"))) == "fr"


def test_a_chosen_language_outranks_the_mission_default(client, hom, mission):
    mission.default_language = "fr"
    mission.save()
    Profile.objects.create(user=hom, language="en")
    client.force_login(hom)

    assert _lang(client.get(reverse("home"))) == "en"


def test_switching_mission_brings_the_new_missions_language_to_a_user_who_never_chose(client, hom, other_mission):
    other_mission.default_language = "fr"
    other_mission.save()
    MembershipFactory(user=hom, mission=other_mission, role="mlt")
    client.force_login(hom)
    assert _lang(client.get(reverse("home"))) == "en"

    client.post(reverse("switch-mission"), {"mission": other_mission.pk})

    assert _lang(client.get(reverse("home"))) == "fr"


def test_the_switch_ignores_a_language_the_site_does_not_offer(client, hom):
    client.force_login(hom)

    client.post(reverse("language-set"), {"language": "xx", "next": "/"})

    assert not Profile.objects.filter(user=hom).exists()
    assert _lang(client.get(reverse("home"))) == "en"


def test_the_switch_is_a_post(client, hom):
    client.force_login(hom)

    assert client.get(reverse("language-set")).status_code == 405


def test_the_switch_works_signed_out_with_a_cookie(client, db):
    client.post(reverse("language-set"), {"language": "fr", "next": reverse("login")})

    response = client.get(reverse("login"))

    assert _lang(response) == "fr" and "Se connecter" in response.content.decode()


def test_the_login_page_follows_the_browser(client, db):
    response = client.get(reverse("login"), headers={"accept-language": "fr-FR,fr;q=0.9,en;q=0.5"})

    assert _lang(response) == "fr"


def test_the_login_page_falls_back_to_the_missions_default_when_the_browser_names_no_language_of_ours(client, db):
    MissionFactory(default_language="fr")
    MissionFactory(default_language="fr")

    assert _lang(client.get(reverse("login"), headers={"accept-language": "pt-BR"})) == "fr"
    assert _lang(client.get(reverse("login"), headers={"accept-language": "en-GB"})) == "en"


def test_missions_of_different_languages_leave_the_site_default(db):
    MissionFactory(default_language="fr")
    MissionFactory(default_language="en")

    assert installation_language() == "en"


def test_language_for_prefers_the_profile_then_the_mission(hom, mission):
    mission.default_language = "fr"

    assert language_for(hom, mission) == "fr"
    Profile.objects.create(user=hom, language="en")
    assert language_for(hom, mission) == "en"
    assert language_for(hom, None) == "en"


def test_gazetteer_names_are_french_where_the_data_has_them(mission):
    both = LocationFactory(mission=mission, name="Northern Province", name_fr="Province du Nord")
    english_only = LocationFactory(mission=mission, name="Kalvi")

    with translation.override("fr"):
        assert (str(both), str(english_only)) == ("Province du Nord", "Kalvi")
    with translation.override("en"):
        assert str(both) == "Northern Province"


# --- the framework library in both languages ----------------------------------------------------------


def test_the_library_file_has_french_for_every_text_of_every_output():
    data = json.loads(FRAMEWORK_FILE.read_text(encoding="utf-8"))

    for item in data["outputs"]:
        french = item["translations"]["fr"]
        assert french["title"] and french["summary"] and french["title"] != item["title"], item["key"]
        for name in ("activities", "challenges", "risks", "considerations"):
            assert len(french[name]) == len(item.get(name, [])), (item["key"], name)
            assert all(text.strip() for text in french[name])
        for term, statements in item["benchmarks"].items():
            assert len(french["benchmarks"][term]) == len(statements), (item["key"], term)


def test_a_francophone_mission_instantiates_its_plan_in_french(mission):
    framework_load(user=access.SYSTEM)
    mission.default_language = "fr"
    mission.save()
    elections = LibraryOutput.objects.get(key="elections-held")

    (output,) = plan_instantiate(mission=mission, user=access.SYSTEM, library_outputs=[elections])

    assert output.title == "Élections pacifiques et crédibles tenues"
    assert (
        output.activities.order_by("order").first().title
        == "Conseiller sur le type de système électoral à mettre en place"
    )
    statements = set(output.benchmarks.values_list("statement", flat=True))
    assert "Cadre législatif pour des élections pacifiques et crédibles en place" in statements
    assert not statements & set(elections.benchmarks.values_list("statement", flat=True))
    assert output.risks.filter(title="Un parti, une faction ou un groupe important boycotte les élections").exists()
    assert output.risks.count() == len(elections.risks) + len(elections.challenges)


def test_an_english_mission_keeps_the_library_in_english_and_the_library_page_follows_the_reader(mission):
    framework_load(user=access.SYSTEM)
    elections = LibraryOutput.objects.get(key="elections-held")

    (output,) = plan_instantiate(mission=mission, user=access.SYSTEM, library_outputs=[elections])

    assert output.title == "Peaceful and Credible Elections Held"
    with translation.override("fr"):
        assert str(elections) == "Élections pacifiques et crédibles tenues"


def test_a_language_chosen_on_the_login_page_stays_after_login_for_a_user_who_chose_none(client, civilaffairs, mission):
    from django.conf import settings

    mission.default_language = "en"
    mission.save(update_fields=["default_language"])
    client.post(reverse("language-set"), {"language": "fr", "next": reverse("login")})  # signed out: the cookie
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    response = client.post(reverse("login"), {"username": "civilaffairs", "password": "pw"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302
    assert _lang(client.get(reverse("tokens"))) == "fr"
    assert (
        not Profile.objects.filter(user=civilaffairs).exclude(language="").exists()
    )  # not saved: the browser may be shared
