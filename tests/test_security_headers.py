"""Headers on every response (CSP without 'unsafe-inline', Permissions-Policy) and pages without inline code.

The pages are found by following the links a user sees, from the home page, as several roles; the
browsable API, the docs page and the admin are checked as well.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.api_support import shared_world

SKIP = ("/static/", "/media/", "/accounts/logout", "/i18n/", "/healthz")
# Responses that are files, not pages (report PDFs, exports).
NOT_A_PAGE = re.compile(r"/(download|export)|\.(pdf|csv|xlsx)$|[?&]format=")
MAX_PAGES_PER_ROLE = 120


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker) as world:
        yield world


class _Inline(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts, <style>, style="" and on*=."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.links: list[str] = []
        self.objects: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "object":
            self.objects.append(f"{attributes.get('type')} {attributes.get('data')}")
        if tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json":
            self.found.append("inline <script>")
        if tag == "style" and "nonce" not in attributes:
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'style="{value}" on <{tag}>')
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")


def _parse(html: str) -> _Inline:
    parser = _Inline()
    parser.feed(html)
    return parser


def _policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_strict_headers(response, path, objects=()):
    """`objects`: the page's <object> elements. Only a page that embeds a map document (a same-origin SVG,
    missions.maps.embeds_map) may load objects, and only its own."""
    policy = _policy(response)
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in policy.get(directive, []), (path, directive)
        assert "'unsafe-eval'" not in policy.get(directive, []), (path, directive)
    assert policy["script-src"] == ["'self'"], path
    assert policy["frame-ancestors"] == ["'none'"], path
    if objects:
        assert all(o.startswith("image/svg+xml /") for o in objects), (path, objects)
        assert policy["object-src"] == ["'self'"], path
    else:
        assert policy["object-src"] == ["'none'"], path
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def _crawl(client) -> dict[str, list[str]]:
    """Every page reachable by links from home: {path: [inline code found]}."""
    seen, queue, problems = set(), ["/"], {}
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        parsed = _parse(response.content.decode())
        _assert_strict_headers(response, path, parsed.objects)
        if parsed.found:
            problems[path] = parsed.found
        for href in parsed.links:
            link = urldefrag(href).url
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not link.startswith("/"):
                continue
            if link.startswith(SKIP) or link.startswith(("/admin/", "/api/")) or NOT_A_PAGE.search(link):
                continue
            queue.append(link)
    assert len(seen) >= 3  # the crawl did find pages (a partner sees few)
    return problems


@pytest.mark.parametrize("role", ["hom", "electoral", "civilaffairs", "partner1", "hq"])
def test_no_page_has_inline_script_or_style_and_all_carry_the_security_headers(world, role):
    client = Client()
    client.force_login(world["users"][role])

    assert _crawl(client) == {}


def test_the_login_page_carries_the_headers_and_no_inline_code(db):
    response = Client().get("/accounts/login/")

    _assert_strict_headers(response, "/accounts/login/")
    assert _parse(response.content.decode()).found == []


def test_the_browsable_api_docs_and_admin_run_under_the_same_policy(world, settings):
    settings.WHITENOISE_USE_FINDERS = True
    superuser = world["users"]["hom"]
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client = Client()
    client.force_login(superuser)
    allowed_attributes = {f'style="{value}"' for value in settings.DRF_STYLE_ATTRIBUTES}

    for path in ("/api/v1/", "/api/v1/missions/", "/api/v1/engagements/", "/api/docs/", "/admin/",
                 "/admin/missions/mission/"):  # fmt: skip
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, path
        _assert_strict_headers(response, path)
        found = [f for f in _parse(response.content.decode()).found if f.split(" on <")[0] not in allowed_attributes]
        assert found == [], path


def test_the_docs_script_is_served_as_a_file_not_inline(world):
    client = Client()
    client.force_login(world["users"]["hom"])

    script = client.get("/api/docs/?script=")

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_the_csrf_cookie_is_not_readable_by_scripts(db):
    response = Client().get("/accounts/login/")

    assert response.cookies[settings.CSRF_COOKIE_NAME]["httponly"] is True


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_docs_need_a_login_unless_published(client, settings, path, db):
    response = client.get(path)
    assert response.status_code in {302, 401}
    if response.status_code == 302:
        assert response.url.startswith("/accounts/login/")

    settings.API_DOCS_PUBLIC = True

    assert client.get(path).status_code == 200


def test_a_map_document_may_be_embedded_by_the_sites_own_pages_only(world):
    from elections.models import SecurityPlan

    client = Client()
    client.force_login(world["users"]["electoral"])
    plan = SecurityPlan.objects.filter(election_plan__mission=world["mission"]).first()

    readiness = client.get(reverse("elections:readiness", args=[plan.pk]))
    embedded = _parse(readiness.content.decode()).objects
    map_svg = client.get(reverse("elections:site-map", args=[plan.pk]))

    assert embedded == [f"image/svg+xml {reverse('elections:site-map', args=[plan.pk])}"]
    assert _policy(readiness)["object-src"] == ["'self'"]
    assert map_svg["Content-Type"].startswith("image/svg+xml")
    assert _policy(map_svg)["frame-ancestors"] == ["'self'"] and map_svg["X-Frame-Options"] == "SAMEORIGIN"
    assert _policy(map_svg)["script-src"] == ["'self'"] and _policy(map_svg)["object-src"] == ["'none'"]
