"""Template filters for the one date and number format (see missions/formats): `|day`, `|moment`, `|month`,
`|count`, `|percent`, and `|count_cells` for a table row of counts.

Registered as template builtins (settings.TEMPLATES), so every template, PDF and email can use them
without `{% load %}`.
"""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from missions.formats import format_count, format_day, format_moment, format_month, format_percent

register = template.Library()

register.filter("day", format_day, is_safe=True)
register.filter("moment", format_moment, is_safe=True)
register.filter("month", lambda value, year=False: format_month(value, year=bool(year)), is_safe=True)
register.filter("count", format_count, is_safe=True)
register.filter("percent", format_percent, is_safe=True)


@register.filter(is_safe=True)
def count_cells(values) -> str:
    """A row's cells of counts, `<td class="num">12,480</td>` each, "zero" added to the class of an empty
    one: what `{% for v in values %}<td ...>{{ v|count }}</td>{% endfor %}` writes, without a template
    loop over every cell (the partner overview's coverage table has a few thousand)."""
    return mark_safe(
        "".join(f'<td class="num{"" if v else " zero"}">{conditional_escape(format_count(v))}</td>' for v in values)
    )
