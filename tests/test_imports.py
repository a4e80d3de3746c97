"""missions.imports: reading CSV/XLSX uploads and reporting errors by row."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from openpyxl import Workbook

from missions.imports import (
    ROW,
    ImportReport,
    TableError,
    discard_stashed,
    missing_columns,
    normalise_header,
    open_stashed,
    parse_date,
    parse_decimal,
    parse_int,
    read_table,
    stash_upload,
)


def _csv(text: str, name="sites.csv", encoding="utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def _xlsx(rows, name="sites.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def test_headers_are_normalised_and_aliases_applied():
    assert normalise_header("  Registered Voters ") == "registered_voters"
    assert normalise_header("Région") == "region"
    rows = read_table(_csv("Site Code,Lat.\nA1,12.5\n"), aliases={"lat": "latitude"})
    assert rows == [{"site_code": "A1", "latitude": "12.5", ROW: 2}]


def test_csv_with_bom_semicolons_and_blank_lines_keeps_source_line_numbers():
    text = "\ufeffcode;name\n\nA1;École\n;\nA2;Marché\n"
    rows = read_table(_csv(text))
    assert [(r["code"], r["name"], r[ROW]) for r in rows] == [("A1", "École", 3), ("A2", "Marché", 5)]


def test_csv_not_utf8_is_refused_with_a_clear_message():
    with pytest.raises(TableError, match="UTF-8"):
        read_table(_csv("code,name\nA1,École\n", encoding="latin-1"))


def test_xlsx_first_sheet_numbers_and_dates_come_back_as_text():
    import datetime

    rows = read_table(_xlsx([["Code", "Voters", "Opened"], ["A1", 1200.0, datetime.datetime(2027, 3, 1)]]))
    assert rows == [{"code": "A1", "voters": "1200", "opened": "2027-03-01", ROW: 2}]


def test_other_formats_empty_files_and_duplicate_columns_are_table_errors():
    with pytest.raises(TableError):
        read_table(SimpleUploadedFile("sites.pdf", b"%PDF-1.4"))
    with pytest.raises(TableError, match="empty"):
        read_table(_csv(""))
    with pytest.raises(TableError, match="twice"):
        read_table(_csv("code,Code\n1,2\n"))
    with pytest.raises(TableError, match="XLSX"):
        read_table(SimpleUploadedFile("x.xlsx", b"PK\x03\x04garbage"))


def test_row_limit_is_enforced():
    with pytest.raises(TableError, match="more than 2 rows"):
        read_table(_csv("a\n1\n2\n3\n"), max_rows=2)


def test_parsers_accept_common_spellings_and_reject_the_rest():
    assert parse_int("1 200") == 1200
    assert parse_int("") is None
    with pytest.raises(ValueError, match="whole number"):
        parse_int("12.5")
    with pytest.raises(ValueError, match="minimum"):
        parse_int("-1", minimum=0)
    assert parse_decimal("12,5") == Decimal("12.500000")
    with pytest.raises(ValueError, match="range"):
        parse_decimal("91", minimum=-90, maximum=90)
    with pytest.raises(ValueError, match="not a number"):
        parse_decimal("north")
    assert str(parse_date("14/03/2027")) == "2027-03-14"
    with pytest.raises(ValueError):
        parse_date("tomorrow")


def test_report_groups_errors_by_row():
    report = ImportReport(total_rows=3)
    report.add(2, "district", "Missing")
    report.add(2, "latitude", "Bad")
    report.add(4, "code", "Duplicate")
    assert not report.ok
    assert report.error_rows == 2
    assert [e.column for e in report.by_row()[2]] == ["district", "latitude"]
    assert report.as_dict()["errors"][2] == {"row": 4, "column": "code", "message": "Duplicate"}
    assert missing_columns([{"code": "1", ROW: 2}], ["code", "name"]) == ["name"]


def test_stashed_upload_round_trips_through_the_session(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    request = RequestFactory().get("/")
    request.session = {}
    stash_upload(request, "k", _csv("code\nA1\n"))
    again = open_stashed(request, "k")
    assert again is not None and read_table(again)[0]["code"] == "A1"
    discard_stashed(request, "k")
    assert open_stashed(request, "k") is None
    assert list((tmp_path / "imports").iterdir()) == []
