"""What the browser tests share: the demo users, logging in through the login page, and running axe-core on a page
(the browser, context and page fixtures are in conftest.py)."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

# The demo users of `seed_demo`, one per role (police is a second component of the security plan).
ROLES = ["hom", "mlt", "electoral", "civilaffairs", "military", "police", "partner1", "partner2", "hq"]
AXE_SOURCE = (Path(__file__).parent.parent / "vendor" / "axe-core" / "axe.min.js").read_text()


def demo_user(username: str):
    return get_user_model().objects.get(username=username)


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now (WCAG 2.x A and AA rules and best practices).

    The script is evaluated through the DevTools protocol, not added as a <script> tag, so the pages'
    Content-Security-Policy need not allow it.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    """No axe-core violation on the page as it is now; else the list, with the page's address."""
    violations = axe_violations(page)
    assert not violations, f"{page.url}:\n{describe(violations)}"
