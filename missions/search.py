"""Accent- and case-insensitive search, the same on PostgreSQL and SQLite: "mosquee" finds "MOSQUÉE",
"solidarite" finds "Solidarité", "cedeao" finds "CEDEAO".

One rule, three places that apply it:
- `normalise(text)` in Python: decompose (NFKD), map the few Latin letters that do not decompose
  (ø, ł, đ, æ, œ, ß...) and typographic quotes and dashes, drop the combining marks, lower-case. The typed
  query is always normalised here, once.
- `mandate_normalise(text)` in SQL, the same rule in the database, so that a query compares normalised
  text with normalised text:
  - PostgreSQL: `lower(unaccent(text))` in an IMMUTABLE wrapper (missions/migrations/0010_search), which
    trigram (pg_trgm) and full-text indexes can be built on. Without the `unaccent` extension the
    migration defines it with `translate()` over the same table as `normalise`, so it still works.
  - SQLite: `normalise` itself, registered on every new connection (`register_sqlite_function`, from the
    `connection_created` signal) as a deterministic function. No normalised columns to keep in step, and
    the query expressions are the same on both backends. SQLite gets no index on it: a substring search
    (LIKE '%...%') cannot use a b-tree index anyway, and an index on an application-defined function would
    make the database file unreadable to tools that do not define it (the sqlite3 shell, backups checks).
- `static/js/app.js` (`Mandate.normalise`): the same rule for the filter boxes in the browser.

`search_filter(queryset, q, fields)` is what views, selectors, the API's `?search=` (mandate.api.SearchFilter)
and the admin call: every word of `q` must be found in at least one of `fields` (forward relations such as
`partner__name` are allowed; to-many relations would repeat rows, and are refused).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, Q, QuerySet, TextField, Transform

SQL_FUNCTION = "mandate_normalise"
# A query is cut to this many words: enough for any name, and a pasted paragraph stays a cheap query.
MAX_WORDS = 8

# Letters that NFKD does not decompose, and punctuation people type in two ways. PostgreSQL's unaccent
# maps them the same way (its unaccent.rules); tests/test_search.py compares both on PostgreSQL.
_NOT_DECOMPOSED = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ħ": "h",
        "Ħ": "H",
        "ı": "i",
        "þ": "th",
        "Þ": "TH",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ß": "ss",
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
    }
)


def normalise(text) -> str:
    """`text` without accents and in lower case: 'MOSQUÉE Ā Œuvre' -> 'mosquee a oeuvre'. None -> ''."""
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text)).translate(_NOT_DECOMPOSED)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def search_words(q) -> list[str]:
    """The normalised words of a typed query (at most MAX_WORDS), [] when nothing is left to search.
    Control characters separate words (a NUL byte would be refused by PostgreSQL)."""
    text = "".join(c if c.isprintable() else " " for c in normalise(q))
    return text.split()[:MAX_WORDS]


class Normalised(Transform):
    """`mandate_normalise(<field>)`: usable as a lookup on any text field, `name__normalised__contains=...`.

    The right-hand side is not normalised by the database: pass `normalise(value)` (search_filter does).
    """

    lookup_name = "normalised"
    function = SQL_FUNCTION
    output_field = TextField()


CharField.register_lookup(Normalised)
TextField.register_lookup(Normalised)


def search_q(q, fields: Sequence[str]) -> Q | None:
    """The condition "every word of `q` is in one of `fields`", or None when `q` has no word.

    A field prefixed with '=' must equal the word (codes, acronyms: "=acronym"); others contain it.
    """
    words = search_words(q)
    if not words or not fields:
        return None
    condition = Q()
    for word in words:
        any_field = Q()
        for field in fields:
            if field.startswith("="):
                any_field |= Q(**{f"{field[1:]}__normalised": word})
            else:
                any_field |= Q(**{f"{field}__normalised__contains": word})
        condition &= any_field
    return condition


def search_filter(queryset: QuerySet, q, fields: Sequence[str]) -> QuerySet:
    """`queryset` narrowed to rows where every word of `q` is found, accents and case aside, in one of
    `fields` (see `search_q`). An empty `q` returns `queryset` unchanged. No row is repeated: `fields`
    may follow forward relations only (ValueError otherwise, when the fields are checked)."""
    check_fields(queryset.model, fields)
    condition = search_q(q, fields)
    return queryset if condition is None else queryset.filter(condition)


def check_fields(model, fields: Iterable[str]) -> None:
    """ValueError unless each of `fields` is a text field reached through forward relations only."""
    for path in fields:
        current = model
        parts = path.lstrip("=").split("__")
        for position, part in enumerate(parts):
            try:
                field = current._meta.get_field(part)
            except FieldDoesNotExist as exc:
                raise ValueError(f"{model.__name__}: no field {path!r} to search") from exc
            if field.many_to_many or field.one_to_many:
                raise ValueError(f"{model.__name__}: {path!r} crosses a to-many relation (rows would repeat)")
            if position < len(parts) - 1:
                if not field.is_relation:
                    raise ValueError(f"{model.__name__}: {path!r} is not a relation path")
                current = field.related_model
            elif not isinstance(field, CharField | TextField):
                raise ValueError(f"{model.__name__}: {path!r} is not a text field")


# --- the SQL function on SQLite ------------------------------------------------------------------


def _sqlite_normalise(value):
    return None if value is None else normalise(value)


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: defines mandate_normalise() on each new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQL_FUNCTION, 1, _sqlite_normalise, deterministic=True)


# --- the SQL function on PostgreSQL (used by missions/migrations/0010_search) ---------------------


def translate_tables() -> tuple[str, str]:
    """`translate()` arguments mapping each accented Latin letter to its one-letter base, for the
    PostgreSQL fallback when the unaccent extension cannot be installed."""
    source, target = [], []
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        base = normalise(char)
        if len(base) == 1 and base != char.lower() and base.isascii():
            source.append(char)
            target.append(base)
    return "".join(source), "".join(target)


def create_trigram_indexes(schema_editor, indexes: Sequence[tuple[str, str, str]]) -> None:
    """For migrations: GIN trigram indexes on `mandate_normalise(column)`, given as (index, table, column),
    so that `search_filter`'s `LIKE '%word%'` stays fast on large tables. PostgreSQL with pg_trgm only
    (missions/migrations/0010_search installs it when it may); otherwise nothing, and search scans."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
        row = cursor.fetchone()
    if row is None:
        return
    for name, table, column in indexes:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({SQL_FUNCTION}({column}) {row[0]}.gin_trgm_ops)"
        )


def drop_indexes(schema_editor, indexes: Sequence[tuple[str, str, str]]) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for name, _table, _column in indexes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
