"""Indicator tables: baseline, target and actual per period."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from benchmarks.models import (
    Indicator,
    IndicatorValue,
)
from missions.formats import format_month


def _indicators_with_values() -> Prefetch:
    return Prefetch(
        "values", queryset=IndicatorValue.objects.select_related("recorded_by", "location").order_by("period_start")
    )


@dataclass
class IndicatorTable:
    """An indicator's values per period, ready for a table and for `charts.indicator_chart`."""

    indicator: Indicator
    rows: list[IndicatorValue]

    @property
    def periods(self) -> list[str]:
        return [_period_label(v) for v in self.rows]

    @property
    def actuals(self) -> list[Decimal]:
        return [v.actual for v in self.rows]

    @property
    def latest(self) -> IndicatorValue | None:
        return self.rows[-1] if self.rows else None

    def chart(self):
        from benchmarks import charts

        return charts.indicator_chart(
            self.periods,
            self.actuals,
            baseline=self.indicator.baseline,
            target=self.indicator.target,
            unit=self.indicator.unit,
            title=self.indicator.name,
        )


def _period_label(value: IndicatorValue) -> str:
    """ "Jan 2026", "Jan–Mar 2026", "Nov 2025–Feb 2026", in the reader's language ("janv.–mars 2026")."""
    start, end = value.period_start, value.period_end
    if start.year == end.year and start.month == end.month:
        return format_month(start, year=True)
    if start.year == end.year:
        return f"{format_month(start)}–{format_month(end, year=True)}"
    return f"{format_month(start, year=True)}–{format_month(end, year=True)}"


def indicator_table(indicator: Indicator) -> IndicatorTable:
    """Baseline, target and actual (with women / men / youth when disaggregated) per period, oldest first.

    No query when the indicator was fetched with its values prefetched (as `output_detail` and
    `benchmark_detail` do); one query otherwise.
    """
    values = sorted(indicator.values.all(), key=lambda v: v.period_start)
    return IndicatorTable(indicator=indicator, rows=values)
