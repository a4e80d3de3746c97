"""Shared fixtures: one mission with a user per role, and a second mission as the outsider's.

Role fixtures: hom, mlt, electoral, civilaffairs, military, police, partner1 (of `partner_a`),
partner2 (of `partner_b`), hq, and `outsider` (HoM of another mission). Each is a User with
its Membership in `mission`.
"""

import pytest
from django.conf import settings
from django.utils import translation

from config.catalogues import compile_catalogues
from missions.models import Component, Membership
from tests.factories import (
    ComponentFactory,
    LocationFactory,
    MembershipFactory,
    MissionFactory,
    PartnerFactory,
    UserFactory,
)

Role = Membership.Role
Kind = Component.Kind


def pytest_configure(config):
    # `make test` compiles the translation catalogues; this covers a bare `pytest` run after a .po changed.
    compile_catalogues()


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts in English: a request in French (LocaleMiddleware and the user's language activate
    a language for the thread and leave it) must not change the words a later test expects."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _media_root_per_test(settings, tmp_path):
    """Each test writes files into its own folder: ids repeat across tests (SQLite reuses them after a
    rollback), and a test that counts a report's files must not see another test's."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def mission(db):
    return MissionFactory(name="Test Mission in Testland", acronym="TMT")


@pytest.fixture
def other_mission(db):
    return MissionFactory(name="Other Mission", acronym="OTH")


@pytest.fixture
def components(mission):
    return {kind: ComponentFactory(mission=mission, kind=kind) for kind in Kind if kind != Kind.OTHER}


@pytest.fixture
def district(mission):
    return LocationFactory(mission=mission, name="Northern District")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The generic API tests' world (tests.api_support.build_world: a row of every resource, each role's
    user), built once per test module and rolled back after it."""
    from tests.api_support import shared_world

    with shared_world(django_db_blocker) as world:
        yield world


@pytest.fixture
def e(mission, district):
    """An election of `mission` in `district`, by key (tests.elections_support.build_election): the plan, a
    security plan revision, three sites, a threat, a task, a transport leg and an incident."""
    from tests.elections_support import build_election

    return build_election(mission, district)


@pytest.fixture
def partner_a(mission, district):
    return PartnerFactory(mission=mission, name="Women's Peace Network", district=district)


@pytest.fixture
def partner_b(mission, district):
    return PartnerFactory(mission=mission, name="Youth Forum", district=district)


def _member(username, mission, role, **extra):
    user = UserFactory(username=username)
    MembershipFactory(user=user, mission=mission, role=role, **extra)
    return user


@pytest.fixture
def hom(mission):
    return _member("hom", mission, Role.HOM)


@pytest.fixture
def mlt(mission):
    return _member("mlt", mission, Role.MLT)


@pytest.fixture
def electoral(mission, components):
    return _member("electoral", mission, Role.STAFF, component=components[Kind.ELECTORAL])


@pytest.fixture
def civilaffairs(mission, components):
    return _member("civilaffairs", mission, Role.STAFF, component=components[Kind.CIVIL_AFFAIRS])


@pytest.fixture
def military(mission, components):
    return _member("military", mission, Role.STAFF, component=components[Kind.MILITARY])


@pytest.fixture
def police(mission, components):
    return _member("police", mission, Role.STAFF, component=components[Kind.POLICE])


@pytest.fixture
def partner1(mission, partner_a):
    return _member("partner1", mission, Role.PARTNER, partner=partner_a)


@pytest.fixture
def partner2(mission, partner_b):
    return _member("partner2", mission, Role.PARTNER, partner=partner_b)


@pytest.fixture
def hq(mission):
    return _member("hq", mission, Role.HQ)


@pytest.fixture
def outsider(other_mission):
    return _member("outsider", other_mission, Role.HOM)


ROLE_FIXTURES = [
    "hom",
    "mlt",
    "electoral",
    "civilaffairs",
    "military",
    "police",
    "partner1",
    "partner2",
    "hq",
    "outsider",
]


@pytest.fixture
def users(hom, mlt, electoral, civilaffairs, military, police, partner1, partner2, hq, outsider):
    """Every role's user by fixture name, for role-matrix tests."""
    return {
        "hom": hom, "mlt": mlt, "electoral": electoral, "civilaffairs": civilaffairs, "military": military,
        "police": police, "partner1": partner1, "partner2": partner2, "hq": hq, "outsider": outsider,
    }  # fmt: skip
