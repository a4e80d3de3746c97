"""The layers of the project: `missions` is the ground floor and imports no app built on it.

`mandate` (access rules, the API base, seeding, cross-app maintenance and admin) sits above the domain
apps; the domain apps may import `missions` and `mandate`, never the other way round for `missions`.
Migrations are left out: Django writes them, and `Membership.partner` names `partners.Partner` by string.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ABOVE_MISSIONS = {"benchmarks", "elections", "partners", "reports", "mandate", "notifications"}


def _imported_top_packages(path: Path) -> set[tuple[int, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name.split(".")[0]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.lineno, node.module.split(".")[0]))
    return found


def test_missions_imports_no_domain_app_nor_mandate():
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {package}"
        for path in sorted((ROOT / "missions").rglob("*.py"))
        if "migrations" not in path.parts
        for line, package in _imported_top_packages(path)
        if package in ABOVE_MISSIONS
    ]
    assert offenders == []


def test_the_layer_scan_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from benchmarks.models import Benchmark\n    import mandate.access\n")
    assert _imported_top_packages(sample) == {(2, "benchmarks"), (3, "mandate")}
