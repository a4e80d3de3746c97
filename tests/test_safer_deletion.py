"""Deleting asks first when it takes other rows with it, and says which (issue 15, point 8)."""

import pytest
from django.urls import reverse

from elections import services
from elections.models import PollingSite, SecurityTask
from missions.deletion import DeletionNeedsConfirmation, dependents_of

pytestmark = pytest.mark.django_db


def test_a_sites_dependents_are_its_security_tasks_not_its_threat_links(e):
    dependents = dependents_of(e["site"])
    assert [(d.label, d.count) for d in dependents] == [("security task", 1)]
    assert dependents_of(e["sites"][1]) == []


def test_the_service_refuses_to_delete_a_site_with_tasks_unless_confirmed(e, electoral):
    site, version = e["site"], e["site"].version
    with pytest.raises(DeletionNeedsConfirmation) as asked:
        services.plan_item_delete(item=site, user=electoral, expected_version=version)
    assert "1 security task" in str(asked.value)
    assert PollingSite.objects.filter(pk=site.pk).exists() and SecurityTask.objects.filter(pk=e["task"].pk).exists()

    site.refresh_from_db()
    services.plan_item_delete(item=site, user=electoral, expected_version=version, confirmed=True)
    assert not PollingSite.objects.filter(pk=site.pk).exists()
    assert not SecurityTask.objects.filter(pk=e["task"].pk).exists()


def test_the_page_says_what_goes_with_a_site_and_deletes_only_once_confirmed(client, electoral, e):
    site, task = e["site"], e["task"]
    client.force_login(electoral)
    url = reverse("elections:item-delete", args=["site", site.pk])

    asked = client.post(url, {"version": site.version})
    assert asked.status_code == 409
    body = asked.content.decode()
    assert "1 security task" in body and str(task) in body and 'name="confirm" value="1"' in body
    assert PollingSite.objects.filter(pk=site.pk).exists()

    done = client.post(url, {"version": site.version, "confirm": "1"})
    assert done.status_code == 302
    assert not PollingSite.objects.filter(pk=site.pk).exists() and not SecurityTask.objects.filter(pk=task.pk).exists()


def test_a_site_nothing_depends_on_is_removed_at_once(client, electoral, e):
    site = e["sites"][1]
    client.force_login(electoral)
    response = client.post(reverse("elections:item-delete", args=["site", site.pk]), {"version": site.version})
    assert response.status_code == 302
    assert not PollingSite.objects.filter(pk=site.pk).exists()


def test_removing_a_plan_item_without_a_version_is_refused(client, electoral, e):
    site = e["sites"][1]
    client.force_login(electoral)
    assert client.post(reverse("elections:item-delete", args=["site", site.pk])).status_code == 400
    assert PollingSite.objects.filter(pk=site.pk).exists()


@pytest.fixture
def contact(partner_a):
    from partners.models import Contact

    return Contact.objects.create(partner=partner_a, name="Amina Diallo", position="Coordinator")


def test_removing_a_contact_checks_its_version(client, civilaffairs, contact):
    from partners.models import Contact

    client.force_login(civilaffairs)
    url = reverse("partners:contact-edit", args=[contact.pk])
    Contact.objects.filter(pk=contact.pk).update(version=contact.version + 1)  # someone saved it meanwhile

    stale = client.post(url, {"delete": "1", "version": contact.version}, follow=True)
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert "Someone else changed this record" in stale.content.decode()
    assert client.post(url, {"delete": "1"}).status_code == 400
    assert client.post(url, {"delete": "1", "version": "abc"}).status_code == 400

    client.post(url, {"delete": "1", "version": contact.version + 1})
    assert not Contact.objects.filter(pk=contact.pk).exists()
