"""The Django admin: every model's pages render, assessments stay append-only, big plans stay usable."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from benchmarks.models import Assessment
from elections.models import PollingSite
from missions.admin import INLINE_LIMIT
from partners.models import Partner
from tests.factories import (
    AssessmentFactory,
    BenchmarkFactory,
    ElectionPlanFactory,
    EngagementFactory,
    FollowUpFactory,
    OutputFactory,
    PollingSiteFactory,
    SecurityPlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def some_of_everything(mission, components, district, partner_a, hom):
    output = OutputFactory(mission=mission)
    benchmark = BenchmarkFactory(output=output)
    AssessmentFactory(benchmark=benchmark, assessed_by=hom)
    plan = SecurityPlanFactory(election_plan=ElectionPlanFactory(mission=mission))
    PollingSiteFactory(security_plan=plan, district=district)
    engagement = EngagementFactory(mission=mission, partners=[partner_a])
    FollowUpFactory(engagement=engagement, owner=hom)


def test_every_admin_list_change_and_history_page_renders(client, superuser, some_of_everything):
    client.force_login(superuser)
    failures = []
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages = [reverse(f"{prefix}_changelist")]
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            pages.append(reverse(f"{prefix}_change", args=[obj.pk]))
            pages.append(reverse(f"{prefix}_history", args=[obj.pk]))
        for url in pages:
            status = client.get(url).status_code
            if status != 200:
                failures.append(f"{url}: {status}")
    assert failures == []


def test_assessments_are_read_only_in_the_admin(client, superuser, hom):
    assessment = AssessmentFactory(assessed_by=hom, progress=40)
    client.force_login(superuser)
    change = reverse("admin:benchmarks_assessment_change", args=[assessment.pk])
    assert client.get(change).status_code == 200  # viewable
    response = client.post(change, {"progress": 90, "status": "achieved"})
    assert response.status_code == 403
    assert client.get(reverse("admin:benchmarks_assessment_add")).status_code == 403
    assert client.post(reverse("admin:benchmarks_assessment_delete", args=[assessment.pk])).status_code == 403
    assessment.refresh_from_db()
    assert assessment.progress == 40
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_a_save_in_the_admin_bumps_the_version_so_concurrent_editors_are_told(superuser, partner_a):
    model_admin = admin.site._registry[Partner]
    request = RequestFactory().post("/")
    request.user = superuser
    version = partner_a.version
    partner_a.description = "Edited in the admin"
    model_admin.save_model(request, partner_a, form=None, change=True)
    partner_a.refresh_from_db()
    assert partner_a.version == version + 1
    assert partner_a.description == "Edited in the admin"


def test_a_plan_with_many_sites_links_to_them_instead_of_inlining_them(mission, district, superuser):
    plan = SecurityPlanFactory(election_plan=ElectionPlanFactory(mission=mission))
    model_admin = admin.site._registry[type(plan)]
    request = RequestFactory().get("/")
    request.user = superuser

    def inlined_models():
        return {inline.model for inline in model_admin.get_inlines(request, plan)}

    PollingSite.objects.bulk_create(
        PollingSite(security_plan=plan, code=f"S-{i}", name=f"Site {i}", district=district) for i in range(INLINE_LIMIT)
    )
    assert PollingSite in inlined_models()
    PollingSiteFactory(security_plan=plan, district=district)
    assert PollingSite not in inlined_models()
    assert f"{INLINE_LIMIT + 1} polling sites" in str(model_admin.contents(plan))
