"""Accent- and case-insensitive search in the partners app (PostgreSQL; SQLite needs nothing here).

- The engagement log's stored `search_document` (0003) is built from normalised text
  (`mandate_normalise`, missions 0010), and `partners.selectors.search_engagements` normalises the query
  the same way: "solidarite" finds "Solidarité".
- Trigram indexes on the normalised partner name and acronym: the registry's substring search and the
  log's "engagements of the partners this names" stay index scans on large registries.
"""

from django.db import migrations

from missions.search import SQL_FUNCTION, create_trigram_indexes, drop_indexes

OLD_DOCUMENT = (
    "to_tsvector('simple', coalesce({row}summary, '') || ' ' || coalesce({row}outcomes, '') || ' ' "
    "|| coalesce({row}topics, ''))"
)
DOCUMENT = (
    f"to_tsvector('simple', {SQL_FUNCTION}(coalesce({{row}}summary, '') || ' ' || coalesce({{row}}outcomes, '') "
    "|| ' ' || coalesce({row}topics, '')))"
)
TRIGGER_FUNCTION = """
    CREATE OR REPLACE FUNCTION partners_engagement_search_document() RETURNS trigger AS $$
    BEGIN
        NEW.search_document := {document};
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
"""
INDEXES = [
    ("partner_name_search_trgm", "partners_partner", "name"),
    ("partner_acronym_search_trgm", "partners_partner", "acronym"),
]


def _document(document: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(TRIGGER_FUNCTION.format(document=document.format(row="NEW.")))
        schema_editor.execute(f"UPDATE partners_engagement SET search_document = {document.format(row='')}")

    return run


def forward(apps, schema_editor):
    _document(DOCUMENT)(apps, schema_editor)
    create_trigram_indexes(schema_editor, INDEXES)


def backward(apps, schema_editor):
    drop_indexes(schema_editor, INDEXES)
    _document(OLD_DOCUMENT)(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("partners", "0004_verbose_names"), ("missions", "0010_search")]

    operations = [migrations.RunPython(forward, backward)]
