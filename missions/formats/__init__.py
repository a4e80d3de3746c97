"""The one way the project writes dates, times and counts for people (pages, PDF reports, messages).

English "1 Dec 2026", French "1 déc. 2026"; times add "14:05" (24-hour, the mission's time zone);
counts have a thousands separator ("12,480", in French "12 480" with a narrow no-break space) and
never decimals ("531", not "531.00"). The per-language formats live in `missions/formats/<lang>/formats.py`
(settings.FORMAT_MODULE_PATH), so Django's own `{{ value }}`, `|date` and form widgets agree with these
functions. Machine exports (CSV, XLSX, the API) use ISO 8601 instead: `value.isoformat()`.

Percentages read "41.7%" in English and "41,7 %" in French (a narrow no-break space before the sign).
A label and its value read "Off track: 7" in English, "Hors trajectoire : 7" in French (`format_labelled`).

Months alone (chart axes, reporting periods) are CLDR's abbreviations, through Babel: "Jun", "Jul" in
English, "juin", "juil." in French (Django's three-letter "M" made both "jui").

Templates use the filters of `missions/templatetags/formatting.py` (loaded as builtins): `|day`,
`|moment`, `|month`, `|count`, `|percent`.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal, InvalidOperation

from babel.dates import format_date
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.translation import get_language, pgettext, to_locale


def format_day(value: datetime.date | datetime.datetime | None) -> str:
    """A date as people read it: "1 Dec 2026" / "1 déc. 2026"; a datetime gives its local date; None gives ""."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return _day(value, get_language())


@functools.lru_cache(maxsize=4096)
def _day(value: datetime.date, language: str | None) -> str:
    """A date in the active language's DATE_FORMAT (`language` keys the memo): a page lists the same few
    dates many times, and each formatting costs tens of microseconds. Cleared when a setting changes."""
    return formats.date_format(value, "DATE_FORMAT")


@receiver(setting_changed)
def _formats_changed(**kwargs) -> None:
    _day.cache_clear()


def format_month(value: datetime.date | None, *, year: bool = False) -> str:
    """A month as people read it, CLDR's abbreviation: "Jun" / "juin", "Jul" / "juil."; `year=True` adds the
    year ("juil. 2026"); None gives ""."""
    if value in (None, ""):
        return ""
    return format_date(value, "MMM y" if year else "MMM", locale=to_locale(get_language() or "en"))


def format_moment(value: datetime.datetime | None) -> str:
    """A date and time in the current time zone: "1 Dec 2026 14:05"; a bare date gives `format_day`."""
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime.datetime):
        return format_day(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


def format_count(value) -> str:
    """A whole number with the language's thousands separator: 12480 -> "12,480" ("12 480" in French).

    Decimals that are whole numbers lose their zeros (Decimal("531.00") -> "531"); a non-number is
    returned as text, so a template never fails on it.
    """
    if type(value) is int and -1000 < value < 1000:
        return str(value)  # no separator to place (most cells of a table): no need of the locale's formats
    if value in (None, ""):
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if number == number.to_integral_value():
        return formats.number_format(int(number), decimal_pos=0, force_grouping=True)
    return formats.number_format(number.normalize(), force_grouping=True)


def format_percent(value) -> str:
    """A percentage: 41.7 -> "41.7%" ("41,7 %" in French), 45 -> "45%"; None or "" gives ""."""
    if value in (None, ""):
        return ""
    # Where the sign goes is each language's convention, so it is in the catalogues, not in code.
    return pgettext("a percentage", "%(number)s%%") % {"number": format_count(value)}


def format_labelled(label, value) -> str:
    """A label and its value, as a chart's tooltip or a legend writes them: "Off track: 7", in French
    "Hors trajectoire : 7" (the space before the colon is in the catalogue, as templates have it)."""
    return pgettext("a label and its value", "%(label)s: %(n)s") % {"label": label, "n": value}
