"""One date and number format across pages and PDFs (missions/formats), in English and French; ISO in exports.

Failing-first: before, dates showed as 2026-06-04, 06/04/2026, "Dec. 1, 2026" or "1 Dec 2026" depending
on the page; an indicator of people showed "531.00"; the output page cut its term table's headers
("Not star…").
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from benchmarks.models import IndicatorValue
from missions.formats import format_count, format_day, format_labelled, format_moment, format_month, format_percent
from tests.benchmarks_support import make_plan
from tests.factories import EngagementFactory

DAY = datetime.date(2026, 12, 1)
MOMENT = datetime.datetime(2026, 12, 1, 14, 5, tzinfo=datetime.UTC)


def test_english_dates_times_and_counts():
    with translation.override("en"):
        assert format_day(DAY) == "1 Dec 2026"
        assert format_day(MOMENT) == "1 Dec 2026"
        assert format_moment(MOMENT) == "1 Dec 2026 14:05"
        assert format_count(12480) == "12,480"
        assert format_count(Decimal("531.00")) == "531"
        assert format_count(Decimal("2.50")) == "2.5"
        assert format_day(None) == "" and format_count(None) == ""


def test_french_dates_and_counts_use_french_conventions():
    with translation.override("fr"):
        assert format_day(DAY) == "1 déc. 2026"
        assert format_day(datetime.date(2026, 7, 14)) == "14 juil. 2026"
        assert format_moment(MOMENT) == "1 déc. 2026 14:05"
        assert format_count(12480) == "12\u202f480"  # narrow no-break space: never split across lines
        assert format_count(Decimal("2.50")) == "2,5"


def test_a_date_formatted_again_follows_the_active_language():
    # format_day keeps what it wrote per date and language: switching languages must not reuse the other's.
    for language, expected in (("en", "1 Dec 2026"), ("fr", "1 déc. 2026"), ("en", "1 Dec 2026")):
        with translation.override(language):
            assert format_day(DAY) == expected
            assert format_day(datetime.datetime(2026, 12, 1, 9, 30)) == expected


def test_templates_format_plain_dates_the_same_way(mission):
    from django.template import Context, Template

    template = Template("{{ d }}|{{ d|date }}|{{ d|day }}|{{ m|moment }}|{{ n|count }}")
    with translation.override("en"):
        assert template.render(Context({"d": DAY, "m": MOMENT, "n": 1234567})) == (
            "1 Dec 2026|1 Dec 2026|1 Dec 2026|1 Dec 2026 14:05|1,234,567"
        )


def test_a_row_of_count_cells_is_the_cells_a_loop_of_count_would_write():
    from django.template import Context, Template

    values = [0, 7, 12480, None]
    loop = Template('{% for v in values %}<td class="num{% if not v %} zero{% endif %}">{{ v|count }}</td>{% endfor %}')
    for language in ("en", "fr"):
        with translation.override(language):
            cells = Template("{{ values|count_cells }}").render(Context({"values": values}))
            assert cells == loop.render(Context({"values": values}))
    assert cells == (
        '<td class="num zero">0</td><td class="num">7</td><td class="num">12\u202f480</td><td class="num zero"></td>'
    )


@pytest.fixture
def plan(mission, components, electoral):
    return make_plan(mission, components, electoral)


def test_engagement_log_shows_the_one_date_format(client, civilaffairs, mission, components):
    EngagementFactory(mission=mission, date=datetime.date(2026, 6, 4), summary="Elders met")
    client.force_login(civilaffairs)
    body = client.get(reverse("partners:engagement-list")).content.decode()
    assert "4 Jun 2026" in body
    assert "2026-06-04<" not in body and "06/04/2026" not in body


def test_an_engagement_page_names_its_date_the_same_way_in_its_title(client, civilaffairs, mission, components):
    engagement = EngagementFactory(mission=mission, date=datetime.date(2026, 6, 4), summary="Elders met")
    client.force_login(civilaffairs)
    body = client.get(reverse("partners:engagement-detail", args=[engagement.pk])).content.decode()
    title = body.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "4 Jun 2026" in title and "2026-06-04" not in title


def test_people_counts_have_no_decimals_and_the_term_table_is_whole(client, hom, plan):
    IndicatorValue.objects.filter(pk=plan.value.pk).update(actual=Decimal("531.00"))
    client.force_login(hom)
    body = client.get(reverse("benchmarks:indicator", args=[plan.indicator.pk])).content.decode()
    assert ">531<" in body and "531.00" not in body
    body = client.get(reverse("benchmarks:output", args=[plan.out_ca.pk])).content.decode()
    assert "Not started</span>" in body and "Not star…" not in body


def test_csv_export_keeps_iso_dates(client, civilaffairs, mission, components):
    EngagementFactory(mission=mission, date=datetime.date(2026, 6, 4), summary="Elders met")
    client.force_login(civilaffairs)
    response = client.get(reverse("partners:engagement-export", args=["csv"]))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"2026-06-04" in body


def test_percentages_follow_the_language():
    with translation.override("en"):
        assert (format_percent(41.7), format_percent(45), format_percent(None)) == ("41.7%", "45%", "")
    with translation.override("fr"):
        assert (format_percent(41.7), format_percent(Decimal("100.0"))) == ("41,7\u202f%", "100\u202f%")


def test_partnership_shares_are_written_as_percentages(client, civilaffairs, mission, components):
    EngagementFactory(mission=mission, participants_women=2, date=DAY)
    client.force_login(civilaffairs)
    page = client.get(reverse("partners:overview"), {"period_start": "2026-11-01", "period_end": "2026-12-31"})
    assert "100%" in page.content.decode() and "100.0 %" not in page.content.decode()


MONTHS = [datetime.date(2026, m, 28) for m in range(1, 13)]
FRENCH_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


def test_month_abbreviations_are_unambiguous_in_both_languages():
    """Failing-first: the trend chart cut French months to three letters, June and July both read "jui"."""
    with translation.override("en"):
        assert [format_month(m) for m in MONTHS] == [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ]  # fmt: skip
        assert format_month(MONTHS[5], year=True) == "Jun 2026"
    with translation.override("fr"):
        assert [format_month(m) for m in MONTHS] == FRENCH_MONTHS
        assert format_month(MONTHS[6], year=True) == "juil. 2026"
    assert format_month(None) == ""


def test_the_trend_chart_names_june_and_july_apart_in_french():
    from benchmarks import charts

    with translation.override("fr"):
        svg = str(charts.status_trend(MONTHS, [{"on_track": 1} for _ in MONTHS]))
    for month in FRENCH_MONTHS:
        assert f">{month}</text>" in svg
    assert "juin 2026 : " in svg and "juil. 2026 : " in svg  # and a space before the colon, as French has it
    with translation.override("en"):
        svg = str(charts.status_trend(MONTHS, [{"on_track": 1} for _ in MONTHS]))
    assert ">Jun</text>" in svg and ">Jul</text>" in svg and "Jul 2026: " in svg


def test_a_label_and_its_value_have_a_space_before_the_colon_in_french():
    """Failing-first: the dashboard's charts and maps wrote "Hors trajectoire: 7" to a French reader."""
    from missions import maps

    with translation.override("en"):
        assert format_labelled("Off track", 7) == "Off track: 7"
    with translation.override("fr"):
        assert format_labelled("Hors trajectoire", 7) == "Hors trajectoire : 7"
        legend = str(
            maps._legend(400, 0, [maps.Category("x", "Hors trajectoire", "#c62828")], {"x": 7}, None, 0, 0, "", True)
        )
    assert "Hors trajectoire : 7" in legend


def test_indicator_periods_are_named_in_the_readers_language():
    """Failing-first: the indicator tables and charts labelled periods with strftime('%b'), English always."""
    from benchmarks.selectors.indicators import _period_label

    quarter = IndicatorValue(period_start=datetime.date(2026, 6, 1), period_end=datetime.date(2026, 8, 31))
    month = IndicatorValue(period_start=datetime.date(2026, 7, 1), period_end=datetime.date(2026, 7, 31))
    across = IndicatorValue(period_start=datetime.date(2025, 12, 1), period_end=datetime.date(2026, 2, 28))
    with translation.override("en"):
        assert [_period_label(v) for v in (quarter, month, across)] == ["Jun–Aug 2026", "Jul 2026", "Dec 2025–Feb 2026"]
    with translation.override("fr"):
        assert [_period_label(v) for v in (quarter, month, across)] == [
            "juin–août 2026",
            "juil. 2026",
            "déc. 2025–févr. 2026",
        ]
