"""The dashboard's two hot loops (the outputs x terms matrix and the page of benchmark rows) rendered in Python.

With fifty outputs and fifty rows these loops are thousands of template variable lookups; building the
same markup with f-strings and `escape` cuts the dashboard's rendering time several-fold. Everything
interpolated is escaped; URLs come from `reverse` (once per kind of link, not once per row).
"""

from __future__ import annotations

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from missions.formats import format_day

register = template.Library()

_PK = 2_147_483_647  # a placeholder id, replaced in the reversed URL


def _url_maker(name: str):
    prefix, suffix = reverse(name, args=[_PK]).split(str(_PK))
    return lambda pk: f"{prefix}{int(pk)}{suffix}"


def _e(value) -> str:
    return escape(str(value), quote=True)


@register.simple_tag
def matrix_rows(matrix) -> SafeString:
    """`<tr>` rows of the outputs x terms table; `matrix` is the view's [(summary, [(cell, query, badges)])]."""
    output_url = _url_maker("benchmarks:output")
    out = []
    for summary, cells in matrix:
        parts = [
            f'<tr><th scope="row"><a href="{output_url(summary.output.pk)}">{_e(summary.output.title)}</a></th>'
            f"<td>{_e(summary.lead) if summary.lead else '—'}</td>"
        ]
        for _cell, query, badges in cells:
            if badges:
                spans = "".join(
                    f'<span class="badge status-{value}" title="{_e(label)}">{count}</span>'
                    for value, label, count in badges
                )
                parts.append(f'<td><a class="cell" href="?{_e(query)}#list">{spans}</a></td>')
            else:
                parts.append('<td><span class="muted">—</span></td>')
        late = f'<span class="overdue">{summary.overdue}</span>' if summary.overdue else "0"
        parts.append(f'<td class="num">{late}</td></tr>')
        out.append("".join(parts))
    return mark_safe("\n".join(out))


@register.simple_tag
def benchmark_rows(rows) -> SafeString:
    """`<tr>` rows of the dashboard's benchmark list, grouped under their output (rows decorated by selectors)."""
    output_url = _url_maker("benchmarks:output")
    benchmark_url = _url_maker("benchmarks:benchmark")
    assess_url = _url_maker("benchmarks:assess")
    never, overdue, assess = _e(_("never")), _e(_("overdue")), _e(_("Assess"))
    out = []
    current_output = None
    for b in rows:
        if b.output_id != current_output:
            current_output = b.output_id
            out.append(
                f'<tr class="group"><th colspan="7" scope="rowgroup">'
                f'<a href="{output_url(b.output_id)}">{_e(b.output.title)}</a></th></tr>'
            )
        statement = b.statement if len(b.statement) <= 140 else b.statement[:139] + "…"
        last = _e(format_day(b.last_assessed)) if b.last_assessed else never
        late = f' <span class="overdue">{overdue}</span>' if b.overdue else ""
        action = f'<a href="{assess_url(b.pk)}">{assess}</a>' if b.can_assess else ""
        out.append(
            f"<tr><td>{_e(b.term_label)}</td>"
            f'<td><a href="{benchmark_url(b.pk)}">{_e(statement)}</a></td>'
            f"<td>{_e(b.lead) if b.lead else '—'}</td>"
            f'<td><span class="badge status-{_e(b.status)}">{_e(b.status_label)}</span></td>'
            f'<td class="progress-cell"><progress class="progress" max="100" value="{int(b.progress)}" '
            f'aria-label="{int(b.progress)}%">{int(b.progress)}%</progress>'
            f'<span class="small">{int(b.progress)}%</span></td>'
            f"<td>{last}{late}</td><td>{action}</td></tr>"
        )
    return mark_safe("\n".join(out))
