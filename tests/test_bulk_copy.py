"""missions.bulk: many rows and their history in one stream (COPY on PostgreSQL, bulk_create elsewhere)
write what Django's bulk_create and simple_history would: the same values, keys set, one "+" history row each."""

from decimal import Decimal

import pytest
from django.db import connection

from elections.models import PollingSite
from missions.bulk import bulk_create_with_history
from tests.factories import ElectionPlanFactory, SecurityPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_plan(mission, district):
    return SecurityPlanFactory(election_plan=ElectionPlanFactory(mission=mission))


def _sites(plan, district, n):
    return [
        PollingSite(
            security_plan=plan,
            code=f"C{i}",
            # Text COPY must escape: a tab, a line end, a backslash, "\N" (its NULL marker), accents.
            name=["École\tsud", "line\nend", "back\\slash", "\\N", "Mosquée"][i % 5],
            district=district,
            locality="",
            latitude=Decimal("12.345678") if i % 3 else None,
            longitude=Decimal("-8.1") if i % 3 else None,
            registered_voters=i,
        )
        for i in range(n)
    ]


def test_rows_and_history_are_written_as_bulk_create_would(security_plan, district, hom, monkeypatch):
    import missions.bulk

    monkeypatch.setattr(missions.bulk, "COPY_BATCH", 3)  # several batches
    seen = []
    sites = _sites(security_plan, district, 7)
    created = bulk_create_with_history(sites, PollingSite, default_user=hom, progress=seen.append)

    assert [s.pk is not None for s in created] == [True] * 7
    stored = {s.pk: s for s in PollingSite.objects.filter(security_plan=security_plan, code__startswith="C")}
    assert sorted(stored) == sorted(s.pk for s in sites)
    for site in sites:
        row = stored[site.pk]
        assert (row.code, row.name, row.district_id, row.locality, row.latitude, row.longitude) == (
            site.code,
            site.name,
            site.district_id,
            "",
            site.latitude,
            site.longitude,
        )
        assert row.uid == site.uid and row.created_at is not None and row.version == site.version
    history = PollingSite.history.filter(id__in=list(stored))
    assert history.count() == 7
    assert {(h.history_type, h.history_user_id) for h in history} == {("+", hom.pk)}
    assert {h.id: h.name for h in history} == {pk: s.name for pk, s in stored.items()}
    assert seen[-1] == 7
    if connection.vendor == "postgresql":
        assert seen == [3, 6, 7]  # one call per COPY batch


def test_a_new_row_after_the_fast_path_gets_a_fresh_key(security_plan, district):
    created = bulk_create_with_history(_sites(security_plan, district, 3), PollingSite)
    later = PollingSite.objects.create(security_plan=security_plan, code="LATER", name="Later", district=district)
    assert later.pk > max(s.pk for s in created)
