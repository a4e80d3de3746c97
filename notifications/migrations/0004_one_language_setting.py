"""One language setting per person: the header's (missions.Profile.language) now also decides the language of
their mail. A language chosen only in the email settings moves to the profile; a header choice, when both
exist, wins (it is what the person sees every day)."""

from django.db import migrations


def move_to_profile(apps, schema_editor):
    Settings = apps.get_model("notifications", "Settings")
    Profile = apps.get_model("missions", "Profile")
    for user_id, language in Settings.objects.exclude(language="").values_list("user_id", "language"):
        profile, _created = Profile.objects.get_or_create(user_id=user_id)
        if not profile.language:
            profile.language = language
            profile.save(update_fields=["language"])


def back_to_settings(apps, schema_editor):
    Settings = apps.get_model("notifications", "Settings")
    Profile = apps.get_model("missions", "Profile")
    for user_id, language in Profile.objects.exclude(language="").values_list("user_id", "language"):
        Settings.objects.update_or_create(user_id=user_id, defaults={"language": language})


class Migration(migrations.Migration):
    dependencies = [
        ("missions", "0007_verbose_names"),
        ("notifications", "0003_narrative_and_comment_kinds"),
    ]

    operations = [
        migrations.RunPython(move_to_profile, back_to_settings),
        migrations.RemoveField(model_name="settings", name="language"),
    ]
