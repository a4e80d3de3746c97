"""One language setting per person (issue 11): the email language chosen in the old notification settings moves
to the profile the header's switch saves, unless the person already chose one there."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("notifications", "0003_narrative_and_comment_kinds")]
AFTER = [("notifications", "0004_one_language_setting")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_email_language_moves_to_the_profile_and_a_header_choice_wins():
    old = _migrate(BEFORE)
    try:
        User = old.get_model("auth", "User")
        Settings, Profile = old.get_model("notifications", "Settings"), old.get_model("missions", "Profile")
        only_email, both, neither = (User.objects.create(username=n) for n in ("only_email", "both", "neither"))
        Settings.objects.create(user=only_email, language="fr")
        Settings.objects.create(user=both, language="fr")
        Profile.objects.create(user=both, language="en")
        Settings.objects.create(user=neither, language="")

        new = _migrate(AFTER)

        languages = dict(new.get_model("missions", "Profile").objects.values_list("user__username", "language"))
        assert languages == {"only_email": "fr", "both": "en"}
        fields = {f.name for f in new.get_model("notifications", "Settings")._meta.get_fields()}
        assert "language" not in fields
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
