# The follow-ups' mission, kept on each follow-up (its engagement's), for the per-mission overdue counts.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Engagement = apps.get_model("partners", "Engagement")
    for name in ("FollowUp", "HistoricalFollowUp"):
        apps.get_model("partners", name).objects.update(
            mission_id=Subquery(Engagement.objects.filter(pk=OuterRef("engagement_id")).values("mission_id")[:1])
        )


class Migration(migrations.Migration):

    dependencies = [
        ("missions", "0012_importjob_language"),
        ("partners", "0009_engagement_month_sets"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="mission",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="missions.mission",
            ),
        ),
        migrations.AddField(
            model_name="historicalfollowup",
            name="mission",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="missions.mission",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="followup",
            name="mission",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="missions.mission",
            ),
        ),
        migrations.AddIndex(
            model_name="followup",
            index=models.Index(fields=["mission", "status", "due_date"], name="followup_mission_open"),
        ),
    ]
