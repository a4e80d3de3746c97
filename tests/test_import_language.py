"""An import step run by a worker (or the embedded default's background thread) has no request to take a
language from: what it writes for its uploader to read, the preview's columns and reasons, is in the
uploader's language, not the worker's."""

import pytest
from django.urls import reverse
from django.utils import translation

from missions import pipeline
from missions.models import ImportJob
from missions.services import profile_language_set
from tests.reports_support import eager_tasks  # noqa: F401 (a fixture)
from tests.test_import_pipeline import _csv, _map, _run_on_commit, _upload, _var_dir, areas, e  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def test_a_step_run_outside_a_request_writes_the_preview_in_the_uploaders_language(
    client,
    electoral,
    e,  # noqa: F811 (the fixture imported above)
    areas,  # noqa: F811
):
    profile_language_set(user=electoral, language="fr")
    client.force_login(electoral)
    job = _upload(
        client,
        reverse("elections:site-import", args=[e["security"].pk]),
        _csv("code;name;district;latitude;longitude;registered_voters\nB1;École;Baroueli;12.5;-7.25;12480\n"),
    )
    job = _map(client, job)
    assert job.status == ImportJob.Status.PREVIEWED, job.message

    # As a worker runs the step again (a redelivery): its own language is English.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING)
    with translation.override("en"):
        pipeline.import_job_run(job_id=job.pk, step="check")

    job.refresh_from_db()
    assert job.report["sample_columns"][:2] == ["Ligne", "Code du bureau"]
    # Its numbers as the site pages write them in French: decimal comma, grouped thousands.
    row = job.report["sample"][0]
    assert (row[5], row[6], row[7].replace("\u202f", " ").replace("\xa0", " ")) == ("12,500000", "-7,250000", "12 480")


def test_a_language_chosen_for_the_session_only_is_the_previews_language(
    client,
    electoral,
    e,  # noqa: F811 (the fixture imported above)
    areas,  # noqa: F811
):
    """Failing-first: a French choice made on the login page (kept for the session, not on the profile) gave
    a French page around an English preview: the background step read the profile, then the mission."""
    from mandate.languages import SESSION_KEY

    client.force_login(electoral)
    session = client.session
    session[SESSION_KEY] = "fr"
    session.save()
    job = _upload(
        client,
        reverse("elections:site-import", args=[e["security"].pk]),
        _csv("code;name;district;latitude;longitude;registered_voters\nB1;École;Baroueli;12.5;-7.25;douze\n"),
    )
    job = _map(client, job)

    assert job.language == "fr"
    assert job.report["sample_columns"][:2] == ["Ligne", "Code du bureau"]
    assert "n’est pas un nombre" in str(job.report) or "n'est pas un nombre" in str(job.report), job.report
