"""Brute-force protection (django-axes): lockout per account and per address, on the site and admin logins;
unlocked by time or by an administrator."""

import datetime

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "right-password-1"


@pytest.fixture
def account(hom):
    hom.set_password(PASSWORD)
    hom.save()
    return hom


def _login(client, username, password, ip="10.1.1.1", url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _fail(client, username, times, ip="10.1.1.1", url=None):
    for _ in range(times):
        assert _login(client, username, "wrong", ip=ip, url=url).status_code in {200, 429}


def test_the_right_password_is_refused_after_the_failure_limit_with_a_clear_message(client, account):
    _fail(client, account.username, settings.AXES_FAILURE_LIMIT - 1)
    # Still allowed just under the limit: a person who mistypes is not punished.
    assert _login(client, account.username, PASSWORD).status_code == 302
    client.logout()
    _fail(client, account.username, 1)

    response = _login(client, account.username, PASSWORD)

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_account_is_locked_from_every_address(client, account):
    _fail(client, account.username, settings.AXES_FAILURE_LIMIT, ip="10.1.1.1")

    assert _login(client, account.username, PASSWORD, ip="10.9.9.9").status_code == 429


def test_an_address_is_locked_for_every_account_after_guessing_across_accounts(client, account):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail(client, f"someone{n}", 1, ip="10.2.2.2")

    assert _login(client, account.username, PASSWORD, ip="10.2.2.2").status_code == 429
    assert _login(client, account.username, PASSWORD, ip="10.3.3.3").status_code == 302


def test_the_admin_login_is_protected_by_the_same_count(client, account):
    account.is_staff = account.is_superuser = True
    account.save()
    admin_login = reverse("admin:login")
    _fail(client, account.username, settings.AXES_FAILURE_LIMIT - 2, url=admin_login)
    _fail(client, account.username, 2)  # the site login counts towards the same limit

    response = _login(client, account.username, PASSWORD, url=admin_login)

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_the_lock_ends_after_the_cool_off_time(client, account):
    _fail(client, account.username, settings.AXES_FAILURE_LIMIT)
    assert _login(client, account.username, PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - settings.AXES_COOLOFF_TIME)

    assert _login(client, account.username, PASSWORD).status_code == 302


def test_an_administrator_can_unlock_an_account(client, account, admin_client):
    _fail(client, account.username, settings.AXES_FAILURE_LIMIT)
    assert admin_client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200

    reset(username=account.username)  # what deleting the rows in the admin's "Access attempts" does

    assert _login(client, account.username, PASSWORD).status_code == 302
