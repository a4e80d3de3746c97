"""The gazetteer page, the API's import action and the `import_locations` command."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from missions.models import ImportJob, Location
from tests.factories import LocationFactory
from tests.reports_support import eager_tasks  # noqa: F401 (a fixture)
from tests.test_gazetteer_import import COD, _geojson, _square

# The pipeline's steps are Celery tasks: in-process here, also when CELERY_BROKER_URL names a Redis with no worker.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def _cod_file(text=COD, name="cod_adm2.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _boundaries_file():
    data = _geojson([_square("XX0101", 20, 6), _square("XX0102", 20.3, 6), _square("XX0999", 1, 1)])
    return SimpleUploadedFile("adm2.geojson", data, content_type="application/geo+json")


# --- the page -------------------------------------------------------------------------------------


def test_the_page_lists_areas_of_a_level_with_p_code_parent_french_name_and_boundary(client, hom, mission):
    region = LocationFactory(mission=mission, name="Kalo North", name_fr="Kalo-Nord", level="region", pcode="XX01")
    LocationFactory(mission=mission, name="Bamba", level="district", parent=region, pcode="XX0101", boundary='{"x":1}')
    client.force_login(hom)

    page = client.get(reverse("gazetteer"), {"level": "district"}).content.decode()

    assert "XX0101" in page and "Bamba" in page and "Kalo North" in page and "(XX01)" in page
    assert "loaded" in page
    regions = client.get(reverse("gazetteer"), {"level": "region"}).content.decode()
    assert "Kalo-Nord" in regions


def test_the_page_and_its_navigation_entry_are_in_french(client, hom, mission):
    from missions.models import Profile

    Profile.objects.create(user=hom, language="fr")
    client.force_login(hom)

    page = client.get(reverse("gazetteer")).content.decode()

    assert "Répertoire géographique" in page and "Importer les zones et les limites" in page


def test_a_table_upload_goes_through_the_pipeline_to_created_areas(
    client, hom, mission, django_capture_on_commit_callbacks
):
    client.force_login(hom)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("gazetteer"), {"table": _cod_file(), "boundaries": _boundaries_file()})
    job = ImportJob.objects.get(mission=mission, kind="locations")
    assert response.status_code == 302 and response.url == reverse("import-job", args=[job.pk])
    job.refresh_from_db()
    # The COD headers are matched without the user's help.
    assert {"region", "region_pcode", "district", "district_pcode"} <= set(job.mapping)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-job", args=[job.pk]), {**_mapping_post(job), "mode": "update"})
    job.refresh_from_db()
    # The boundary of an unknown P-code blocks the import, as every problem does.
    assert job.status == ImportJob.Status.PREVIEWED and job.report["error_count"] == 1
    assert "XX0999" in json.dumps(job.report)


def _mapping_post(job):
    return {f"field_{name}": str(index) for name, index in job.mapping.items()}


def test_a_previewed_table_is_confirmed_and_imported_with_its_boundaries(
    client, hom, mission, django_capture_on_commit_callbacks
):
    client.force_login(hom)
    boundaries = SimpleUploadedFile("adm2.geojson", _geojson([_square("XX0101", 20, 6)]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("gazetteer"), {"table": _cod_file(), "boundaries": boundaries})
    job = ImportJob.objects.get(mission=mission, kind="locations")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-job", args=[job.pk]), {**_mapping_post(job), "mode": "update"})
    job.refresh_from_db()
    assert job.report["error_count"] == 0, job.report
    assert job.created == 6

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-job-confirm", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Location.objects.filter(mission=mission).count() == 6
    assert Location.objects.get(mission=mission, pcode="XX0101").boundary != ""


def test_a_geojson_alone_runs_as_a_pipeline_job_with_a_progress_bar_and_loads_the_boundaries(
    client, hom, mission, django_capture_on_commit_callbacks
):
    region = LocationFactory(mission=mission, name="Kalo North", level="region", pcode="XX01")
    LocationFactory(mission=mission, name="Bamba", level="district", parent=region, pcode="XX0101")
    client.force_login(hom)
    upload = SimpleUploadedFile("b.geojson", _geojson([_square("XX0101", 20, 6)]))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the request only starts the job
        response = client.post(reverse("gazetteer"), {"boundaries": upload})
    job = ImportJob.objects.get(mission=mission, kind="locations")
    assert response.status_code == 302 and response.url == reverse("import-job", args=[job.pk])
    assert job.status == ImportJob.Status.PARSING and job.file_name == "b.geojson"
    assert Location.objects.get(pcode="XX0101").boundary == ""  # nothing loaded inside the request
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert 'id="import-progress"' in page and reverse("import-job-status", args=[job.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):  # the background steps: read, check, import
        for callback in callbacks:
            callback()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    assert Location.objects.get(pcode="XX0101").max_lat == 6.3
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "Also stored: 1 boundary." in page


def test_a_geojson_alone_with_unknown_p_codes_ends_failed_with_the_grouped_problems(
    client, hom, mission, django_capture_on_commit_callbacks
):
    client.force_login(hom)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("gazetteer"), {"boundaries": _boundaries_file()})

    job = ImportJob.objects.get(mission=mission, kind="locations")
    assert response.status_code == 302 and job.status == ImportJob.Status.FAILED
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "Nothing was imported" in page and "XX0999" in page
    assert not Location.objects.exclude(boundary="").exists()


def test_an_upload_of_another_type_is_refused(client, hom):
    client.force_login(hom)

    response = client.post(reverse("gazetteer"), {"table": SimpleUploadedFile("areas.pdf", b"%PDF")})

    assert response.status_code == 422 and not ImportJob.objects.exists()


@pytest.mark.parametrize("n", [5, 50])
def test_the_page_queries_do_not_grow_with_the_areas(client, hom, mission, n, django_assert_num_queries):
    region = LocationFactory(mission=mission, name="R", level="region", pcode="XX01")
    for k in range(n):
        LocationFactory(mission=mission, name=f"D{k}", level="district", parent=region, pcode=f"XX01{k:02d}")
    client.force_login(hom)
    client.get(reverse("gazetteer"))

    # session, user, memberships (with the gazetteer grant); counts per level; the page's count; its areas
    # (with their parents); the user's recent imports.
    with django_assert_num_queries(7):
        response = client.get(reverse("gazetteer"), {"level": "district"})
    assert response.status_code == 200


# --- the API action -------------------------------------------------------------------------------


def test_the_api_imports_a_cod_table_and_boundaries_and_lists_the_changes(client, hom, mission):
    client.force_login(hom)
    url = reverse("location-import")
    boundaries = SimpleUploadedFile("b.geojson", _geojson([_square("XX0101", 20, 6)]))

    response = client.post(url, {"mission": mission.pk, "file": _cod_file(), "boundaries": boundaries})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["boundaries"]) == (6, 0, 0, 1)
    again = client.post(url, {"mission": mission.pk, "file": _cod_file(COD.replace("Tiéla", "Tiela"))}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 5)
    assert again["changes"] == [
        {"status": "updated", "level": "district", "pcode": "XX0202", "name": "Tiela", "row": 5,
         "fields": {"name": ["Tiéla", "Tiela"]}},
    ]  # fmt: skip
    listed = client.get(reverse("location-list"), {"mission": mission.pk, "pcode": "XX0101"}).json()["results"]
    assert listed[0]["has_boundary"] is True and "boundary" not in listed[0]


def test_the_api_answers_400_with_grouped_problems_and_imports_nothing(client, hom, mission):
    client.force_login(hom)

    response = client.post(
        reverse("location-import"), {"mission": mission.pk, "file": _cod_file(COD + "Dafa,Dafa,XX02,Tiela,,XX0299\n")}
    )

    assert response.status_code == 400
    assert response.json()["errors"]["groups"][0]["kind"] == "Same name under the same parent"
    assert not Location.objects.filter(mission=mission).exists()


def test_a_dry_run_checks_and_writes_nothing(client, hom, mission):
    client.force_login(hom)

    response = client.post(reverse("location-import"), {"mission": mission.pk, "file": _cod_file(), "dry_run": "true"})

    assert response.status_code == 200 and response.json()["created"] == 6
    assert not Location.objects.filter(mission=mission).exists()


def test_a_large_api_import_runs_on_the_pipeline_answers_202_and_its_status_url_follows_it(
    client, hom, mlt, mission, settings, django_capture_on_commit_callbacks
):
    settings.GAZETTEER_API_SYNC_MAX_BYTES = 100  # this table and its boundaries count as large
    client.force_login(hom)
    boundaries = SimpleUploadedFile("b.geojson", _geojson([_square("XX0101", 20, 6)]))

    with django_capture_on_commit_callbacks(execute=True):  # the job's steps, as a worker runs them
        response = client.post(
            reverse("location-import"), {"mission": mission.pk, "file": _cod_file(), "boundaries": boundaries}
        )

    assert response.status_code == 202, response.content
    started = response.json()
    job = ImportJob.objects.get(pk=started["job"])
    assert started["status_url"].endswith(reverse("location-import-status", args=[job.pk]))
    status = client.get(started["status_url"]).json()
    assert (status["status"], status["created"], status["updated"], status["unchanged"]) == ("done", 6, 0, 0)
    assert Location.objects.filter(mission=mission).exclude(boundary="").count() == 1
    # Someone else's job is not found (a job holds its uploader's file).
    client.force_login(mlt)
    assert client.get(started["status_url"]).status_code == 404


def test_a_large_api_import_with_errors_ends_failed_with_the_grouped_problems(
    client, hom, mission, settings, django_capture_on_commit_callbacks
):
    settings.GAZETTEER_API_SYNC_MAX_BYTES = 100
    client.force_login(hom)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("location-import"),
            {"mission": mission.pk, "file": _cod_file(COD + "Dafa,Dafa,XX02,Tiela,,XX0299\n")},
        )
    assert response.status_code == 202
    status = client.get(response.json()["status_url"]).json()
    assert status["status"] == "failed" and status["message"] == "Nothing was imported: the file has errors."
    assert status["errors"]["groups"][0]["kind"] == "Same name under the same parent"
    assert not Location.objects.filter(mission=mission).exists()


def test_a_large_dry_run_still_answers_in_the_request(client, hom, mission, settings):
    settings.GAZETTEER_API_SYNC_MAX_BYTES = 100
    client.force_login(hom)
    response = client.post(reverse("location-import"), {"mission": mission.pk, "file": _cod_file(), "dry_run": "true"})
    assert response.status_code == 200 and response.json()["created"] == 6
    assert not ImportJob.objects.exists()


# --- the command ----------------------------------------------------------------------------------


def test_the_command_imports_prints_one_line_and_exits_zero(mission, tmp_path):
    table = tmp_path / "adm2.csv"
    table.write_text(COD, encoding="utf-8")
    geo = tmp_path / "adm2.geojson"
    geo.write_bytes(_geojson([_square("XX0101", 20, 6), _square("XX02", 19, 5, key="ADM1_PCODE")]))
    out = io.StringIO()

    call_command("import_locations", mission.acronym, str(table), "--boundaries", str(geo), stdout=out)

    assert out.getvalue().strip() == "TMT: 6 areas created, 0 updated, 0 unchanged; 2 boundaries."
    assert Location.objects.filter(mission=mission).exclude(boundary="").count() == 2
    out = io.StringIO()
    call_command("import_locations", mission.acronym.lower(), str(table), stdout=out)
    assert out.getvalue().strip() == "TMT: 0 areas created, 0 updated, 6 unchanged."


def test_the_command_exits_non_zero_with_the_grouped_problems_when_nothing_was_imported(mission, tmp_path, capsys):
    table = tmp_path / "adm2.csv"
    table.write_text(COD + "Dafa,Dafa,XX02,Tiela,,XX0299\nDafa,Dafa,XX02,Bamba,,XX0298\n", encoding="utf-8")
    err = io.StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_locations", mission.acronym, str(table), stderr=err)

    assert exit_info.value.code == 1
    lines = err.getvalue().splitlines()
    assert lines[0] == "TMT: 6 areas created, 0 updated, 0 unchanged; 2 problems: nothing imported."
    assert lines[1] == "Same name under the same parent (2):"
    assert lines[2].startswith("  row 6: ")
    assert not Location.objects.filter(mission=mission).exists()


def test_the_command_refuses_an_unknown_mission_or_a_missing_file(mission, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("import_locations", "NOPE", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError):
        call_command("import_locations", mission.acronym, str(tmp_path / "missing.csv"))
