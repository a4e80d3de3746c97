"""What the role-matrix tests share (no tests here): the expected status per role, a case's URL, and the API
route names of some router resources, so that a matrix can check it covers them all."""

from __future__ import annotations

from django.urls import reverse

from config.api import router
from tests.conftest import ROLE_FIXTURES

ALL = frozenset(ROLE_FIXTURES)


def roles(default=None, **by_status):
    """{role: status} for every role fixture: `s200={"hom"}` style keywords, the rest `default`."""
    expected = {}
    for key, names in by_status.items():
        for name in names:
            expected[name] = int(key[1:])
    missing = ALL - set(expected)
    assert default is not None or not missing, f"no status for {missing}"
    return {name: expected.get(name, default) for name in ALL}


def fresh(obj):
    """The row as saved now (its version after a request changed it)."""
    return type(obj)._default_manager.get(pk=obj.pk)


def case_url(name, args, world) -> str:
    """A matrix case's URL: `args` is None, or (world -> one argument or a tuple of them)."""
    if args is None:
        return reverse(name)
    value = args(world)
    return reverse(name, args=value if isinstance(value, tuple) else [value])


def api_route_names(basenames, *, prefix: str = "") -> set[str]:
    """The list, detail and extra-action route names of the router's resources named in `basenames`
    (`prefix`: "api:" where a matrix spells them so)."""
    names = set()
    for _prefix, viewset, basename in router.registry:
        if basename in basenames:
            names |= {f"{prefix}{basename}-list", f"{prefix}{basename}-detail"}
            names |= {f"{prefix}{basename}-{action.url_name}" for action in viewset.get_extra_actions()}
    return names
