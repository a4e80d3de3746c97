"""After saving a record from a filtered or paged list, the user is back on that page of that list."""

import pytest
from django.urls import reverse

from elections.views import PAGE_SIZE
from tests.elections_support import build_election
from tests.factories import SecurityTaskFactory


@pytest.fixture
def e(mission, district):
    election = build_election(mission, district)
    SecurityTaskFactory.create_batch(PAGE_SIZE + 5, security_plan=election["security"], provider="mission_police")
    return election


def _edit_data(task) -> dict:
    return {
        "version": task.version,
        "task_type": task.task_type,
        "provider": task.provider,
        "phase": task.phase,
        "start": "2027-03-14T06:00",
        "end": "2027-03-14T18:00",
    }


def test_saving_a_task_from_page_two_of_a_filtered_list_returns_to_that_page(client, electoral, e):
    client.force_login(electoral)
    listed = reverse("elections:task-list", args=[e["security"].pk]) + "?provider=mission_police&page=2"
    page = client.get(listed)
    task = list(page.context["page"])[0]
    edit_link = reverse("elections:task-edit", args=[task.pk]) + "?next="
    body = page.content.decode()
    assert edit_link in body  # the list's links carry where they came from

    form = client.get(reverse("elections:task-edit", args=[task.pk]), {"next": listed})
    assert f'name="next" value="{listed.replace("&", "&amp;")}"' in form.content.decode()
    response = client.post(reverse("elections:task-edit", args=[task.pk]), {**_edit_data(task), "next": listed})

    assert response.status_code == 302
    assert response.url == listed


def test_a_next_address_on_another_site_is_ignored(client, electoral, e):
    client.force_login(electoral)
    task = e["security"].tasks.first()
    response = client.post(
        reverse("elections:task-edit", args=[task.pk]), {**_edit_data(task), "next": "https://evil.example/x"}
    )
    assert response.status_code == 302
    assert response.url == reverse("elections:task-list", args=[e["security"].pk])


def test_removing_a_task_from_page_two_of_a_filtered_list_returns_to_that_page(client, electoral, e):
    client.force_login(electoral)
    listed = reverse("elections:task-list", args=[e["security"].pk]) + "?provider=mission_police&page=2"
    task = list(client.get(listed).context["page"])[0]
    form = client.get(reverse("elections:task-edit", args=[task.pk]), {"next": listed}).content.decode()
    assert form.count(f'name="next" value="{listed.replace("&", "&amp;")}"') == 2  # the save and the remove forms

    response = client.post(
        reverse("elections:item-delete", args=["task", task.pk]), {"version": task.version, "next": listed}
    )

    assert response.status_code == 302
    assert response.url == listed
