"""Template filters for the one date and number format (see missions/formats): `|day`, `|moment`, `|month`,
`|count`, `|percent`.

Registered as template builtins (settings.TEMPLATES), so every template, PDF and email can use them
without `{% load %}`.
"""

from django import template

from missions.formats import format_count, format_day, format_moment, format_month, format_percent

register = template.Library()

register.filter("day", format_day, is_safe=True)
register.filter("moment", format_moment, is_safe=True)
register.filter("month", lambda value, year=False: format_month(value, year=bool(year)), is_safe=True)
register.filter("count", format_count, is_safe=True)
register.filter("percent", format_percent, is_safe=True)
