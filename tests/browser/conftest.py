"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

Chromium comes from Debian (`apt-get install chromium`), never from `playwright install` (no downloads
here or in CI). Without /usr/bin/chromium every test of this folder is skipped, with the reason in the
summary. The live server makes each test transactional (pytest-django's `_live_server_helper`): the
tables are emptied after each test, so each test seeds the demo mission it walks (`seed_demo`, ~2.5 s).
"""

import io
import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = Path("/usr/bin/chromium")
# No network but the live server: no QUIC, no component updates, no sync, no first-run pages.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIP_REASON = f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls of the test code (seeding,
    # assertions) are synchronous and run between browser calls, never inside the loop.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    context = browser.new_context()
    context.set_default_timeout(20_000)  # the CI machine is small; the suite runs on both of its cores
    yield context
    # The pages poll the server (notification counts): stop them before the test's tables are emptied, and
    # give a request already in the live server's hands time to end. On the embedded SQLite database (one
    # shared in-memory file) a request still reading the sessions fails the flush: "database table is
    # locked: django_session" (seen once in a suite run, in test_hq_sees_the_released_report_only).
    for page in context.pages:
        page.goto("about:blank")
    time.sleep(0.5)
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm buttons ask first
    return page


@pytest.fixture
def demo(live_server, settings):
    """The demo mission (`seed_demo`) in the test database, served by the live server."""
    call_command("seed_demo", stdout=io.StringIO())
    return live_server
