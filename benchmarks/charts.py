"""Server-side SVG charts of the results framework, shared by the pages and the PDF reports.

Every function takes plain data (numbers, strings, dates, dicts keyed by status value) and returns
the SVG markup as a `SafeString` (a `str`): put it straight into a Django template
(`{{ chart }}`, no `|safe` needed) or into a WeasyPrint HTML document. Nothing here touches the
database, a request or any external service, so the same call renders the dashboard and the PDF.

Charts scale to their container (`viewBox`, `width="100%"`), carry a `<title>` and `aria-label`
for screen readers, and use the status colours of `static/css/app.css`.

    from benchmarks import charts
    charts.status_distribution([("Peace process", [("Short term", {"on_track": 3, "off_track": 1})])])
    charts.status_trend([date(2026, 1, 31), ...], [{"on_track": 4, ...}, ...])
    charts.indicator_chart(["Q1", "Q2"], [12, 18], baseline=10, target=30, unit="%")
    charts.risk_heat_map({(4, 5): 2, (1, 1): 3})
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from benchmarks.models import Risk, Status
from missions.formats import format_count, format_labelled, format_month

# Order in which statuses stack, best news last so the eye reads "problems" first.
STATUS_ORDER: tuple[str, ...] = (
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.NOT_STARTED,
    Status.ON_TRACK,
    Status.ACHIEVED,
)
STATUS_COLOURS: dict[str, str] = {
    Status.NOT_STARTED: "#9aa5b1",
    Status.ON_TRACK: "#2e8540",
    Status.AT_RISK: "#e0a100",
    Status.OFF_TRACK: "#c62828",
    Status.ACHIEVED: "#1f5fa8",
}
RISK_COLOURS: dict[str, str] = {"low": "#2e8540", "medium": "#e0a100", "high": "#e06a00", "critical": "#c62828"}
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif"'
INK = "#1d2430"
MUTED = "#5b6676"
LINE = "#d8dee6"


def _t(value) -> str:
    return escape(str(value), quote=True)


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{_t(title)}" {FONT} font-size="12" class="chart">'
        f"<title>{_t(title)}</title>{''.join(body)}</svg>"
    )


LEGEND_CHAR_W = 7.6  # average advance of a 12 px character of the chart fonts (DejaVu Sans is the widest)


def _legend(x: int, y: int, items: Sequence[tuple[str, str]], width: int | None = None) -> list[str]:
    """A one-line legend of (colour, label) swatches starting at (x, y). Given the chart's `width`, a legend
    that would run past it (longer labels, as in French) is set in a smaller type so that no label overlaps
    the next one or is cut at the edge."""
    advances = [24 + LEGEND_CHAR_W * len(str(label)) for _colour, label in items]
    scale = 1.0
    if width is not None and sum(advances) > width - x:
        scale = max(0.7, (width - x) / sum(advances))
    size = f' font-size="{12 * scale:.1f}"' if scale < 1 else ""
    out = []
    for (colour, label), advance in zip(items, advances, strict=True):
        out.append(f'<rect x="{x:.1f}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 14:.1f}" y="{y}" fill="{INK}"{size}>{_t(label)}</text>')
        x += 14 + (advance - 14) * scale
    return out


def _status_legend(x: int, y: int, width: int | None = None) -> list[str]:
    return _legend(x, y, [(STATUS_COLOURS[s], Status(s).label) for s in STATUS_ORDER], width)


def _truncate(text: str, length: int) -> str:
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"


def _wrap(text: str, length: int, lines: int) -> list[str]:
    """`text` in at most `lines` lines of about `length` characters, cut at spaces; only what is left past
    the last line is shortened."""
    words, out, line = str(text).split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > length:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    out.append(line)
    if len(out) > lines:
        out = [*out[: lines - 1], _truncate(" ".join(out[lines - 1 :]), length)]
    return [_truncate(line, length) for line in out]


def status_distribution(
    groups: Sequence[tuple[str, Sequence[tuple[str, Mapping[str, int]]]]],
    *,
    title: str | None = None,
    width: int = 560,
    label_lines: int = 1,
) -> SafeString:
    """A grid of 100 % stacked bars: one row per group (output), one column per bar (term).

    `groups`: `[(group_label, [(bar_label, {status_value: count}), ...]), ...]`; every group has the
    same bars in the same order (column headings come from the first group). Each bar shows the
    share of each status and its total; hovering a bar lists the counts. Kept lean (no per-segment
    elements beyond one rect) so fifty outputs still weigh little on a slow link. `label_lines` > 1 wraps
    the row labels over that many lines instead of shortening them (the PDF, where no tooltip shows the rest).
    """
    title = title or _("Benchmark status by output and term")
    label_w, row_h, bar_h, top = 170, 20, 13, 44
    columns = [label for label, _c in groups[0][1]] if groups else []
    col_gap = 12
    col_w = (width - label_w - col_gap * len(columns)) / max(len(columns), 1)
    body: list[str] = _status_legend(0, 14, width)
    labels = {s: _t(Status(s).label) for s in STATUS_ORDER}
    for c, label in enumerate(columns):
        x = label_w + c * (col_w + col_gap)
        body.append(f'<text x="{x:.0f}" y="{top - 8}" font-weight="600" fill="{INK}">{_t(label)}</text>')
    y = top
    line_h = 14
    for group_label, bars in groups:
        lines = _wrap(group_label, 26, label_lines) if label_lines > 1 else [_truncate(group_label, 26)]
        spans = "".join(
            f'<tspan x="0" dy="{0 if i == 0 else line_h}">{_t(line)}</tspan>' for i, line in enumerate(lines)
        )
        body.append(f'<text x="0" y="{y + 11}" fill="{INK}"><title>{_t(group_label)}</title>{spans}</text>')
        for c, (bar_label, counts) in enumerate(bars):
            x0 = label_w + c * (col_w + col_gap)
            total = sum(counts.get(s, 0) for s in STATUS_ORDER)
            plot_w = col_w - 28
            summary = ", ".join(f"{labels[s]} {counts[s]}" for s in STATUS_ORDER if counts.get(s))
            # The row's label carries the output's full title; the cell's tooltip names only the column.
            body.append(f"<g><title>{_t(format_labelled(bar_label, summary or '0'))}</title>")
            if not total:
                body.append(f'<rect x="{x0:.1f}" y="{y}" width="{plot_w:.1f}" height="{bar_h}" fill="#f0f3f7"/>')
            x = x0
            for status in STATUS_ORDER:
                n = counts.get(status, 0)
                if not n:
                    continue
                w = plot_w * n / total
                body.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{STATUS_COLOURS[status]}"/>'
                )
                x += w
            body.append(f'<text x="{x0 + plot_w + 4:.1f}" y="{y + 11}" fill="{MUTED}">{total}</text></g>')
        y += max(row_h, line_h * len(lines) + 6)
    return _svg(width, max(y, top + 20), title, body)


def status_trend(
    months: Sequence[datetime.date],
    counts: Sequence[Mapping[str, int]],
    *,
    title: str | None = None,
    width: int = 560,
    height: int = 240,
) -> SafeString:
    """Stacked columns: how many benchmarks stood at each status at the end of each month.

    `months[i]` is the month-end date of column i and `counts[i]` its `{status_value: count}`.
    """
    title = title or _("Benchmark status over the last twelve months")
    left, right, top, bottom = 40, 10, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    largest = max((sum(c.values()) for c in counts), default=0) or 1
    # Up to four grid lines above the axis, a whole number of benchmarks apart, so that no value repeats
    # ("0 0 0 1 1" for one benchmark, the common case in a district); the plot tops at the last line.
    step = math.ceil(largest / 4)
    lines = math.ceil(largest / step)
    biggest = step * lines
    body: list[str] = _status_legend(left, 14, width)
    for i in range(lines + 1):
        gy = top + plot_h - plot_h * i / lines
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="{LINE}"/>')
        body.append(f'<text x="{left - 4}" y="{gy + 4:.1f}" text-anchor="end" fill="{MUTED}">{step * i}</text>')
    n = max(len(months), 1)
    slot = plot_w / n
    col_w = slot * 0.7
    for i, (month, month_counts) in enumerate(zip(months, counts, strict=True)):
        x = left + i * slot + (slot - col_w) / 2
        y = float(top + plot_h)
        label = format_month(month, year=True)
        for status in STATUS_ORDER:
            value = month_counts.get(status, 0)
            if not value:
                continue
            h = plot_h * value / biggest
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{col_w:.1f}" height="{h:.1f}" fill="{STATUS_COLOURS[status]}">'
                f"<title>{_t(format_labelled(label, f'{Status(status).label} {value}'))}</title></rect>"
            )
        body.append(
            f'<text x="{x + col_w / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="10">{_t(format_month(month))}</text>'
        )
        if i == 0 or month.month == 1:
            body.append(
                f'<text x="{x + col_w / 2:.1f}" y="{height - bottom + 27}" text-anchor="middle" fill="{MUTED}" '
                f'font-size="10">{month.year}</text>'
            )
    return _svg(width, height, title, body)


def indicator_chart(
    periods: Sequence[str],
    actuals: Sequence[float | None],
    *,
    baseline: float | None = None,
    target: float | None = None,
    unit: str = "",
    title: str | None = None,
    width: int = 520,
    height: int = 200,
) -> SafeString:
    """An indicator's actual value per reporting period as a line, with its baseline and target as dashed lines.

    `periods` are the x labels (e.g. "Jan 2026"), `actuals` the values (None leaves a gap).
    """
    title = title or _("Indicator: baseline, target and actual per period")
    left, right, top, bottom = 46, 70, 14, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(v) for v in actuals if v is not None]
    values += [float(v) for v in (baseline, target) if v is not None]
    low = min([0.0, *values])
    high = max(values, default=1.0)
    if high == low:
        high = low + 1
    high += (high - low) * 0.08

    def ypos(v: float) -> float:
        return top + plot_h - plot_h * (float(v) - low) / (high - low)

    body: list[str] = []
    for i in range(5):
        value = low + (high - low) * i / 4
        gy = ypos(value)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="{LINE}"/>')
        body.append(f'<text x="{left - 4}" y="{gy + 4:.1f}" text-anchor="end" fill="{MUTED}">{value:.4g}</text>')
    for value, colour, label in ((baseline, MUTED, _("baseline")), (target, "#2e8540", _("target"))):
        if value is None:
            continue
        gy = ypos(value)
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="{colour}" '
            f'stroke-dasharray="5 4" stroke-width="1.5"/>'
        )
        body.append(f'<text x="{left + plot_w + 4}" y="{gy + 4:.1f}" fill="{colour}">{_t(label)}</text>')
    n = len(periods)
    step = plot_w / max(n - 1, 1)
    points = []
    for i, (period, value) in enumerate(zip(periods, actuals, strict=True)):
        x = left + (i * step if n > 1 else plot_w / 2)
        if i == 0 or i == n - 1 or n <= 8 or i % max(n // 6, 1) == 0:
            # The outermost labels hang inwards so they are not cut at the chart's edges.
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            body.append(
                f'<text x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}" fill="{MUTED}" font-size="10">'
                f"{_t(period)}</text>"
            )
        if value is None:
            if len(points) > 1:
                body.append(_polyline(points))
            points = []
            continue
        points.append((x, ypos(value)))
        body.append(
            f'<circle cx="{x:.1f}" cy="{ypos(value):.1f}" r="3.5" fill="#1f5fa8">'
            f"<title>{_t(format_labelled(period, f'{format_count(value)}{unit}'))}</title></circle>"
        )
    if len(points) > 1:
        body.append(_polyline(points))
    if not n:
        body.append(f'<text x="{left + 8}" y="{top + plot_h / 2:.1f}" fill="{MUTED}">{_t(_("No values yet"))}</text>')
    return _svg(width, height, title, body)


def _polyline(points: list[tuple[float, float]]) -> str:
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return f'<polyline points="{coords}" fill="none" stroke="#1f5fa8" stroke-width="2"/>'


def risk_heat_map(
    cells: Mapping[tuple[int, int], int],
    *,
    title: str | None = None,
    cell: int = 44,
) -> SafeString:
    """A 5 x 5 likelihood (rows, 5 at the top) by impact (columns) grid; each cell shows its number of risks.

    `cells`: `{(likelihood, impact): count}`. Cell colour is the risk band of likelihood x impact
    (`Risk.level_for`), pale when the cell is empty.
    """
    title = title or _("Risks by likelihood and impact")
    left, top = 36, 8
    width = left + 5 * cell + 8
    height = top + 5 * cell + 40
    body: list[str] = []
    for likelihood in range(5, 0, -1):
        y = top + (5 - likelihood) * cell
        body.append(
            f'<text x="{left - 8}" y="{y + cell / 2 + 4:.0f}" text-anchor="end" fill="{MUTED}">{likelihood}</text>'
        )
        for impact in range(1, 6):
            x = left + (impact - 1) * cell
            count = cells.get((likelihood, impact), 0)
            colour = RISK_COLOURS[Risk.level_for(likelihood * impact)]
            opacity = "1" if count else "0.18"
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{colour}" '
                f'fill-opacity="{opacity}"><title>{_t(_("likelihood"))} {likelihood} × {_t(_("impact"))} {impact}: '
                f"{count}</title></rect>"
            )
            if count:
                body.append(
                    f'<text x="{x + cell / 2 - 1:.0f}" y="{y + cell / 2 + 5:.0f}" text-anchor="middle" '
                    f'font-size="15" font-weight="700" fill="#fff">{count}</text>'
                )
    for impact in range(1, 6):
        x = left + (impact - 1) * cell + cell / 2 - 1
        body.append(f'<text x="{x:.0f}" y="{top + 5 * cell + 12}" text-anchor="middle" fill="{MUTED}">{impact}</text>')
    body.append(
        f'<text x="{left + 5 * cell / 2:.0f}" y="{top + 5 * cell + 30}" text-anchor="middle" fill="{INK}">'
        f"{_t(_('Impact'))} →</text>"
    )
    body.append(
        f'<text x="12" y="{top + 5 * cell / 2:.0f}" text-anchor="middle" fill="{INK}" '
        f'transform="rotate(-90 12 {top + 5 * cell / 2:.0f})">{_t(_("Likelihood"))} →</text>'
    )
    return _svg(width, height, title, body)
