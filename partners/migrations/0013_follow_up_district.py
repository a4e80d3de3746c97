# The follow-ups' area, kept on each follow-up (its engagement's), for the overdue follow-ups of a region or
# district read from the mission's index; the index carries it.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Engagement = apps.get_model("partners", "Engagement")
    apps.get_model("partners", "FollowUp").objects.update(
        district_id=Subquery(Engagement.objects.filter(pk=OuterRef("engagement_id")).values("district_id")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ("missions", "0012_importjob_language"),
        ("partners", "0012_follow_up_overdue_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="district",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="missions.location",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="followup", name="followup_mission_open_owner"),
        migrations.AddIndex(
            model_name="followup",
            index=models.Index(
                fields=["mission", "status", "due_date"],
                include=("owner", "partner", "district"),
                name="followup_mission_open_area",
            ),
        ),
    ]
