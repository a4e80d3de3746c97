"""Which language a person sees: the one they chose in the header, else their mission's default.

- Signed in: the choice saved on their Profile; without one, the default language of their current mission.
  A language chosen on the login page, before signing in, stays for the session of a user who saved none.
  Resolved once at login, on a language or mission switch, and kept in the session, so pages pay no query.
- Signed out (the login page): Django's LocaleMiddleware takes the language cookie or the browser's
  Accept-Language; when neither names a language of ours, the missions' default language stands in.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import trans_real

from missions.languages import language_for, supported
from missions.models import Mission

SESSION_KEY = "mandate_language"
_INSTALLATION_CACHE_KEY = "mandate:default-language"


def installation_language() -> str:
    """The default language of the missions when they all agree (a francophone deployment), else the site's."""

    def compute():
        try:
            languages = set(Mission.objects.values_list("default_language", flat=True).distinct()[:2])
        except DatabaseError:  # a database not migrated yet: the login page still opens, in the site's language
            return settings.LANGUAGE_CODE
        return languages.pop() if len(languages) == 1 else settings.LANGUAGE_CODE

    return supported(cache.get_or_set(_INSTALLATION_CACHE_KEY, compute, 300)) or settings.LANGUAGE_CODE


@receiver([post_save, post_delete], sender=Mission)
def _forget_installation_language(**kwargs):
    cache.delete(_INSTALLATION_CACHE_KEY)


def remember_language(request) -> str:
    """Resolve the signed-in user's language for their current mission and keep it in the session."""
    from mandate.context_processors import current_mission

    request._current_mission = None  # the mission may just have changed
    language = language_for(request.user, current_mission(request))
    request.session[SESSION_KEY] = language
    return language


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        if not hasattr(request, "user"):  # the test client's force_login builds a request without one
            request.user = user
        remember_language(request)
        _keep_choice_made_before_login(request, user)


def _keep_choice_made_before_login(request, user) -> None:
    """A language chosen with the login page's switch (its cookie) stays for the session of a user who has
    saved no choice: they asked for French, the mission's default must not take it back at login. It is
    not saved on their profile (the browser may be shared); the header switch does that."""
    from missions.models import Profile

    chosen = supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if chosen and not Profile.objects.filter(user=user).exclude(language="").exists():
        request.session[SESSION_KEY] = chosen


def _browser_names_a_language(request) -> bool:
    if supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)):
        return True
    for code, _quality in trans_real.parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            continue
        try:
            trans_real.get_supported_language_variant(code)
        except LookupError:
            continue
        return True
    return False


class UserLanguageMiddleware:
    """After AuthenticationMiddleware: activates the language `language_for` decided (see the module's doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = supported(request.session.get(SESSION_KEY)) or remember_language(request)
        elif not _browser_names_a_language(request):
            language = installation_language()
        if language and language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
