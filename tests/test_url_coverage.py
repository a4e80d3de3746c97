"""Every named URL of the project is walked by some role-matrix test.

Each `tests/test_*_role_matrix.py` module lists the URL names (`namespace:name`) its tests request in
`COVERED_URL_NAMES`; a page or endpoint added without a role-matrix entry fails here.
"""

import importlib
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

# Django's and libraries' own URLs, tested by them: the admin, login/logout, language switch, static
# and media files, the schema and the docs page (tests/test_api_base.py checks those two).
EXCLUDED_NAMESPACES = {"admin"}
EXCLUDED_NAMES = {"login", "logout", "set_language", "api-schema", "swagger-ui"}
EXCLUDED_PREFIXES = ("static/", "media/", "admin/", "i18n/")


def _named_urls(patterns=None, namespace="", prefix=""):
    """(qualified name, route) for every named pattern, following includes."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _named_urls(entry.url_patterns, inner or "", route)
        elif isinstance(entry, URLPattern):
            if entry.name:
                yield (f"{namespace}:{entry.name}" if namespace else entry.name), route
            else:
                yield None, route


def _project_urls() -> dict[str, str]:
    urls = {}
    for name, route in _named_urls():
        if route.lstrip("^").startswith(EXCLUDED_PREFIXES):
            continue
        if name is not None and (name.split(":")[0] in EXCLUDED_NAMESPACES or name in EXCLUDED_NAMES):
            continue
        urls.setdefault(name, route)
    return urls


def _covered() -> set[str]:
    covered = set()
    for path in sorted(Path(__file__).parent.glob("test_*_role_matrix.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        # The API router is included without a namespace; "api:<name>" is accepted as a spelling of "<name>".
        covered |= {name.removeprefix("api:") for name in getattr(module, "COVERED_URL_NAMES", ())}
    return covered


def test_every_url_has_a_name():
    unnamed = [route for name, route in _project_urls().items() if name is None]

    assert unnamed == []


def test_every_named_url_is_covered_by_a_role_matrix():
    missing = sorted(name for name in _project_urls() if name is not None and name not in _covered())

    assert missing == [], "add these URL names to COVERED_URL_NAMES of a tests/test_*_role_matrix.py (and test them)"


def test_role_matrices_list_no_url_name_that_does_not_exist():
    # A stale entry would hide a renamed URL that nobody tests any more.
    stale = sorted(_covered() - set(_project_urls()))

    assert stale == []


def test_the_walk_finds_urls_of_every_app():
    names = set(_project_urls())

    assert {"home", "healthz", "tokens", "api-root", "mission-list"} <= names
    assert any(name.startswith("partners:") for name in names if name)
