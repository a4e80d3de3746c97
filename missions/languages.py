"""Which language a person reads: their own choice (Profile.language), else their mission's default, else the
site's. The ground floor of the rule, for whatever works on someone's behalf outside a request (a task that
writes an import preview, an email); `mandate.languages` applies it to requests and sessions."""

from django.conf import settings

from missions.models import Mission, Profile

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def supported(language: str | None) -> str | None:
    return language if language in LANGUAGE_CODES else None


def language_for(user, mission: Mission | None) -> str:
    """The language of `user` working in `mission`: their own choice, else the mission's, else the site's."""
    profile = Profile.objects.filter(user=user).only("language").first() if user.is_authenticated else None
    return (
        supported(profile.language if profile else None)
        or supported(mission.default_language if mission else None)
        or settings.LANGUAGE_CODE
    )
