"""The one edit layer (`missions.edit`, `missions.concurrency`) and the one export module (`missions.exports`).

- a concurrent edit answers 409 on an edit page of each app, with the saved and the typed values side by
  side, differences only where there are some, and no version numbers shown to the user;
- any bad version value, on any endpoint, answers 400 (or 412 when it is a stale number), never 500;
- every cell any export writes goes through the one formula guard.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from benchmarks.models import Risk
from missions.concurrency import parse_version
from missions.edit import form_errors
from missions.exports import Sheet, csv_lines, neutralise, xlsx_bytes
from partners.models import Partner
from reports.rendering import tables_to_xlsx
from tests.api_support import api_client
from tests.benchmarks_support import make_plan
from tests.elections_support import build_election

pytestmark = pytest.mark.django_db


def _conflict_section(response) -> str:
    body = response.content.decode()
    match = re.search(r'<section class="card conflict".*?</section>', body, re.S)
    assert match, "the conflict partial is on the page"
    return match.group(0)


def _rows(response) -> dict:
    return {row.label: (row.theirs, row.yours, row.differs) for row in response.context["conflict"]["rows"]}


def _no_version_jargon(section: str) -> None:
    text = re.sub(r"<[^>]+>", " ", section)
    assert "version" not in text.lower()


# --- the conflict page, one per app -----------------------------------------------------------------


def test_benchmarks_risk_edit_conflict_is_a_409_with_both_values_and_no_false_differences(
    client, mission, components, electoral, civilaffairs
):
    plan = make_plan(mission, components, electoral)
    risk = plan.risk
    Risk.objects.filter(pk=risk.pk).update(review_date=datetime.date(2026, 9, 30))
    url = reverse("benchmarks:risk-edit", args=[risk.pk])
    form = {
        "version": risk.version, "kind": risk.kind, "title": risk.title, "likelihood": 4, "impact": 5,
        "owner": "", "mitigation": "", "review_date": "2026-09-30", "order": 0,
    }  # fmt: skip
    client.force_login(civilaffairs)
    assert client.post(url, {**form, "likelihood": 2}).status_code == 302  # someone saves first
    response = client.post(url, {**form, "title": "Spoilers disrupt the committees"})
    assert response.status_code == 409
    rows = _rows(response)
    assert rows["Likelihood (1-5)"] == ("2", "4", True)
    assert rows["Title"][2] is True
    assert [label for label, (_t, _y, differs) in rows.items() if differs] == ["Title", "Likelihood (1-5)"]
    section = _conflict_section(response)
    assert "Spoilers disrupt committees" in section and "Spoilers disrupt the committees" in section
    _no_version_jargon(section)
    risk.refresh_from_db()
    assert risk.likelihood == 2 and risk.title == "Spoilers disrupt committees"
    # The form now carries the saved version: saving again is a deliberate overwrite, and works.
    assert f'name="version" value="{risk.version}"' in response.content.decode()
    assert client.post(url, {**form, "version": risk.version}).status_code == 302


def test_elections_site_edit_conflict_shows_no_difference_for_unchanged_decimals(client, electoral, mission, district):
    site = build_election(mission, district)["site"]
    site.refresh_from_db()
    url = reverse("elections:site-edit", args=[site.pk])
    form = {
        "version": site.version, "code": site.code, "name": site.name, "district": district.pk,
        "latitude": f"{site.latitude.normalize():f}", "longitude": f"{site.longitude.normalize():f}",
        "registered_voters": site.registered_voters or "",
    }  # fmt: skip
    client.force_login(electoral)
    assert client.post(url, {**form, "name": "First"}).status_code == 302
    response = client.post(url, {**form, "name": "Second"})
    assert response.status_code == 409
    rows = _rows(response)
    assert rows["Name"] == ("First", "Second", True)
    assert not any(differs for label, (_t, _y, differs) in rows.items() if label != "Name")
    _no_version_jargon(_conflict_section(response))


def test_partners_partner_edit_conflict_is_a_409_with_the_other_change(client, civilaffairs, partner_a, district):
    client.force_login(civilaffairs)
    url = reverse("partners:partner-edit", args=[partner_a.pk])
    Partner.objects.filter(pk=partner_a.pk).update(screening_date=datetime.date(2026, 1, 10))
    data = {"name": "Renamed", "partner_type": partner_a.partner_type, "relationship": partner_a.relationship,
            "screening_status": partner_a.screening_status, "screening_date": "2026-01-10",
            "district": district.pk, "version": "1"}  # fmt: skip
    Partner.objects.filter(pk=partner_a.pk).update(version=2, name="Renamed by someone else")
    response = client.post(url, data)
    assert response.status_code == 409
    rows = _rows(response)
    assert rows["Name"] == ("Renamed by someone else", "Renamed", True)
    assert [label for label, (_t, _y, differs) in rows.items() if differs] == ["Name"]
    _no_version_jargon(_conflict_section(response))
    assert Partner.objects.get(pk=partner_a.pk).name == "Renamed by someone else"


# --- versions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ('""', None), (3, 3), ("3", 3), ('"3"', 3), ('W/"3"', 3), (' "3", "4"', 3)],
)
def test_parse_version_reads_numbers_and_etags(value, expected):
    assert parse_version(value) == expected


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "١٢", True, 1.0, [], {}, "99999999999", -1, 2**40])
def test_parse_version_refuses_anything_else_on_the_version_field(value):
    with pytest.raises(ValidationError) as caught:
        parse_version(value)
    assert "version" in caught.value.message_dict


@pytest.mark.parametrize("header", ['"abc"', "abc", 'W/"x"', '"-1"', '"1e3"', '"99999999999"'])
def test_garbage_if_match_is_a_400_on_updates_of_every_app(hom, mission, components, district, partner_a, header):
    plan = make_plan(mission, components, hom)
    site = build_election(mission, district)["site"]
    for url, body in [
        (f"/api/v1/risks/{plan.risk.pk}/", {"title": "x"}),
        (f"/api/v1/polling-sites/{site.pk}/", {"name": "x"}),
        (f"/api/v1/partners/{partner_a.pk}/", {"acronym": "x"}),
        (f"/api/v1/missions/{mission.pk}/", {"name": "x"}),
    ]:
        response = api_client(hom).patch(url, body, format="json", HTTP_IF_MATCH=header)
        assert response.status_code == 400, (url, response.content)
        assert "version" in response.json()["errors"], url


def test_stale_if_match_is_a_412_and_garbage_version_field_a_400(hom, mission, district):
    site = build_election(mission, district)["site"]
    url = f"/api/v1/polling-sites/{site.pk}/"
    assert api_client(hom).patch(url, {"name": "x"}, format="json", HTTP_IF_MATCH='"999"').status_code == 412
    assert api_client(hom).patch(url, {"name": "x", "version": "abc"}, format="json").status_code == 400
    assert api_client(hom).patch(url, {"name": "x", "version": [1]}, format="json").status_code == 400


def test_garbage_if_match_on_a_workflow_action_is_a_400(hom, mission, district):
    security = build_election(mission, district)["security"]
    response = api_client(hom).post(f"/api/v1/security-plans/{security.pk}/submit/", {}, HTTP_IF_MATCH='"abc"')
    assert response.status_code == 400


# --- form errors ----------------------------------------------------------------------------------


class _NameForm(forms.Form):
    name = forms.CharField(required=False)


def test_form_errors_puts_messages_on_their_fields_and_unknown_keys_on_the_form():
    form = _NameForm({"name": "x"})
    form.is_valid()
    form_errors(form, ValidationError({"name": ["Too short."], "partners": ["Unknown here."]}))
    assert form.errors["name"] == ["Too short."]
    assert form.non_field_errors() == ["Unknown here."]
    form_errors(form, ValidationError("Plain message."))
    assert "Plain message." in form.non_field_errors()


# --- exports --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", " =HYPERLINK(1)", "  @x", "\n=1"])
def test_neutralise_quotes_every_formula_start_also_after_leading_whitespace(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Plain text", "a=b", 5, -5, Decimal("-1.5"), datetime.date(2026, 1, 1), ""])
def test_neutralise_leaves_text_numbers_and_dates_alone(value):
    assert neutralise(value) == value


def test_none_becomes_an_empty_cell():
    assert neutralise(None) == ""


def test_csv_and_xlsx_writers_guard_headers_and_cells():
    lines = "".join(csv_lines(["=head"], [["=1+1", 3]]))
    assert "'=head" in lines and "'=1+1" in lines and ",3" in lines
    book = load_workbook(io.BytesIO(xlsx_bytes([Sheet(title="T", columns=["=h"], rows=[[" =1", 2]])])))
    sheet = book["T"]
    assert sheet["A1"].value == "'=h" and sheet["A2"].value == "' =1" and sheet["B2"].value == 2
    assert sheet["A2"].data_type == "s"


def test_report_xlsx_tables_go_out_inert():
    content = tables_to_xlsx([{"title": "Engagements", "columns": ["Summary"], "rows": [['=HYPERLINK("x")']]}])
    sheet = load_workbook(io.BytesIO(content))["Engagements"]
    assert sheet["A2"].value == '\'=HYPERLINK("x")' and sheet["A2"].data_type == "s"
