"""The product in French: every page a role reaches from its home page, and a French PDF report of the demo
mission, with no string of the English catalogue left (data such as names aside)."""

import io
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import models
from django.urls import Resolver404, resolve, reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from config.catalogues import BASE_DIR, read_catalogue
from elections.models import SecurityPlan
from missions.models import Mission, Profile
from reports import services
from reports.models import Report, ReportKind

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DEMO_USERS = ["hom", "mlt", "electoral", "civilaffairs", "military", "police", "partner1", "partner2", "hq"]
# Not pages of ours, or not HTML: Django's admin (translated by Django), the API, files, the language switch.
SKIPPED_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/i18n/", "/accounts/logout", "/language/")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")
PROJECT_APPS = {"missions", "benchmarks", "elections", "partners", "reports", "auth"}


def english_catalogue() -> tuple[set[str], list[re.Pattern]]:
    """The English strings whose French differs: plain ones, and patterns for those with placeholders."""
    plain, patterns = set(), []
    for message in read_catalogue(BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            english = " ".join(english.split())
            if english in strings or not re.search(r"[A-Za-z]{2}", PLACEHOLDER.sub("", english)):
                continue
            if PLACEHOLDER.search(english):
                literal = [" ".join(p.split()) for p in PLACEHOLDER.split(english)]
                if sum(len(p.split()) for p in literal) >= 3:  # specific enough not to match data by chance
                    patterns.append(re.compile(".+?".join(re.escape(p) for p in literal)))
            else:
                plain.add(english)
    return plain, patterns


def data_strings() -> set[str]:
    """Every short text stored in the database: names and titles are data, shown as entered."""
    found = set()
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField)]
        for row in model._default_manager.values_list(*fields) if fields else ():
            found.update(" ".join(str(v).split()) for v in row if v)
    return found


class _Page(HTMLParser):
    """The text a person reads (text nodes and read attributes) and the links of a page."""

    READ = {"title", "alt", "placeholder", "aria-label", "data-confirm", "data-filter-placeholder"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self.links, self._skip, self._other_language = [], [], 0, []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "code", "pre"}:
            self._skip += 1
        language = dict(attrs).get("lang")
        if tag != "html" and language and not language.startswith("fr"):
            self._other_language.append(tag)  # e.g. "English" in the language switch, said in English on purpose
            self._skip += 1
        for name, value in attrs:
            if name in self.READ and value:
                self.texts.append(" ".join(value.split()))
            if tag == "a" and name == "href" and value:
                self.links.append(value)

    def handle_endtag(self, tag):
        if tag in {"script", "style", "code", "pre"} and self._skip:
            self._skip -= 1
        if self._other_language and self._other_language[-1] == tag:
            self._other_language.pop()
            self._skip -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._skip:
            self.texts.append(text)


def english_left(texts, plain, patterns, data) -> list[str]:
    found = []
    for text in texts:
        if text in data:
            continue
        if text in plain or any(p.fullmatch(text) for p in patterns):
            found.append(text)
    return found


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())
    return Mission.objects.get(acronym="UNMSV")


def _crawl(client, start="/"):
    """GET every page reachable from `start`, one URL per URL name (the pages of the role matrix), HTML only."""
    seen_names, queue, pages = set(), [start], {}
    while queue:
        url = queue.pop(0)
        path = urlsplit(url).path
        try:
            match = resolve(path)
        except Resolver404:
            continue
        name = match.view_name
        if name in seen_names:
            continue
        seen_names.add(name)
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        page = _Page()
        page.feed(response.content.decode())
        pages[name] = (url, response, page)
        for link in page.links:
            target = urljoin(url, link)
            parts = urlsplit(target)
            if parts.netloc not in {"", "testserver"} or parts.path.startswith(SKIPPED_PREFIXES):
                continue
            if "format" in parts.query or "export" in parts.query:
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return pages


def test_every_page_each_role_reaches_is_in_french(client, demo, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    plain, patterns = english_catalogue()
    data = data_strings()
    problems, visited = {}, set()
    for username in DEMO_USERS:
        user = demo.memberships.get(user__username=username).user
        Profile.objects.update_or_create(user=user, defaults={"language": "fr"})
        client.force_login(user)
        pages = _crawl(client)
        assert len(pages) > 1, username
        for name, (url, response, page) in pages.items():
            visited.add(name)
            assert '<html lang="fr">' in response.content.decode(), url
            left = english_left(page.texts, plain, patterns, data)
            if left:
                problems[f"{username} {url}"] = sorted(set(left))
        client.logout()

    # Pages the links of the demo data do not reach: a report's page, the polling-site map (SVG legend).
    hom = demo.memberships.get(user__username="hom").user
    client.force_login(hom)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            mission=demo, kind=ReportKind.PARTNER_SUMMARY, period_start=demo.start_date,
            period_end=Report._meta.get_field("period_end").to_python("2026-11-30"), user=hom,
        )  # fmt: skip
    detail = client.get(reverse("reports:detail", args=[report.pk]))
    page = _Page()
    page.feed(detail.content.decode())
    problems["hom report"] = english_left(page.texts, plain, patterns, data)
    plan = SecurityPlan.objects.filter(election_plan__mission=demo).first()
    svg = client.get(reverse("elections:site-map", args=[plan.pk])).content.decode()
    assert "Élevé" in svg and ">High<" not in svg
    problems = {where: texts for where, texts in problems.items() if texts}

    assert problems == {}, "\n".join(f"{page}: {texts}" for page, texts in sorted(problems.items()))
    # The crawl reaches the pages of every section, not just the home page.
    assert {"home", "tokens", "benchmarks:dashboard", "elections:index", "partners:index", "partners:portal",
            "reports:index", "reports:new"} <= visited  # fmt: skip


def _pdf_text(report) -> str:
    report.file.open("rb")
    try:
        return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(report.file).pages)
    finally:
        report.file.close()


def test_a_french_progress_report_of_the_demo_mission_and_an_english_one_for_unhq(
    demo, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    hom = demo.memberships.get(user__username="hom").user
    reports = {}
    for language in ("fr", "en"):
        with django_capture_on_commit_callbacks(execute=True):
            report = services.report_request(
                mission=demo,
                kind=ReportKind.PROGRESS,
                period_start=demo.start_date,
                period_end=Report._meta.get_field("period_end").to_python("2026-11-30"),
                user=hom,
                language=language,
            )
        report.refresh_from_db()
        assert report.state == Report.State.DONE, report.error
        reports[language] = report

    french = _pdf_text(reports["fr"])
    headings = {
        "Sommaire": "Contents",
        "Changements depuis le rapport précédent": "Changes since the previous report",
        "Critères de référence hors trajectoire ou à risque": "Benchmarks off track or at risk",
        "Indicateurs par rapport aux cibles": "Indicators against targets",
        "Registre des risques": "Risk register",
        "Préparation des élections": "Election readiness",
        "Annexe : mode d'établissement du présent rapport": "Annex: how this report is compiled",
    }
    english = _pdf_text(reports["en"])
    for in_french, in_english in headings.items():
        assert in_french in french and in_english not in french, in_french
        assert in_english in english and in_french not in english, in_english
    assert "Période considérée" in french and "nov. 2026" in french

    reports["fr"].xlsx_file.open("rb")
    workbook = load_workbook(reports["fr"].xlsx_file)
    reports["fr"].xlsx_file.close()
    assert "Critères de référence" in " ".join(workbook.sheetnames)


def test_the_admin_pages_of_every_project_model_are_in_french(client, demo):
    plain, patterns = english_catalogue()
    data = data_strings()
    root = User.objects.create_superuser("root-fr", "root@example.org", "x")
    Profile.objects.update_or_create(user=root, defaults={"language": "fr"})
    client.force_login(root)
    problems, visited = {}, 0
    for model in admin.site._registry:
        if model._meta.app_label not in PROJECT_APPS | {"narratives", "notifications", "accounts"}:
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages = [reverse(f"{prefix}_changelist")]
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            pages.append(reverse(f"{prefix}_change", args=[obj.pk]))
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            visited += 1
            page = _Page()
            page.feed(response.content.decode())
            left = english_left(page.texts, plain, patterns, data)
            if left:
                problems[url] = sorted(set(left))
    assert visited > 20
    assert problems == {}, "\n".join(f"{page}: {texts}" for page, texts in sorted(problems.items()))
