"""Full-text search of the engagement log from a stored tsvector column (PostgreSQL only).

The expression index of 0002 let PostgreSQL find rare words, but for common words the planner walks
the log newest first and had to compute to_tsvector() for every row it looked at. A stored column,
kept by a trigger, makes that check cheap and keeps the GIN index for rare words. The column is not
a model field: Django never reads or writes it (list pages do not carry it), the trigger fills it,
and `partners.selectors.search_engagements` queries it. SQLite has neither column nor trigger and
searches with `icontains`.
"""

from django.db import migrations

DOCUMENT = (
    "to_tsvector('simple', coalesce({row}summary, '') || ' ' || coalesce({row}outcomes, '') || ' ' "
    "|| coalesce({row}topics, ''))"
)

FORWARD = [
    "ALTER TABLE partners_engagement ADD COLUMN search_document tsvector",
    f"""
    CREATE FUNCTION partners_engagement_search_document() RETURNS trigger AS $$
    BEGIN
        NEW.search_document := {DOCUMENT.format(row="NEW.")};
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER partners_engagement_search_document
    BEFORE INSERT OR UPDATE OF summary, outcomes, topics ON partners_engagement
    FOR EACH ROW EXECUTE FUNCTION partners_engagement_search_document()
    """,
    f"UPDATE partners_engagement SET search_document = {DOCUMENT.format(row='')}",
    "CREATE INDEX engagement_search_document_gin ON partners_engagement USING gin (search_document)",
    "DROP INDEX IF EXISTS engagement_search_gin",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS partners_engagement_search_document ON partners_engagement",
    "DROP FUNCTION IF EXISTS partners_engagement_search_document()",
    "DROP INDEX IF EXISTS engagement_search_document_gin",
    "ALTER TABLE partners_engagement DROP COLUMN IF EXISTS search_document",
    f"CREATE INDEX IF NOT EXISTS engagement_search_gin ON partners_engagement USING gin ({DOCUMENT.format(row='')})",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("partners", "0002_engagement_indexes_and_search")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
