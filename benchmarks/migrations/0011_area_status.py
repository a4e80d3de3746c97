import datetime

import django.db.models.deletion
from django.db import migrations, models


def rebuild(apps, schema_editor):
    # Derived data, built with the code the services use afterwards (see 0006). That code keeps the area
    # statuses with their monthly changes, a table 0012 makes: 0012 builds both, then the rollups.
    pass


class Migration(migrations.Migration):
    """`DistrictStatus` becomes `AreaStatus`: one row per benchmark and region or district assessed for it,
    with the newest assessment's status, progress and date there, so the dashboard narrowed to a region
    reads it as the district map does (benchmarks.summaries)."""

    dependencies = [
        ("benchmarks", "0010_current_status_and_rollups"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="districtstatus", name="districtstatus_once"),
        migrations.RenameModel(old_name="DistrictStatus", new_name="AreaStatus"),
        migrations.RenameField(model_name="areastatus", old_name="district", new_name="area"),
        migrations.AlterField(
            model_name="areastatus",
            name="area",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="missions.location",
                verbose_name="area",
            ),
        ),
        migrations.AlterField(
            model_name="areastatus",
            name="benchmark",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="area_statuses",
                to="benchmarks.benchmark",
                verbose_name="benchmark",
            ),
        ),
        # Defaults for the rows there are, rebuilt below.
        migrations.AddField(
            model_name="areastatus",
            name="progress",
            field=models.PositiveSmallIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="areastatus",
            name="assessed_on",
            field=models.DateField(default=datetime.date(1900, 1, 1)),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="areastatus",
            constraint=models.UniqueConstraint(fields=("area", "benchmark"), name="areastatus_once"),
        ),
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]
