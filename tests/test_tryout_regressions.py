"""Found by trying main in a browser (the tryout of 2 Dec 2026), each failing before its fix.

- The trend chart's y axis read "0 0 0 1 1" (or "0 0 1 1 2") when few benchmarks are counted, which is
  now the common case: the trend follows the region or district chosen, where one or two benchmarks are
  assessed. The axis values were the largest count times 0, 1/4, ..., 1, rounded: repeated whole numbers.
- The assessment form's "Corrects" choice named the earlier assessments by their ISO date ("2026-06-02 ·
  At risk · 40%") while the rest of the page says "2 Jun 2026" (French: "2 juin 2026").
"""

import datetime
import re

import pytest
from django.utils import translation

from benchmarks import charts, selectors
from benchmarks.forms import AssessmentForm
from benchmarks.models import Assessment, Status
from tests.benchmarks_support import make_plan

TODAY = datetime.date(2026, 12, 2)


def _axis_values(svg: str) -> list[str]:
    return re.findall(r'<text x="36" y="[\d.]+" text-anchor="end"[^>]*>([^<]*)</text>', svg)


@pytest.mark.parametrize("biggest", [0, 1, 2, 3, 5, 6, 65])
def test_the_trend_axis_never_repeats_a_value(biggest):
    months = selectors.month_ends(TODAY, 12)
    counts = [{"on_track": biggest}] + [{} for _ in months[1:]]
    values = _axis_values(charts.status_trend(months, counts))
    assert len(values) >= 2 and values[0] == "0", values
    assert len(set(values)) == len(values), values
    assert int(values[-1]) >= biggest


def test_the_trend_axis_tops_a_single_benchmark_at_one():
    months = selectors.month_ends(TODAY, 12)
    values = _axis_values(charts.status_trend(months, [{"at_risk": 1}] + [{} for _ in months[1:]]))
    assert values == ["0", "1"]


@pytest.mark.parametrize(("language", "expected"), [("en", "2 Jun 2026 · "), ("fr", "2 juin 2026 · ")])
def test_the_corrects_choice_names_the_assessment_by_its_date_as_people_read_it(
    mission, components, electoral, language, expected
):
    benchmark = make_plan(mission, components, electoral).b_ca
    Assessment.objects.create(
        benchmark=benchmark,
        assessed_on=datetime.date(2026, 6, 2),
        status=Status.AT_RISK,
        progress=40,
        assessed_by=electoral,
    )
    with translation.override(language):
        form = AssessmentForm(benchmark=benchmark, user=None)
        labels = [label for value, label in form.fields["corrects"].choices if value]
    assert labels and labels[0].startswith(expected), labels
