"""The import pipeline (missions.pipeline) with its two importers on it: polling sites and partners.

Upload -> columns matched (guessed in English and French, remembered per mission and kind) -> preview with
errors grouped by kind -> confirm, run by the real Celery task function (eager here, as on the embedded
default). Districts are found by P-code or by parent + name (missions.areas).
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from elections.models import PollingSite
from elections.services.site_import import SiteImporter
from missions import pipeline
from missions.areas import AreaResolver
from missions.models import ColumnMapping, ImportJob, Location
from missions.tasks import run_import_job
from partners.models import Partner
from tests.elections_support import build_election
from tests.factories import PollingSiteFactory
from tests.reports_support import eager_tasks  # noqa: F401 (a fixture)

# The pipeline's steps are Celery tasks: in-process here, also when CELERY_BROKER_URL names a Redis with no worker.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


_ON_COMMIT = {}


@pytest.fixture(autouse=True)
def _run_on_commit(django_capture_on_commit_callbacks):
    """The pipeline enqueues its task on commit; the test's transaction never commits, so run them as if."""
    _ON_COMMIT["capture"] = django_capture_on_commit_callbacks


def _post(client, url, data=None):
    with _ON_COMMIT["capture"](execute=True):
        return client.post(url, data or {})


@pytest.fixture
def areas(mission):
    """Two regions that both have a district called Kati (as real countries repeat names), and Baroueli."""
    north = Location.objects.create(mission=mission, name="Koulikoro", level="region", pcode="ML02")
    south = Location.objects.create(mission=mission, name="Ségou", level="region", pcode="ML04")
    return {
        "north": north,
        "south": south,
        "kati_n": Location.objects.create(mission=mission, name="Kati", level="district", parent=north, pcode="ML0203"),
        "kati_s": Location.objects.create(mission=mission, name="Kati", level="district", parent=south, pcode="ML0409"),
        "baroueli": Location.objects.create(
            mission=mission, name="Baroueli", level="district", parent=south, pcode="ML0402"
        ),
    }


@pytest.fixture
def e(mission, district):
    return build_election(mission, district, sites=1)


def _csv(text: str, name: str = "sites.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"))


def _upload(client, url, upload) -> ImportJob:
    response = _post(client, url, {"file": upload})
    assert response.status_code == 302, response.content[:500]
    job = ImportJob.objects.latest("id")
    assert response["Location"] == reverse("import-job", args=[job.pk])
    return job


def _map(client, job, mode="create", **overrides) -> ImportJob:
    """Posts the matching as guessed (plus `overrides`: field -> header index or "")."""
    job.refresh_from_db()
    data = {f"field_{name}": str(index) for name, index in job.mapping.items()}
    data.update({f"field_{name}": str(index) for name, index in overrides.items()})
    data["mode"] = mode
    response = _post(client, reverse("import-job", args=[job.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    job.refresh_from_db()
    return job


def _site_import(client, plan, text, mode="create", name="sites.csv") -> ImportJob:
    job = _upload(client, reverse("elections:site-import", args=[plan.pk]), _csv(text, name))
    assert job.status == ImportJob.Status.MAPPING, job.message
    return _map(client, job, mode)


# --- the column matching --------------------------------------------------------------------------


def test_columns_are_guessed_from_english_and_french_headers(client, electoral, e, areas):
    client.force_login(electoral)
    job = _upload(
        client,
        reverse("elections:site-import", args=[e["security"].pk]),
        _csv(
            "Code BV;Nom du bureau;Région;Cercle;Localité;Lat;Long;Électeurs inscrits\n"
            "B1;École;Ségou;Baroueli;X;1;2;3\n"
        ),
    )
    headers = job.headers
    guessed = {name: headers[index] for name, index in job.mapping.items()}
    assert guessed == {
        "code": "Code BV",
        "name": "Nom du bureau",
        "region": "Région",
        "district": "Cercle",
        "locality": "Localité",
        "latitude": "Lat",
        "longitude": "Long",
        "registered_voters": "Électeurs inscrits",
    }
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "Match the columns" in page and 'name="field_district_pcode"' in page


def test_the_matching_is_remembered_per_mission_and_kind(client, electoral, civilaffairs, e, areas):
    client.force_login(electoral)
    url = reverse("elections:site-import", args=[e["security"].pk])
    text = "Identifiant;Appellation;Zone\nB1;École;ML0402\n"
    job = _upload(client, url, _csv(text))
    assert job.mapping == {}  # nothing in these names says what they hold
    _map(client, job, code=0, name=1, district_pcode=2)
    assert ColumnMapping.objects.get(mission=e["plan"].mission, kind="sites").columns == {
        "identifiant": "code",
        "appellation": "name",
        "zone": "district_pcode",
    }
    again = _upload(client, url, _csv(text))
    assert again.mapping == {"code": 0, "name": 1, "district_pcode": 2}
    client.force_login(civilaffairs)
    partners = _upload(client, reverse("partners:import"), _csv("Identifiant;Appellation\nX;Y\n"))
    assert "code" not in partners.mapping  # another kind has its own memory


def test_a_header_matched_twice_or_a_required_field_left_out_is_refused(client, electoral, e, areas):
    client.force_login(electoral)
    job = _upload(client, reverse("elections:site-import", args=[e["security"].pk]), _csv("code,name\nA,B\n"))
    response = client.post(
        reverse("import-job", args=[job.pk]), {"field_code": "0", "field_name": "0", "mode": "create"}
    )
    assert response.status_code == 422
    assert "This column is already matched to" in response.content.decode()
    response = client.post(reverse("import-job", args=[job.pk]), {"field_name": "1", "mode": "create"})
    assert response.status_code == 422
    job.refresh_from_db()
    assert job.status == ImportJob.Status.MAPPING


# --- the preview: grouped errors, suggestions, ambiguity ------------------------------------------


def test_errors_are_grouped_by_kind_with_counts_and_the_first_rows(client, electoral, e, areas):
    client.force_login(electoral)
    lines = ["code,name,district,latitude,longitude"]
    lines += [f"U{i},Site {i},Baraoueli,12,-6" for i in range(30)]  # one misspelling, 30 times
    lines += ["D1,Dup,Baroueli,12,-6", "D1,Dup again,Baroueli,12,-6"]
    lines += ["K1,Ambiguous,Kati,12,-6"]
    job = _site_import(client, e["security"], "\n".join(lines) + "\n")
    assert job.status == ImportJob.Status.PREVIEWED
    groups = {g["kind"]: g for g in job.report["groups"]}
    unknown = groups["Unknown area"]
    assert unknown["count"] == 30 and len(unknown["examples"]) == pipeline.EXAMPLES_PER_GROUP
    assert unknown["examples"][0] == {
        "row": 2,
        "value": "Baraoueli",
        "message": "Unknown area “Baraoueli”. Did you mean Baroueli?",
    }
    assert groups["Same code twice in the file"]["examples"][0]["message"] == "Site code D1 also appears on row 32."
    ambiguous = groups["Name shared by several areas"]["examples"][0]["message"]
    assert "Kati (Koulikoro, ML0203)" in ambiguous and "Kati (Ségou, ML0409)" in ambiguous
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "32 errors in 32 of 33 rows" in page
    assert page.count("Did you mean Baroueli?") == pipeline.EXAMPLES_PER_GROUP  # the first rows, not all 30
    assert "Import 33 rows" not in page  # no confirm button while there are errors


def test_the_error_report_downloads_whole_as_csv_with_the_file_row_numbers(client, electoral, e, areas):
    client.force_login(electoral)
    lines = ["code,name,district"] + [f"U{i},=cmd(),Nowhere" for i in range(12)]
    job = _site_import(client, e["security"], "\n".join(lines) + "\n")
    response = client.get(reverse("import-job-errors", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Row", "Column", "Problem", "Value", "Details"]
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(2, 14)]  # every error, the file's own lines
    assert rows[1][1] == "District" and rows[1][3] == "Nowhere"


def test_districts_that_share_a_name_land_in_the_right_region(client, electoral, e, areas):
    client.force_login(electoral)
    job = _site_import(
        client,
        e["security"],
        "code,name,region,district,district_pcode\n"
        "N1,North,Koulikoro,Kati,\nS1,South,ML04,Kati,\nP1,By code,,,ML0203\n",
    )
    assert job.report["error_count"] == 0, job.report["groups"]
    run_confirm(client, job)
    districts = dict(PollingSite.objects.filter(code__in=["N1", "S1", "P1"]).values_list("code", "district_id"))
    assert districts == {"N1": areas["kati_n"].pk, "S1": areas["kati_s"].pk, "P1": areas["kati_n"].pk}


def test_a_pcode_that_contradicts_the_name_is_refused():
    resolver = AreaResolver(
        0,
        locations=[(1, "Koulikoro", "", "ML02", None, "region"), (2, "Kati", "", "ML0203", 1, "district")],
    )
    assert resolver.resolve(pcode="ML0203", name="Kati").area.id == 2
    refused = resolver.resolve(pcode="ML0203", name="Bamako")
    assert refused.area is None and "P-code ML0203 is Kati (Koulikoro, ML0203)" in refused.message
    assert resolver.resolve(name="KATI ").area.id == 2  # case and spaces aside


# --- confirm: the Celery job, modes, all or nothing -----------------------------------------------


def run_confirm(client, job) -> ImportJob:
    response = _post(client, reverse("import-job-confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    return job


def test_confirm_runs_the_task_and_reports_created(client, electoral, e, areas):
    client.force_login(electoral)
    job = _site_import(client, e["security"], "code,name,district_pcode,latitude,longitude\nA1,One,ML0402,12.5,-6.1\n")
    assert not PollingSite.objects.filter(code="A1").exists()  # the preview writes nothing
    job = run_confirm(client, job)
    assert (job.status, job.created, job.updated, job.unchanged) == (ImportJob.Status.DONE, 1, 0, 0)
    site = PollingSite.objects.get(code="A1")
    assert site.history.count() == 1 and site.history.first().history_user == electoral
    status = client.get(reverse("import-job-status", args=[job.pk])).json()
    assert status["status"] == "done" and status["permille"] == 1000 and not status["running"]


def test_the_task_function_is_idempotent(client, electoral, e, areas):
    client.force_login(electoral)
    job = _site_import(client, e["security"], "code,name,district_pcode\nA1,One,ML0402\n")
    run_confirm(client, job)
    run_import_job(job.pk, "import")  # a redelivered task: the job is done, nothing happens twice
    assert PollingSite.objects.filter(code="A1").count() == 1


def test_create_and_update_reports_created_updated_unchanged(client, electoral, e, areas):
    client.force_login(electoral)
    plan = e["security"]
    PollingSiteFactory(
        security_plan=plan, district=areas["baroueli"], code="OLD1", name="Old one", registered_voters=10
    )
    PollingSiteFactory(
        security_plan=plan, district=areas["baroueli"], code="OLD2", name="Old two", registered_voters=20
    )
    text = (
        "code,name,district_pcode,registered_voters\nOLD1,Old one,ML0402,10\nOLD2,Old two,ML0402,25\nNEW,New,ML0402,5\n"
    )
    refused = _site_import(client, plan, text, mode="create")
    assert {g["kind"] for g in refused.report["groups"]} == {"Code already in the plan"}
    job = _site_import(client, plan, text, mode="update")
    assert (job.created, job.updated, job.unchanged) == (1, 1, 1)
    job = run_confirm(client, job)
    assert (job.status, job.created, job.updated, job.unchanged) == ("done", 1, 1, 1)
    old2 = PollingSite.objects.get(security_plan=plan, code="OLD2")
    assert old2.registered_voters == 25 and old2.version == 2
    assert old2.history.first().history_user == electoral
    assert PollingSite.objects.get(security_plan=plan, code="OLD1").version == 1  # unchanged: not written


def test_a_partial_file_updates_only_its_columns(client, electoral, e, areas):
    client.force_login(electoral)
    plan = e["security"]
    PollingSiteFactory(security_plan=plan, district=areas["baroueli"], code="C1", name="Keep", locality="Here")
    job = run_confirm(client, _site_import(client, plan, "code,latitude,longitude\nC1,13.1,-5.2\n", mode="update"))
    site = PollingSite.objects.get(security_plan=plan, code="C1")
    assert (job.updated, site.name, site.locality, str(site.latitude)) == (1, "Keep", "Here", "13.100000")


def test_nothing_is_written_when_the_data_changed_since_the_preview(client, electoral, e, areas):
    client.force_login(electoral)
    plan = e["security"]
    job = _site_import(client, plan, "code,name,district_pcode\nR1,One,ML0402\nR2,Two,ML0402\n")
    PollingSiteFactory(security_plan=plan, district=areas["baroueli"], code="R2")  # a colleague, meanwhile
    job = run_confirm(client, job)
    assert job.status == ImportJob.Status.FAILED and "changed since the preview" in job.message
    assert not PollingSite.objects.filter(code="R1").exists()
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "Site code R2 already exists in this plan" in page and "Match the columns" in page  # fix and retry


def test_the_confirm_reuses_the_previews_plan_when_nothing_changed(client, electoral, e, areas, monkeypatch):
    client.force_login(electoral)
    plan = e["security"]
    job = _site_import(client, plan, "code,name,district_pcode,latitude,longitude\nP1,One,ML0402,12.5,-6.1\n")

    def validated_again(self, **kwargs):
        raise AssertionError("the confirm validated every row again")

    monkeypatch.setattr(SiteImporter, "validate", validated_again)
    job = run_confirm(client, job)
    assert (job.status, job.created) == (ImportJob.Status.DONE, 1), job.message
    site = PollingSite.objects.get(security_plan=plan, code="P1")
    assert (site.name, site.district_id, str(site.latitude)) == ("One", areas["baroueli"].pk, "12.500000")
    assert site.uid and site.history.count() == 1
    kept = {path.name.split(".", 1)[1] for path in pipeline._jobs_dir().glob(f"{job.token}.*")}
    assert kept == {"errors.json.gz"}  # the plan goes with the rows; the (empty) error report stays


@pytest.mark.parametrize("change", ["site edited", "site deleted", "area renamed"])
def test_a_change_since_the_preview_makes_the_confirm_check_again(client, electoral, e, areas, change):
    client.force_login(electoral)
    plan = e["security"]
    old = PollingSiteFactory(
        security_plan=plan, district=areas["baroueli"], code="K1", name="Kept", registered_voters=5
    )
    job = _site_import(
        client, plan, "code,name,district,region\nK1,Kept,Baroueli,Ségou\nK2,New,Baroueli,Ségou\n", "update"
    )
    assert (job.created, job.unchanged) == (1, 1)
    if change == "site edited":  # a colleague's edit bumps the version: "unchanged" is no longer known
        PollingSite.objects.filter(pk=old.pk).update(name="Renamed meanwhile", version=old.version + 1)
    elif change == "site deleted":
        PollingSite.objects.filter(pk=old.pk).delete()
    else:  # the gazetteer was re-imported: the file's district name no longer resolves
        Location.objects.filter(pk=areas["baroueli"].pk).update(name="Barouéli-Ville")
    job = run_confirm(client, job)
    if change == "site edited":
        assert (job.status, job.created, job.updated, job.unchanged) == ("done", 1, 1, 0)
        assert PollingSite.objects.get(pk=old.pk).name == "Kept"
    elif change == "site deleted":
        assert (job.status, job.created, job.updated) == ("done", 2, 0)
    else:
        assert job.status == ImportJob.Status.FAILED and "changed since the preview" in job.message
        assert not PollingSite.objects.filter(security_plan=plan, code="K2").exists()


def test_a_kept_plan_reads_back_only_plain_values(tmp_path):
    import gzip
    import pickle

    job = ImportJob(token="t" * 32)
    with gzip.open(pipeline._path(job, "plan.pickle.gz"), "wb") as handle:
        pickle.dump({"plan": Location(name="x")}, handle)  # a class the plan never holds
    assert pipeline._read_plan(job) is None  # refused: the confirm validates again


def test_an_error_while_writing_rolls_everything_back(client, electoral, e, areas, monkeypatch):
    client.force_login(electoral)
    job = _site_import(client, e["security"], "code,name,district_pcode\nW1,One,ML0402\nW2,Two,ML0402\n")

    def fail_after_the_inserts(**kwargs):
        raise RuntimeError("the coordinates check failed")

    # The last step of the write, after the sites and their history are inserted.
    monkeypatch.setattr("elections.services.site_import.polling_sites_check_coordinates", fail_after_the_inserts)
    job = run_confirm(client, job)
    assert job.status == ImportJob.Status.FAILED and "RuntimeError" in job.message
    assert not PollingSite.objects.filter(code__in=["W1", "W2"]).exists()
    assert not PollingSite.history.filter(code__in=["W1", "W2"]).exists()


# --- exports that import back unchanged -----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_site_list_imports_back_unchanged(client, electoral, e, areas, fmt):
    client.force_login(electoral)
    plan = e["security"]
    for i, area in enumerate([areas["kati_n"], areas["kati_s"], areas["baroueli"]]):
        PollingSiteFactory(
            security_plan=plan,
            district=area,
            code=f"RT{i}",
            name=f"=Site {i}",
            latitude=12.5 + i,
            longitude=-6.25,
            registered_voters=100 * i,
            locality="-dash",
        )
    response = client.get(reverse("elections:site-export", args=[plan.pk, fmt]))
    content = b"".join(response.streaming_content) if fmt == "csv" else response.content
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(content)).active
        assert "'=Site 0" in [c.value for c in sheet["B"]]  # the formula guard applied
    job = _upload(client, reverse("elections:site-import", args=[plan.pk]), SimpleUploadedFile(f"s.{fmt}", content))
    job = _map(client, job, mode="update")
    assert job.report["error_count"] == 0, job.report["groups"]
    assert (job.created, job.updated, job.unchanged) == (0, 0, PollingSite.objects.filter(security_plan=plan).count())


def test_an_exported_partner_registry_imports_back_unchanged(client, civilaffairs, mission, areas):
    client.force_login(civilaffairs)
    Partner.objects.create(
        mission=mission,
        name="Réseau des femmes",
        acronym="RF",
        partner_type="womens_group",
        district=areas["kati_s"],
        screening_status="cleared",
        screening_date="2026-01-05",
        screening_review_due="2027-01-05",
    )
    content = b"".join(client.get(reverse("partners:export", args=["csv"])).streaming_content)
    job = _map(client, _upload(client, reverse("partners:import"), SimpleUploadedFile("p.csv", content)), mode="update")
    assert job.report["error_count"] == 0, job.report["groups"]
    assert (job.created, job.updated, job.unchanged) == (0, 0, Partner.objects.filter(mission=mission).count())


# --- partners on the pipeline -------------------------------------------------------------------


def test_partner_values_list_what_is_accepted_and_names_show(client, civilaffairs, mission, areas):
    client.force_login(civilaffairs)
    text = "Nom,Type,Cercle\nAlpha,Civil society organisatoin,Baroueli\nBeta,Média,\nalpha,youth_group,\n"
    job = _map(client, _upload(client, reverse("partners:import"), _csv(text)))
    groups = {g["kind"]: g for g in job.report["groups"]}
    unknown = groups["Not a known value"]["examples"][0]["message"]
    assert unknown.startswith("“Civil society organisatoin” is not a known value. Accepted values: Ministry")
    assert unknown.endswith("Did you mean Civil society organisation?")
    assert groups["Same name twice in the file"]["examples"][0]["message"] == "Same name as row 2: “Alpha”."
    assert groups["Same name twice in the file"]["count"] == 1  # "Média" (French label) was accepted


def test_a_partner_import_creates_with_history(client, civilaffairs, mission, areas):
    client.force_login(civilaffairs)
    job = _map(
        client, _upload(client, reverse("partners:import"), _csv("name,type,district_pcode\nGamma,media,ML0402\n"))
    )
    job = run_confirm(client, job)
    partner = Partner.objects.get(mission=mission, name="Gamma")
    assert job.status == "done" and partner.district == areas["baroueli"] and partner.history.count() == 1


# --- access -------------------------------------------------------------------------------------


def test_a_job_is_its_uploaders_only(client, electoral, hom, e, areas):
    client.force_login(electoral)
    job = _site_import(client, e["security"], "code,name,district_pcode\nA1,One,ML0402\n")
    client.force_login(hom)  # may import sites too, but this is not their upload
    for name in ("import-job", "import-job-status", "import-job-errors"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("import-job-confirm", args=[job.pk])).status_code == 404
    assert not PollingSite.objects.filter(code="A1").exists()


def test_the_recent_imports_list_takes_constant_queries(client, electoral, e, areas, django_assert_num_queries):
    client.force_login(electoral)
    url = reverse("elections:site-import", args=[e["security"].pk])
    _upload(client, url, _csv("code,name\nA,B\n"))
    client.get(url)  # warm the session's caches

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = count()
    for _ in range(4):
        _upload(client, url, _csv("code,name\nA,B\n"))
    # session, user, memberships, the plan (with its election), the navigation's reads, then one query: the jobs
    assert count() == one


def test_the_site_importer_is_registered():
    assert isinstance(pipeline.importer_for("sites"), SiteImporter)
    assert pipeline.importer_for("partners").kind == "partners"


def test_an_xlsx_upload_is_parsed_once_into_the_job(client, electoral, e, areas, tmp_path):
    wb = Workbook()
    wb.active.append(["code", "name", "district_pcode", "lat", "lon", "voters"])
    wb.active.append(["XL-1", "Market hall", "ML0402", 9.5, -2.5, 1200])
    buf = io.BytesIO()
    wb.save(buf)
    client.force_login(electoral)
    job = _upload(
        client, reverse("elections:site-import", args=[e["security"].pk]), SimpleUploadedFile("s.xlsx", buf.getvalue())
    )
    files = sorted(p.name for p in (tmp_path / "var" / "imports" / "jobs").iterdir())
    assert files == [f"{job.token}.rows.json.gz"]  # the upload itself is gone once read
    job = run_confirm(client, _map(client, job))
    site = PollingSite.objects.get(code="XL-1")
    assert (job.status, float(site.latitude), float(site.longitude), site.registered_voters) == (
        "done",
        9.5,
        -2.5,
        1200,
    )


# --- the management command ---------------------------------------------------------------------


def test_import_sites_command_prints_one_line_and_updates_with_the_flag(e, areas, tmp_path, capsys):
    plan = e["security"]
    path = tmp_path / "national.csv"
    path.write_text("Code BV,Nom,Cercle,Région,Inscrits\nC1,École A,Kati,Koulikoro,10\nC2,École B,Kati,Ségou,20\n")
    call_command("import_sites", str(plan.pk), str(path))
    out = capsys.readouterr().out.strip()
    assert out.startswith("national.csv: 2 rows, 2 created, 0 updated, 0 unchanged") and "\n" not in out
    assert PollingSite.objects.get(security_plan=plan, code="C2").district == areas["kati_s"]
    assert PollingSite.objects.get(security_plan=plan, code="C1").history.first().history_user is None

    path.write_text("Code BV,Nom,Cercle,Région,Inscrits\nC1,École A,Kati,Koulikoro,10\nC2,École B,Kati,Ségou,25\n")
    call_command("import_sites", str(plan.pk), str(path), "--update")
    assert "0 created, 1 updated, 1 unchanged" in capsys.readouterr().out


def test_import_sites_command_exits_non_zero_with_the_grouped_report_when_nothing_was_imported(
    e, areas, tmp_path, capsys
):
    plan = e["security"]
    path = tmp_path / "bad.csv"
    path.write_text("code,name,district\nB1,One,Baraoueli\nB2,Two,Baraoueli\nB3,Three,Kati\n")
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_sites", str(plan.pk), str(path))
    err = capsys.readouterr().err
    assert "3 errors in 3 of 3 rows" in err
    assert "- Unknown area [District]: 2" in err and "Did you mean Baroueli?" in err
    assert "- Name shared by several areas [District]: 1" in err
    assert not PollingSite.objects.filter(code__in=["B1", "B2", "B3"]).exists()
    with pytest.raises(CommandError, match="No security plan"):
        call_command("import_sites", "999999", str(path))


def test_the_preview_counts_flagged_coordinates_by_reason(client, electoral, mission):
    from missions import geo
    from tests.geo_support import two_district_country

    geo.clear_cache()
    _region, west, _east = two_district_country(mission)
    plan = build_election(mission, west, sites=1)["security"]
    client.force_login(electoral)
    text = "code,name,district,latitude,longitude\n" + "".join(
        f"F{i},Site {i},West,{lat},{lon}\n"
        for i, (lat, lon) in enumerate([(10.5, 0.5), (48.8, 2.3), (-33.8, 151.2), (10.5, 1.5), (10.4, 0.4)])
    )
    job = _site_import(client, plan, text)
    assert job.report["flags"] == [
        {"kind": "outside_country", "label": "Outside the country", "count": 2},
        {"kind": "outside_district", "label": "Outside its district", "count": 1},
    ]
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "Coordinates that look wrong" in page
    assert '<li data-kind="outside_country"><strong>Outside the country</strong>: 2 rows</li>' in " ".join(page.split())
    # The summary stays on the page of the finished import.
    job = run_confirm(client, job)
    assert (
        job.status == "done"
        and "Outside its district" in client.get(reverse("import-job", args=[job.pk])).content.decode()
    )


def test_the_api_imports_sites_in_the_background_and_its_status_url_follows_it(
    client, electoral, military, e, areas, django_capture_on_commit_callbacks
):
    client.force_login(electoral)
    plan = e["security"]
    upload = _csv("Code BV,Nom du bureau,Région,Cercle\nAPI-1,École Kati,Ségou,Kati\nAPI-2,Mosquée,,Baroueli\n")
    with django_capture_on_commit_callbacks(execute=True):  # the job's steps, as a worker runs them
        response = client.post(reverse("polling-site-import"), {"security_plan": plan.pk, "file": upload})
    assert response.status_code == 202, response.content
    started = response.json()
    assert started["status_url"].endswith(reverse("polling-site-import-status", args=[started["job"]]))
    status = client.get(started["status_url"]).json()
    assert (status["status"], status["created"]) == ("done", 2), status
    # The shared name landed in the region given (P-codes not needed).
    assert PollingSite.objects.get(security_plan=plan, code="API-1").district == areas["kati_s"]
    # A file with errors imports nothing and its status lists them, grouped.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            reverse("polling-site-import"), {"security_plan": plan.pk, "file": _csv("code,name,district\nX1,X,Kati\n")}
        ).json()
    status = client.get(again["status_url"]).json()
    assert status["status"] == "failed" and status["errors"]["groups"][0]["kind"] == "Name shared by several areas"
    assert not PollingSite.objects.filter(code="X1").exists()
    # A role that may not add sites is refused; someone else's job is not found.
    client.force_login(military)
    refused = client.post(reverse("polling-site-import"), {"security_plan": plan.pk, "file": _csv("code\nY\n")})
    assert refused.status_code == 403
    assert client.get(started["status_url"]).status_code == 404


def test_the_api_imports_partners_in_the_background(
    client, civilaffairs, mission, areas, django_capture_on_commit_callbacks
):
    client.force_login(civilaffairs)
    upload = _csv("name,type,district_pcode\nDelta,media,ML0402\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("partner-import"), {"mission": mission.pk, "file": upload})
    assert response.status_code == 202, response.content
    status = client.get(response.json()["status_url"]).json()
    assert (status["status"], status["created"]) == ("done", 1), status
    assert Partner.objects.get(mission=mission, name="Delta").district == areas["baroueli"]
