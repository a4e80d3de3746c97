from django.db import migrations


def backfill(apps, schema_editor):
    # The summaries are derived data: build them once for the plans that exist, with the same code the
    # services use afterwards. It reads and writes explicit columns only, and does nothing on an empty
    # database, so later changes to these models do not break a fresh migrate.
    from benchmarks.summaries import trend_rebuild

    trend_rebuild()


class Migration(migrations.Migration):
    dependencies = [("benchmarks", "0005_trend_summaries")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
