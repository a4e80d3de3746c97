import django.db.models.deletion
from django.db import migrations, models


def rebuild(apps, schema_editor):
    # Derived data, built with the code the services use afterwards (see 0006): every benchmark's newest
    # assessment and monthly status changes in each region and district, then the rollups read from them
    # (nothing on an empty database).
    from benchmarks.summaries import area_status_rebuild, rollup_refresh
    from missions.models import Mission

    area_status_rebuild()
    rollup_refresh(Mission.objects.values_list("pk", flat=True))


class Migration(migrations.Migration):
    """The monthly status changes of each benchmark in each region and district (`AreaStatusChange`), for
    the trend of the dashboard narrowed to an area (benchmarks.summaries)."""

    dependencies = [
        ('benchmarks', '0011_area_status'),
        ('missions', '0011_importjob_auto_confirm'),
    ]

    operations = [
        migrations.CreateModel(
            name='AreaStatusChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField()),
                ('status', models.CharField(choices=[('not_started', 'Not started'), ('on_track', 'On track'), ('at_risk', 'At risk'), ('off_track', 'Off track'), ('achieved', 'Achieved')], max_length=12)),
                ('replaced', models.CharField(blank=True, choices=[('not_started', 'Not started'), ('on_track', 'On track'), ('at_risk', 'At risk'), ('off_track', 'Off track'), ('achieved', 'Achieved')], max_length=12)),
                ('area', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='missions.location', verbose_name='area')),
                ('benchmark', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='benchmarks.benchmark', verbose_name='benchmark')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('area', 'benchmark', 'month'), name='areastatuschange_once_a_month')],
            },
        ),
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]
