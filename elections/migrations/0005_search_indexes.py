"""Trigram indexes for the polling-site search (code or name, accents and case aside; PostgreSQL with
pg_trgm only, see missions.search.create_trigram_indexes): a national list has 200,000 sites, and
`LIKE '%word%'` on the normalised text would otherwise read them all."""

from django.db import migrations

from missions.search import create_trigram_indexes, drop_indexes

INDEXES = [
    ("pollingsite_name_search_trgm", "elections_pollingsite", "name"),
    ("pollingsite_code_search_trgm", "elections_pollingsite", "code"),
]


class Migration(migrations.Migration):
    dependencies = [("elections", "0004_verbose_names"), ("missions", "0010_search")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: create_trigram_indexes(schema_editor, INDEXES),
            lambda apps, schema_editor: drop_indexes(schema_editor, INDEXES),
        )
    ]
