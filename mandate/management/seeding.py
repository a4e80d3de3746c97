"""Helpers shared by the `seed_demo` and `seed_scale` commands: role users and their memberships."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from elections.models import Phase
from missions.models import Component, Membership, Mission

Role = Membership.Role
Kind = Component.Kind


@dataclass(frozen=True)
class RoleUser:
    username: str
    first_name: str
    last_name: str
    role: str
    component: str | None = None  # a Component.Kind, for staff
    partner: int | None = None  # index into the partners the command passes, for focal points
    title: str = ""


# One user per role, as ARCHITECTURE.md lists them; `police` is extra so every security component has a user.
ROLE_USERS = [
    RoleUser("hom", "Amina", "Diallo", Role.HOM, title="Special Representative of the Secretary-General"),
    RoleUser("mlt", "Lars", "Eriksen", Role.MLT, title="Deputy SRSG (political)"),
    RoleUser("electoral", "Rosa", "Mendes", Role.STAFF, Kind.ELECTORAL, title="Chief Electoral Adviser"),
    RoleUser("civilaffairs", "Kwame", "Asante", Role.STAFF, Kind.CIVIL_AFFAIRS, title="Civil Affairs Officer"),
    RoleUser("military", "Priya", "Raman", Role.STAFF, Kind.MILITARY, title="Military Planning Officer"),
    RoleUser("police", "Jean", "Moreau", Role.STAFF, Kind.POLICE, title="Police Operations Officer"),
    RoleUser("partner1", "Grace", "Nkemelu", Role.PARTNER, partner=0, title="Coordinator"),
    RoleUser("partner2", "Tomas", "Varga", Role.PARTNER, partner=1, title="President"),
    RoleUser("hq", "Sofia", "Lindqvist", Role.HQ, title="Desk Officer, DPPA-DPO"),
]


def demo_password_hash() -> str:
    """Hash the demo password once: hashing is deliberately slow, and the seeds create many users."""
    return make_password(settings.DEMO_PASSWORD)


def ensure_user(username: str, *, password_hash: str, first_name: str = "", last_name: str = "", **extra):
    """Create the user, or bring an existing one back to the seeded values (so a re-run changes nothing)."""
    User = get_user_model()
    values = {"first_name": first_name, "last_name": last_name, "email": f"{username}@mandate.example.org", **extra}
    user, created = User.objects.get_or_create(username=username, defaults={**values, "password": password_hash})
    if not created:
        changed = [k for k, v in values.items() if getattr(user, k) != v]
        for k in changed:
            setattr(user, k, values[k])
        if changed:
            user.save(update_fields=changed)
    return user


def ensure_role_users(
    mission: Mission,
    *,
    prefix: str,
    components: dict[str, Component],
    partners: list,
    password_hash: str,
    districts: dict[str, object] | None = None,
) -> dict[str, object]:
    """One user per role with its membership in `mission`; returns users by their unprefixed name.

    `districts` gives a home district by unprefixed username (civil affairs officers work from one).
    """
    districts = districts or {}
    users = {}
    for spec in ROLE_USERS:
        user = ensure_user(
            f"{prefix}{spec.username}",
            password_hash=password_hash,
            first_name=spec.first_name,
            last_name=spec.last_name,
        )
        wanted = {
            "role": spec.role,
            "component": components[spec.component] if spec.component else None,
            "partner": partners[spec.partner] if spec.partner is not None else None,
            "district": districts.get(spec.username),
            "title": spec.title,
        }
        m = Membership.objects.filter(user=user, mission=mission).first()
        if m is None:
            Membership.objects.create(user=user, mission=mission, **wanted)
        else:
            changed = [k for k, v in wanted.items() if getattr(m, k) != v]
            for k in changed:
                setattr(m, k, wanted[k])
            if changed:
                m.save(update_fields=changed)
        users[spec.username] = user
    return users


def month_start(day: datetime.date, delta_months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + delta_months
    return datetime.date(index // 12, index % 12 + 1, 1)


def phase_spans(today: datetime.date, polling: datetime.date):
    """The eight electoral phases in order, polling on the given days."""
    d = datetime.timedelta
    return [
        (Phase.LEGAL_FRAMEWORK, (today - d(days=300), today - d(days=200))),
        (Phase.VOTER_REGISTRATION, (today - d(days=199), today - d(days=60))),
        (Phase.CANDIDATE_NOMINATION, (today - d(days=59), polling - d(days=60))),
        (Phase.CAMPAIGN, (polling - d(days=59), polling - d(days=2))),
        (Phase.POLLING, (polling - d(days=1), polling + d(days=1))),
        (Phase.COUNTING, (polling + d(days=2), polling + d(days=20))),
        (Phase.DISPUTES, (polling + d(days=21), polling + d(days=60))),
        (Phase.TRANSITION, (polling + d(days=61), polling + d(days=150))),
    ]
