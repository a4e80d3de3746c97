import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["ok"] is True


def test_home_page_shows_each_role_only_its_sections(client, users):
    client.force_login(users["partner1"])
    body = client.get(reverse("home")).content.decode()
    assert reverse("partners:portal") in body
    assert reverse("benchmarks:dashboard") not in body
    client.force_login(users["hom"])
    body = client.get(reverse("home")).content.decode()
    assert reverse("benchmarks:dashboard") in body


def test_home_page_tells_hq_it_reads_released_reports_and_staff_that_they_generate_them(client, users):
    client.force_login(users["hq"])
    assert "Progress reports released to Headquarters." in client.get(reverse("home")).content.decode()
    client.force_login(users["civilaffairs"])
    assert "generate, review, sign off" in client.get(reverse("home")).content.decode()
