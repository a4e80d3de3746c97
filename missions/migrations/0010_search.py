"""mandate_normalise(text) on PostgreSQL: the database side of missions.search.normalise.

`lower(unaccent(text))` in an IMMUTABLE SQL function, so that expression indexes (trigram, full text) can
be built on it: unaccent() itself is only STABLE, because its dictionary could change; calling it with an
explicit, schema-qualified dictionary is the documented way to wrap it. The `unaccent` and `pg_trgm`
extensions are created when the database user may (a superuser, or a trusted-extension owner); when it
may not and no administrator created them, the function falls back to `translate()` over the Latin letters
missions.search knows, and the apps' migrations skip their trigram indexes: search then still ignores
accents and case, only without the indexes. SQLite defines the function on each connection instead
(missions.search.register_sqlite_function): nothing to do here.
"""

from django.db import migrations, transaction

from missions.search import SQL_FUNCTION, translate_tables


def extension_schema(connection, name: str) -> str | None:
    """Create extension `name` if allowed (in a savepoint, so a refusal does not abort the migration) and
    return the schema it lives in, or None when it is not installed."""
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
    except Exception:  # noqa: BLE001 - insufficient privilege or extension not available on this server
        pass
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = %s",
            [name],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    schema = extension_schema(connection, "unaccent")
    extension_schema(connection, "pg_trgm")  # used by the apps' search indexes when present
    if schema:
        body = f"SELECT lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1))"
    else:
        source, target = translate_tables()
        body = f"SELECT lower(translate($1, '{source}', '{target}'))"
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {SQL_FUNCTION}(text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ {body} $$"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {SQL_FUNCTION}(text)")


class Migration(migrations.Migration):
    dependencies = [("missions", "0009_import_job_from_commands")]

    operations = [migrations.RunPython(forward, backward)]
