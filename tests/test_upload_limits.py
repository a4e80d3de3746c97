"""Uploads that cannot hurt the server (issue 15, point 2): size limits before the body is read, and tables
read with limits on rows, columns, cells (blank ones counted), unpacked size and time.

Each bomb shape is refused by `read_table` with a message naming the limit, and through both import pages
(partners, polling sites: the import pipeline's job reads the file) with that message on the job's page and
nothing kept. Timings are
measured by `perf/uploads.py`, not asserted here.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from missions.imports import TableError, TableLimits, read_table
from missions.models import ImportJob
from partners.models import Partner
from tests import upload_bombs
from tests.elections_support import build_election
from tests.reports_support import eager_tasks  # noqa: F401 (a fixture)

# The pipeline's steps are Celery tasks: in-process here, also when CELERY_BROKER_URL names a Redis with no worker.
pytestmark = pytest.mark.usefixtures("eager_tasks")

BOMBS = list(upload_bombs.BOMBS.items())


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    # The limits these tests were written against (the defaults are higher since issue 10's national lists;
    # a bomb past those would take hundreds of megabytes to build here).
    settings.IMPORT_MAX_BYTES = 10 * 1024 * 1024
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024


@pytest.fixture(autouse=True)
def _run_on_commit(django_capture_on_commit_callbacks):
    _ON_COMMIT["capture"] = django_capture_on_commit_callbacks


_ON_COMMIT = {}


def _start_import(client, url, upload) -> ImportJob:
    """Uploads through the page; the job reads the file (eagerly, on commit) and says what it found."""
    with _ON_COMMIT["capture"](execute=True):
        response = client.post(url, {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.latest("id")
    assert response["Location"] == reverse("import-job", args=[job.pk])
    return job


def _upload(name: str, builder) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, builder())


@pytest.mark.parametrize(("label", "bomb"), BOMBS, ids=[label for label, _ in BOMBS])
def test_each_bomb_shape_is_refused_with_the_limit_it_passes(label, bomb):
    name, builder, refusal = bomb
    with pytest.raises(TableError, match=refusal):
        read_table(_upload(name, builder))


def test_a_sheet_declaring_the_whole_grid_is_refused_from_its_declared_range_with_the_range_named():
    with pytest.raises(TableError) as refused:
        read_table(_upload("bomb.xlsx", upload_bombs.declared_whole_sheet))
    assert "XFD1048576" in str(refused.value)


def test_blank_cells_count_towards_the_cell_limit():
    with pytest.raises(TableError, match="more than 100000 cells"):
        read_table(_upload("cells.xlsx", upload_bombs.many_cells), limits=TableLimits(cells=100_000))
    # The same sheet under the default limits is read: 3,000 lines of 150 cells is 450,000 cells.
    assert read_table(_upload("cells.xlsx", upload_bombs.many_cells)) == []


def test_blank_rows_count_towards_the_row_limit():
    with pytest.raises(TableError, match="more than 3 rows"):
        read_table(SimpleUploadedFile("t.csv", b"code\nA\n\n\n\n\n"), limits=TableLimits(rows=3))
    assert len(read_table(SimpleUploadedFile("t.csv", b"code\nA\n\n\nB\n"), limits=TableLimits(rows=4))) == 2


def test_columns_past_the_limit_are_refused_in_csv_too():
    with pytest.raises(TableError, match="more than 5 columns"):
        read_table(SimpleUploadedFile("t.csv", b"a,b\n1,2,,,,,\n"), limits=TableLimits(columns=5))


def test_reading_past_the_time_limit_is_refused():
    with pytest.raises(TableError, match="too long"):
        read_table(SimpleUploadedFile("t.csv", b"code\nA\n"), limits=TableLimits(seconds=0))


def test_a_file_larger_than_the_upload_limit_is_refused_from_its_size(settings):
    settings.IMPORT_MAX_BYTES = 1024
    with pytest.raises(TableError, match="larger than"):
        read_table(SimpleUploadedFile("t.csv", b"code\n" + b"A\n" * 1000))


def test_control_characters_are_refused_with_their_rows_but_tabs_and_line_breaks_are_kept():
    text = b'name,notes\nA,"two\nlines"\nB,bell\x07\nC,ok\tok\nD,nul\x00\n'
    with pytest.raises(TableError) as refused:
        read_table(SimpleUploadedFile("t.csv", text))
    assert "Rows 3, 5 contain control characters" in str(refused.value)
    rows = read_table(SimpleUploadedFile("t.csv", b'name,notes\nA,"two\nlines"\nC,ok\tok\n'))
    assert [r["notes"] for r in rows] == ["two\nlines", "ok\tok"]


def test_an_xlsx_sheet_with_a_raw_control_character_is_refused_as_unreadable_not_a_server_error():
    # XML 1.0 cannot carry C0 controls, so a workbook holding one is damaged; openpyxl keeps the escaped
    # form (_x0001_) of a legitimate one as text.
    cells = upload_bombs._cell("A1", "name") + '</row><row r="2">' + upload_bombs._cell("A2", "Bad\x01name")
    sheet = upload_bombs._sheet(f'<row r="1">{cells}</row>')
    with pytest.raises(TableError, match="could not be read"):
        read_table(SimpleUploadedFile("t.xlsx", upload_bombs._with_sheet(sheet)))


@pytest.mark.parametrize(("label", "bomb"), BOMBS, ids=[label for label, _ in BOMBS])
def test_the_partner_import_refuses_each_bomb_on_its_page_and_keeps_nothing(
    client, civilaffairs, label, bomb, tmp_path
):
    name, builder, refusal = bomb
    client.force_login(civilaffairs)
    job = _start_import(client, reverse("partners:import"), _upload(name, builder))
    assert job.status == ImportJob.Status.FAILED and refusal in job.message
    assert refusal in client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert list((tmp_path / "imports" / "jobs").iterdir()) == []  # neither the upload nor rows are kept
    assert not Partner.objects.filter(name__startswith="Bad").exists()


@pytest.mark.parametrize(("label", "bomb"), BOMBS, ids=[label for label, _ in BOMBS])
def test_the_polling_site_import_refuses_each_bomb_on_its_page(client, electoral, mission, district, label, bomb):
    plan = build_election(mission, district)["security"]
    name, builder, refusal = bomb
    client.force_login(electoral)
    job = _start_import(client, reverse("elections:site-import", args=[plan.pk]), _upload(name, builder))
    assert job.status == ImportJob.Status.FAILED and refusal in job.message


def test_a_nul_byte_in_a_partner_csv_is_refused_with_its_row(client, civilaffairs):
    client.force_login(civilaffairs)
    job = _start_import(client, reverse("partners:import"), SimpleUploadedFile("p.csv", upload_bombs.csv_nul()))
    assert "Row 3 contains a control character" in client.get(reverse("import-job", args=[job.pk])).content.decode()


# --- the request itself -----------------------------------------------------------------------------


class _UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


def _declaring(size: int, content_type: str) -> dict:
    return {"CONTENT_LENGTH": str(size), "CONTENT_TYPE": content_type, "wsgi.input": _UnreadableBody()}


def test_a_200_mb_upload_is_refused_from_its_content_length_without_reading_it(client, civilaffairs):
    client.force_login(civilaffairs)
    response = client.generic(
        "POST", reverse("partners:import"), **_declaring(200 * 1024 * 1024, "multipart/form-data; boundary=x")
    )
    assert response.status_code == 413
    assert "larger than 10 MB" in response.content.decode()
    assert response["Connection"] == "close"


def test_a_30_mb_json_body_is_refused_in_the_apis_error_shape_without_reading_it(client, hom):
    client.force_login(hom)
    response = client.generic("PATCH", "/api/v1/missions/1/", **_declaring(30 * 1024 * 1024, "application/json"))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail", "errors"} and "larger than 2 MB" in response.json()["detail"]


def test_an_upload_under_the_limit_goes_through(client, civilaffairs):
    client.force_login(civilaffairs)
    upload = SimpleUploadedFile("p.csv", b"name,type\nUnder the limit,media\n")
    assert _start_import(client, reverse("partners:import"), upload).status == ImportJob.Status.MAPPING
