"""Every permission question is answered by mandate/access.py: no other code inspects roles or sections.

The scan reads the project's Python modules and templates and fails on the shapes of a home-made rule:
comparing a membership's role, filtering users by role, testing section names, checking
`is_superuser`/`is_staff`. Views, templates, forms, serializers and services ask a named predicate of
`mandate.access` instead (templates get booleans from `access.navigation` or from their view).

Left out: access.py itself, migrations (Django writes them), tests, and the seeding commands
(`mandate/management/`), which give the demo users their roles and never check one.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".venv", ".git", "tests", "migrations", "node_modules", "var", "static", "locale"}
SKIPPED_FILES = {Path("mandate/access.py")}
SKIPPED_TREES = (Path("mandate/management"),)

PYTHON_RULES = {
    "asks sections_for (use a named predicate)": re.compile(r"\bsections_for\("),
    "compares a role": re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)"),
    "compares with a Role constant": re.compile(r"(==|!=|\bin\b)\s*[\[({]?\s*(Membership\.)?Role\.[A-Z]"),
    "filters by role": re.compile(r"(\b|__)role(__in)?\s*=\s*[\[(]?\s*(Membership\.)?Role\.|role__in\b"),
    "checks is_superuser/is_staff": re.compile(r"\.is_(superuser|staff)\b"),
}
TEMPLATE_RULES = {
    "tests section names (use nav.* from access.navigation)": re.compile(r"\bnav_sections\b|\bsections_for\b"),
    "inspects a role": re.compile(r"\.role\b|get_role\b(?!_display)"),
    "checks is_superuser/is_staff": re.compile(r"\.is_(superuser|staff)\b"),
    "checks Django perms": re.compile(r"\{%\s*if[^%]*\bperms\."),
}


def _files(suffix: str):
    for path in sorted(ROOT.rglob(f"*{suffix}")):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS & set(relative.parts) or relative in SKIPPED_FILES:
            continue
        if any(relative.is_relative_to(tree) for tree in SKIPPED_TREES):
            continue
        yield relative, path.read_text(encoding="utf-8")


def find_rules_outside_access(rules, suffix: str) -> list[str]:
    found = []
    for relative, text in _files(suffix):
        for number, line in enumerate(text.splitlines(), start=1):
            code = line.split("#", 1)[0] if suffix == ".py" else line
            found += [f"{relative}:{number} {why}: {line.strip()}" for why, rule in rules.items() if rule.search(code)]
    return found


def scan(text: str, rules) -> list[str]:
    return [why for why, rule in rules.items() if rule.search(text)]


def test_no_python_module_outside_access_inspects_roles_or_sections():
    assert find_rules_outside_access(PYTHON_RULES, ".py") == []


def test_no_template_inspects_roles_or_sections():
    assert find_rules_outside_access(TEMPLATE_RULES, ".html") == []


def test_the_scan_recognises_each_shape_of_a_home_made_rule():
    assert scan('if "partners" in access.sections_for(user, mission.pk):', PYTHON_RULES)
    assert scan("if m.role == Membership.Role.HOM:", PYTHON_RULES)
    assert scan("ok = m.role in (Role.HOM, Role.MLT)", PYTHON_RULES)
    assert scan("if Role.PARTNER != kind", PYTHON_RULES) == [] and scan("x == Role.PARTNER", PYTHON_RULES)
    assert scan("User.objects.filter(memberships__role__in=[...])", PYTHON_RULES)
    assert scan("Membership.objects.filter(role=Membership.Role.HOM)", PYTHON_RULES)
    assert scan("if request.user.is_superuser:", PYTHON_RULES)
    assert scan('{% if "dashboard" in nav_sections %}', TEMPLATE_RULES)
    assert scan("{% if current_membership.role == 'hom' %}", TEMPLATE_RULES)
    assert scan("{% if user.is_superuser %}", TEMPLATE_RULES)
    # Showing the role is not deciding anything.
    assert scan("{{ current_membership.get_role_display }}", TEMPLATE_RULES) == []
    assert scan("{% if nav.admin %}", TEMPLATE_RULES) == []
