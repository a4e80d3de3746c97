from django.db import migrations, models


def rebuild(apps, schema_editor):
    # Derived data: the summary's `partner_set` and `district_set` become bitmaps (partners.summaries.pack)
    # and its `areas` counts get their packed form (`area_counts`, partners.summaries.pack_areas), rebuilt from the log with the code the services use afterwards (nothing on an empty database). A later
    # migration that changes the tables this code reads must move the building after itself.
    from missions.models import Mission
    from partners.summaries import months_rebuild

    for mission_id in Mission.objects.values_list("pk", flat=True):
        months_rebuild(mission_id)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0010_follow_up_mission"),
    ]

    operations = [
        migrations.AddField(
            model_name="engagementmonth",
            name="area_counts",
            field=models.BinaryField(default=b""),
        ),
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]
