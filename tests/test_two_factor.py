"""Two-factor authentication (django-otp): required for the HoM, HQ readers and superusers, optional for
others; set-up with a QR code and recovery codes; the step after the password; API tokens unaffected.
Also the idle timeout and "sign out everywhere"."""

import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import services
from mandate import access
from missions.models import ApiToken, AuditEvent
from missions.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _enforced(settings):
    settings.TWO_FACTOR_ENFORCED = True


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def _unthrottle(device: TOTPDevice) -> None:
    # django-otp makes a device wait after a wrong code (1 s, then doubling): the tests do not wait.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)  # fires user_logged_in, as a password sign-in does
    return client


def test_the_hom_hq_and_superusers_must_use_two_factor_and_others_need_not(users, admin_user):
    required = {role for role, user in users.items() if access.must_use_two_factor(user)}

    assert required == {"hom", "hq", "outsider"}  # the outsider is HoM of another mission
    assert access.must_use_two_factor(admin_user)


def test_a_hom_without_an_authenticator_sets_one_up_before_anything_else(hom):
    client = _signed_in(hom)

    response = client.get(reverse("benchmarks:dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-setup"))

    page = client.get(response.url)
    html = page.content.decode()
    assert "<svg" in html and "</svg>" in html  # the QR code, drawn on the server
    assert page.context["secret"].replace(" ", "") in html.replace(" ", "")
    device = TOTPDevice.objects.get(user=hom, confirmed=False)

    assert client.post(response.url, {"code": "000000"}).status_code == 200  # a wrong code: the form again
    _unthrottle(device)
    done = client.post(response.url, {"code": _code(device), "next": "/benchmarks/"})

    codes = done.context["codes"]
    assert len(codes) == services.RECOVERY_CODE_COUNT and all(
        re.fullmatch(r"[0-9a-f]{6}-[0-9a-f]{6}", c) for c in codes
    )
    assert StaticToken.objects.filter(device__user=hom).count() == len(codes)
    assert client.get(reverse("benchmarks:dashboard")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TWO_FACTOR_ENROLLED, user=hom).exists()
    # Shown once: the security page says how many are left, not which.
    assert codes[0] not in client.get(reverse("account-security")).content.decode()


def test_until_the_second_step_the_header_offers_no_way_into_the_site(hom):
    device = _device(hom)
    client = _signed_in(hom)

    waiting = client.get(reverse("two-factor-verify")).content.decode()
    assert 'aria-label="Main"' not in waiting and reverse("tokens") not in waiting
    assert reverse("logout") in waiting  # signing out stays possible
    client.post(reverse("two-factor-verify"), {"code": _code(device)})
    home = client.get(reverse("home")).content.decode()
    assert 'aria-label="Main"' in home and reverse("tokens") in home


def test_after_the_password_a_user_with_an_authenticator_enters_a_code(hom):
    device = _device(hom)
    client = _signed_in(hom)

    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-verify"))
    wrong = client.post(reverse("two-factor-verify"), {"code": "123456"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert client.get(reverse("home")).status_code == 302
    _unthrottle(device)

    right = client.post(reverse("two-factor-verify") + "?next=/reports/", {"code": _code(device), "next": "/reports/"})

    assert right.status_code == 302 and right.url == "/reports/"
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TWO_FACTOR_FAILED, user=hom).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TWO_FACTOR_VERIFIED, user=hom).count() == 1


def test_a_recovery_code_signs_in_once(hom):
    _device(hom)
    codes = services.recovery_codes_regenerate(user=hom)

    first = _signed_in(hom)
    assert first.post(reverse("two-factor-verify"), {"code": codes[0].upper()}).status_code == 302
    assert first.get(reverse("home")).status_code == 200
    second = _signed_in(hom)
    assert second.post(reverse("two-factor-verify"), {"code": codes[0]}).status_code == 200  # used up
    assert second.get(reverse("home")).status_code == 302


def test_the_next_address_cannot_send_the_user_to_another_site(hom):
    device = _device(hom)
    client = _signed_in(hom)

    response = client.post(reverse("two-factor-verify"), {"code": _code(device), "next": "https://evil.example/"})

    assert response.url == reverse("home")


def test_the_admin_waits_for_the_second_factor(admin_user):
    _device(admin_user)
    client = _signed_in(admin_user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-verify"))


def test_an_unverified_session_gets_no_api_data_but_tokens_work(hom):
    _device(hom)
    client = _signed_in(hom)
    _token, key = api_token_create(user=hom, name="script")

    response = client.get("/api/v1/missions/")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 403 and "second factor" in response.json()["detail"]
    assert api.get("/api/v1/missions/").status_code == 200


def test_a_stolen_password_alone_cannot_replace_the_authenticator(hom):
    device = _device(hom)
    client = _signed_in(hom)

    response = client.get(reverse("two-factor-setup"))

    assert response.status_code == 302 and response.url == reverse("two-factor-verify")
    assert list(TOTPDevice.objects.filter(user=hom)) == [device]


def test_others_may_turn_two_factor_on_and_off(civilaffairs):
    client = _signed_in(civilaffairs)
    assert client.get(reverse("home")).status_code == 200  # not required
    client.get(reverse("two-factor-setup"))
    device = TOTPDevice.objects.get(user=civilaffairs)
    client.post(reverse("two-factor-setup"), {"code": _code(device)})

    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # a second sign-in within the same 30 s
    again = _signed_in(civilaffairs)
    assert again.get(reverse("home")).status_code == 302  # chosen: asked for from now on
    again.post(reverse("two-factor-verify"), {"code": _code(device)})
    assert again.post(reverse("two-factor-disable")).status_code == 302

    assert not TOTPDevice.objects.filter(user=civilaffairs).exists()
    assert _signed_in(civilaffairs).get(reverse("home")).status_code == 200


def test_a_user_who_must_use_two_factor_cannot_turn_it_off(hom):
    device = _device(hom)
    client = _signed_in(hom)
    client.post(reverse("two-factor-verify"), {"code": _code(device)})

    assert client.post(reverse("two-factor-disable")).status_code == 404
    assert TOTPDevice.objects.filter(user=hom).exists()


def test_the_demo_users_who_need_it_get_the_published_demo_authenticator(users, settings, capsys):
    settings.DEBUG, settings.PRODUCTION = False, False  # `make run`: DEBUG unset
    names = services.demo_two_factor_ensure(usernames=list(users), secret_base32=settings.DEMO_TOTP_SECRET)
    assert names == ["hom", "hq", "outsider"]

    call_command("demo_totp")
    code = capsys.readouterr().out.split()[0]
    client = _signed_in(users["hom"])

    assert client.post(reverse("two-factor-verify"), {"code": code}).status_code == 302
    assert client.get(reverse("home")).status_code == 200


# --- sessions -------------------------------------------------------------------------------------


def test_a_session_idle_longer_than_the_timeout_is_signed_out(civilaffairs, settings):
    settings.SESSION_IDLE_TIMEOUT = 3600
    client = _signed_in(civilaffairs)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[services.LAST_SEEN_KEY] = int(time.time()) - 3601
    session.save()

    response = client.get(reverse("home"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert SESSION_KEY not in client.session


def test_activity_keeps_the_session_alive(civilaffairs, settings):
    settings.SESSION_IDLE_TIMEOUT = 3600
    client = _signed_in(civilaffairs)
    session = client.session
    session[services.LAST_SEEN_KEY] = int(time.time()) - 3000
    session.save()

    assert client.get(reverse("home")).status_code == 200  # refreshes the clock
    assert client.session[services.LAST_SEEN_KEY] > time.time() - 10


def test_sign_out_everywhere_ends_every_session_and_can_revoke_tokens(civilaffairs):
    laptop, phone = _signed_in(civilaffairs), _signed_in(civilaffairs)
    api_token_create(user=civilaffairs, name="script")

    response = laptop.post(reverse("sign-out-everywhere"), {"revoke_tokens": "on"})

    assert response.status_code == 302 and response.url == reverse("login")
    assert phone.get(reverse("home")).status_code == 302
    assert laptop.get(reverse("home")).status_code == 302
    assert not ApiToken.objects.filter(user=civilaffairs, revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SIGNED_OUT_EVERYWHERE, user=civilaffairs).exists()


def test_sign_out_everywhere_keeps_tokens_unless_asked(civilaffairs):
    client = _signed_in(civilaffairs)
    api_token_create(user=civilaffairs, name="script")

    client.post(reverse("sign-out-everywhere"))

    assert ApiToken.objects.filter(user=civilaffairs, revoked_at__isnull=True).exists()


def test_the_demo_code_is_refused_in_production(users, settings):
    settings.PRODUCTION = True
    services.demo_two_factor_ensure(usernames=list(users), secret_base32=settings.DEMO_TOTP_SECRET)
    with pytest.raises(CommandError, match="production"):
        call_command("demo_totp")
