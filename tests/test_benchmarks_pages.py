"""The dashboard, output, benchmark and indicator pages, and the exports, as the leadership uses them."""

import csv
import io
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from benchmarks.models import Status
from tests.benchmarks_support import make_plan


@pytest.fixture
def plan(mission, components, electoral):
    return make_plan(mission, components, electoral)


def _svgs(html: str) -> list[str]:
    out, start = [], 0
    while (i := html.find("<svg", start)) != -1:
        j = html.index("</svg>", i) + len("</svg>")
        out.append(html[i:j])
        start = j
    return out


def test_hom_reads_every_output_with_counts_and_charts(client, hom, plan):
    client.force_login(hom)
    response = client.get(reverse("benchmarks:dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert plan.out_ca.title in body and plan.out_el.title in body
    assert plan.b_ca.statement in body and plan.b_el.statement in body
    data = response.context["data"]
    assert data.total == 3
    assert data.totals == {Status.OFF_TRACK: 1, Status.NOT_STARTED: 2}
    svgs = _svgs(body)
    assert len(svgs) == 2  # status distribution, twelve-month trend
    for svg in svgs:
        ElementTree.fromstring(svg)  # well-formed XML, as WeasyPrint and browsers need


def test_filter_off_track_electoral_keeps_only_those_benchmarks(client, hom, plan, components):
    client.force_login(hom)
    electoral_id = plan.out_el.lead_component_id
    response = client.get(reverse("benchmarks:dashboard"), {"status": "off_track", "component": electoral_id})
    body = response.content.decode()
    assert [b.pk for b in response.context["data"].rows] == [plan.b_el.pk]
    assert plan.b_ca.statement not in body
    # The matrix keeps only the outputs with benchmarks in the view.
    assert [s.output for s in response.context["data"].outputs] == [plan.out_el]
    # The export links carry the same filters, so "export this view" exports this view.
    assert f"export.csv?status=off_track&amp;component={electoral_id}" in body


def test_filter_by_output_and_term_narrows_the_matrix(client, hom, plan):
    client.force_login(hom)
    response = client.get(reverse("benchmarks:dashboard"), {"output": plan.out_el.pk, "term": "long"})
    data = response.context["data"]
    assert [s.output for s in data.outputs] == [plan.out_el]
    assert [b.pk for b in data.rows] == [plan.b_el_long.pk]


def test_garbage_filters_are_ignored_not_errors(client, hom, plan):
    client.force_login(hom)
    response = client.get(reverse("benchmarks:dashboard"), {"output": "x", "status": "nope", "page": "-3"})
    assert response.status_code == 200
    assert response.context["data"].total == 3


def test_csv_export_has_the_filtered_rows(client, hom, plan):
    client.force_login(hom)
    response = client.get(
        reverse("benchmarks:export-csv"), {"status": "off_track", "component": plan.out_el.lead_component_id}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Output"
    assert [r[2] for r in rows[1:]] == [plan.b_el.statement]
    assert rows[1][4] == "Off track"


def test_csv_export_neutralises_formulas(client, hom, plan):
    plan.b_ca.statement = '=HYPERLINK("http://evil")'
    plan.b_ca.save()
    client.force_login(hom)
    content = b"".join(client.get(reverse("benchmarks:export-csv")).streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in content


def test_xlsx_export_has_the_filtered_rows(client, hom, plan):
    client.force_login(hom)
    response = client.get(reverse("benchmarks:export-xlsx"), {"term": "short"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    statements = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(statements) == sorted([plan.b_ca.statement, plan.b_el.statement])
    assert sheet.freeze_panes == "A2"
    off_track = next(row for row in sheet.iter_rows(min_row=2) if row[2].value == plan.b_el.statement)
    assert off_track[4].value == "Off track" and off_track[4].fill.fgColor.rgb.upper().endswith("C62828")


def test_benchmark_page_shows_history_indicators_and_engagements(client, hom, plan):
    client.force_login(hom)
    body = client.get(reverse("benchmarks:benchmark", args=[plan.b_el.pk])).content.decode()
    assert "Registration centres closed in two districts" in body
    body = client.get(reverse("benchmarks:benchmark", args=[plan.b_ca.pk])).content.decode()
    assert "Committee participants" in body and "Met elders" in body
    assert "<svg" in body  # the indicator chart


def test_output_page_shows_activities_risks_indicators_and_heat_map(client, hom, plan):
    client.force_login(hom)
    body = client.get(reverse("benchmarks:output", args=[plan.out_ca.pk])).content.decode()
    for text in ("Support local reconciliation committees", "Spoilers disrupt committees", "Committee participants"):
        assert text in body
    assert "badge risk-critical" in body  # 4 x 5 = 20


def test_risk_register_lists_risks_of_every_output(client, mlt, plan):
    client.force_login(mlt)
    response = client.get(reverse("benchmarks:risks"))
    assert plan.risk.title in response.content.decode()
    assert response.context["register"].heat == {(4, 5): 1}


def test_retired_benchmarks_leave_the_dashboard(client, hom, plan):
    from django.utils import timezone

    plan.b_ca.retired_at = timezone.now()
    plan.b_ca.save()
    client.force_login(hom)
    assert client.get(reverse("benchmarks:dashboard")).context["data"].total == 2


def test_pagination_keeps_filters_and_clamps_the_page(client, hom, mission, components, electoral):
    from tests.benchmarks_support import bulk_plan

    bulk_plan(mission, components, electoral, benchmarks=250, history=1)
    client.force_login(hom)
    data = client.get(reverse("benchmarks:dashboard")).context["data"]
    assert data.total == 250 and len(data.rows) == 50 and data.pages == 5
    response = client.get(reverse("benchmarks:dashboard"), {"term": "short", "page": 2})
    data = response.context["data"]
    assert data.total == 84 and data.page == 2 and len(data.rows) == 34
    assert {b.term for b in data.rows} == {"short"}
    assert response.context["previous_query"] == "term=short"  # page 1 needs no page parameter
    response = client.get(reverse("benchmarks:dashboard"), {"page": 9, "term": "medium"})
    assert response.context["data"].page == 2  # 83 medium-term benchmarks: two pages


def test_dashboard_escapes_what_users_typed(client, hom, plan):
    plan.out_ca.title = "<script>alert(1)</script> output"
    plan.out_ca.save()
    plan.b_ca.statement = '"><img src=x onerror=alert(2)>'
    plan.b_ca.save()
    client.force_login(hom)
    body = client.get(reverse("benchmarks:dashboard")).content.decode()
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; output" in body
    assert f'href="/benchmarks/benchmark/{plan.b_ca.pk}/"' in body
    assert f'href="/benchmarks/benchmark/{plan.b_el.pk}/assess/"' in body  # the HoM may assess
