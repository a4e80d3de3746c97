"""Every role against the pages of an import job (missions.pipeline, mandate/import_views.py).

A job holds one person's upload: its pages answer its uploader, while they may still import that kind
into that target, and 404 to everyone else (other roles, other importers of the same mission, other
missions), so neither the job nor its file leaks. The upload pages themselves are in the elections and
partners matrices.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from missions import pipeline
from missions.models import ImportJob
from tests.conftest import ROLE_FIXTURES
from tests.elections_support import build_election
from tests.reports_support import eager_tasks  # noqa: F401 (a fixture)

# The pipeline's steps are Celery tasks: in-process here, also when CELERY_BROKER_URL names a Redis with no worker.
pytestmark = pytest.mark.usefixtures("eager_tasks")

# (url name, method, status for the uploader)
PAGES = [
    ("import-job", "get", 200),
    ("import-job-status", "get", 200),
    ("import-job-errors", "get", 200),
    ("import-job", "post", 422),  # an empty matching: the form again
    ("import-job-confirm", "post", 302),
]
COVERED_URL_NAMES = {name for name, *_ in PAGES}


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def jobs(mission, district, users, django_capture_on_commit_callbacks):
    """A polling-site job uploaded by `electoral` and a partner job uploaded by `civilaffairs`, both read."""
    plan = build_election(mission, district, sites=1)["security"]
    with django_capture_on_commit_callbacks(execute=True):
        sites = pipeline.import_job_start(
            mission=mission,
            kind="sites",
            user=users["electoral"],
            upload=SimpleUploadedFile("s.csv", f"code,name,district\nM1,One,{district.name}\n".encode()),
            target_id=plan.pk,
        )
        partners = pipeline.import_job_start(
            mission=mission,
            kind="partners",
            user=users["civilaffairs"],
            upload=SimpleUploadedFile("p.csv", b"name,type\nMatrix,media\n"),
        )
    sites.refresh_from_db()
    partners.refresh_from_db()
    return {"electoral": sites, "civilaffairs": partners}


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_job_pages_answer_only_their_uploader(client, users, jobs, role):
    client.force_login(users[role])
    failures = []
    for owner, job in jobs.items():
        assert job.status == ImportJob.Status.MAPPING
        for name, method, ok in PAGES:
            url = reverse(name, args=[job.pk])
            response = client.get(url) if method == "get" else client.post(url, {})
            expected = ok if role == owner else 404
            if response.status_code != expected:
                failures.append(f"{method.upper()} {name} ({owner}'s job): {response.status_code} != {expected}")
    assert not failures, "\n".join(failures)


def test_an_uploader_who_lost_the_right_to_import_loses_the_job_too(client, users, jobs):
    membership = users["electoral"].memberships.get()
    membership.component = membership.mission.components.get(kind="military")
    membership.save()
    client.force_login(users["electoral"])
    assert client.get(reverse("import-job", args=[jobs["electoral"].pk])).status_code == 404
