"""Inserting many rows with their history, fast: `COPY` on PostgreSQL, `bulk_create` elsewhere.

`bulk_create_with_history(objs, model, default_user=...)` does what simple_history's function of that name
does (the rows, then one "+" history row each, in one transaction, the primary keys set on `objs`), for a
national import's 200,000 rows: Django's `bulk_create` spends most of its time turning every value of every
row into a query parameter (about 25 s for 50,000 polling sites and their history on the 2-core machine),
while `COPY ... FROM STDIN` takes the rows as text in one stream. The primary keys are drawn from the
table's sequence first (one query), so `objs` carry them as after `bulk_create`.

What the fast path writes is exactly what `bulk_create` would: each concrete field's `pre_save` (auto_now
dates, defaults already set on the instance) then `get_db_prep_save`, as text. No signals are sent, as with
`bulk_create`. On SQLite (or with `SIMPLE_HISTORY_ENABLED` off, or for a model without history), it is
simple_history's own function.
"""

from __future__ import annotations

import datetime
import io
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Field
from django.utils import timezone
from simple_history.utils import bulk_create_with_history as _simple_history_bulk_create

COPY_BATCH = 20_000  # rows per COPY statement (the text of one batch is held in memory)


def bulk_create_with_history(objs: list, model, *, default_user=None, batch_size: int = 2000, progress=None) -> list:
    """Inserts `objs` (unsaved instances of `model`) and their history rows; returns `objs`, keys set.
    `progress(done)`, when given, is called after each batch of rows (not of history rows).

    Precondition: the caller runs inside a transaction when it wants all or nothing (the pipeline does);
    this function opens one of its own besides.
    """
    objs = list(objs)
    if not objs:
        return objs
    using = router.db_for_write(model)
    connection = connections[using]
    history = getattr(model, "history", None)
    if (
        connection.vendor != "postgresql"
        or history is None
        or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        or hasattr(history.model, "history_relation")
        or any(o.pk is not None for o in objs)
    ):
        created = _simple_history_bulk_create(objs, model, batch_size=batch_size, default_user=default_user)
        if progress:
            progress(len(created))
        return created
    history_model = history.model
    now = timezone.now()
    fields = list(model._meta.concrete_fields)
    # What pre_save gives for each field: auto_now dates are one timestamp for the whole insert (set on
    # the instances too, as bulk_create does); any other field with a pre_save of its own is asked per row.
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    own_pre_save = [f for f in fields if f.attname not in stamped and type(f).pre_save is not Field.pre_save]
    user = default_user or history_model.get_default_history_user(objs[0])
    tracked = [f.attname for f in history_model.tracked_fields]
    extra = {"history_date": now, "history_change_reason": None, "history_type": "+",
             "history_user": getattr(user, "pk", None)}  # fmt: skip
    history_fields = [history_model._meta.get_field(name) for name in tracked] + [
        history_model._meta.get_field(name) for name in extra
    ]
    constants = [_text(f, value, connection) for f, value in zip(history_fields[len(tracked):], extra.values(),
                                                                 strict=True)]  # fmt: skip
    with transaction.atomic(using=using, savepoint=False):
        _assign_keys(connection, model, objs)
        for o in objs:
            for name in stamped:
                setattr(o, name, now)
            for f in own_pre_save:
                setattr(o, f.attname, f.pre_save(o, True))
        # Column by column, batch by batch: each value is turned into text once, for the row and for its
        # history row (which repeats the tracked fields), by a conversion chosen for the column.
        for start in range(0, len(objs), COPY_BATCH):
            batch = objs[start : start + COPY_BATCH]
            text = {f.attname: _column_text(f, [getattr(o, f.attname) for o in batch], connection) for f in fields}
            _copy(connection, model._meta.db_table, fields, [text[f.attname] for f in fields])
            n = len(batch)
            _copy(
                connection,
                history_model._meta.db_table,
                history_fields,
                [text[name] for name in tracked] + [[value] * n for value in constants],
            )
            del text
            if progress:
                progress(start + n)
    for o in objs:
        o._state.adding = False
        o._state.db = using
    return objs


def _assign_keys(connection, model, objs: list) -> None:
    pk = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(objs)],
        )
        keys = [row[0] for row in cursor.fetchall()]
    for o, key in zip(objs, keys, strict=True):
        setattr(o, pk.attname, key)


def _copy(connection, table: str, fields: list, columns: list[list[str]]) -> None:
    """COPY one batch into `table`: `columns` holds, for each of `fields` in order, its values as COPY text."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    buffer = io.StringIO()
    buffer.writelines(f"{line}\n" for line in map("\t".join, zip(*columns, strict=True)))
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, buffer)  # the driver's cursor under Django's wrapper


def _column_text(field, values: list, connection) -> list[str]:
    """A column's values in COPY's text format. Text and whole numbers have a direct path; anything else
    (dates, decimals, None, UUIDs, JSON) goes through `_text`, once per distinct value where values can
    be told apart (the insert's one timestamp, a default repeated on every row)."""
    kinds = {value.__class__ for value in values}
    if kinds == {str}:
        return [value.translate(_ESCAPES) for value in values]
    if kinds == {int} or kinds == {uuid.UUID}:
        return list(map(str, values))
    if kinds <= {Decimal, type(None)}:  # coordinates: fixed-point text, NULL where missing
        return ["\\N" if value is None else format(value, "f") for value in values]
    seen: dict = {}
    out = []
    for value in values:
        if value.__class__ not in _MEMO:  # a Decimal keeps its scale (1.0 == 1.00), a JSON value has no hash
            out.append(_text(field, value, connection))
            continue
        key = (value.__class__, value)
        text = seen.get(key)
        if text is None:
            text = seen[key] = _text(field, value, connection)
        out.append(text)
    return out


_MEMO = {type(None), bool, int, str, datetime.datetime, datetime.date, uuid.UUID}


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(field, value, connection) -> str:
    """One value in COPY's text format: NULL as \\N, backslash, tab and line ends escaped."""
    if value is not None and not isinstance(value, str | int | Decimal | datetime.datetime | uuid.UUID):
        value = field.get_db_prep_save(value, connection)
    if hasattr(value, "adapted") and hasattr(value, "dumps"):  # psycopg2's Json, from a JSONField
        value = value.dumps(value.adapted)
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
