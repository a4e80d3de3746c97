"""The second sign-in step, two-factor set-up, and the account's security page."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import user_has_device

from accounts import services
from accounts.forms import CodeForm, SignOutEverywhereForm
from mandate import access
from missions.edit import return_url


def _next_url(request) -> str:
    return return_url(request, "home")


def _qr_svg(data: str) -> str:
    """The QR code as inline SVG markup, drawn here (no external service, nothing for the CSP to allow)."""
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="svg", xmldecl=False, scale=5, border=2, title=_("QR code"))
    return out.getvalue().decode()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The step after the password for a user with an authenticator."""
    if not user_has_device(request.user, confirmed=True):
        return redirect("two-factor-setup")
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.two_factor_verify(request=request, token=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not valid (or was already used). Wait for the next code and try again."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": request.GET.get("next", "")})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Set up an authenticator app: QR code and secret, then a code to confirm; recovery codes shown once.

    Someone who has an authenticator already must be verified first, so a stolen password alone cannot
    replace it.
    """
    if user_has_device(request.user, confirmed=True) and not request.user.is_verified():
        return redirect("two-factor-verify")
    device = services.totp_setup_start(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_setup_confirm(request=request, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            # Rendered on this response only: the codes never sit in the session or a later page.
            context = {"codes": codes, "continue_url": resolve_url(_next_url(request))}
            return render(request, "accounts/recovery_codes.html", context)
        form.add_error("code", _("That code does not match. Check the time on your phone and try the next code."))
    context = {
        "form": form,
        "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - markup made by segno from our data
        "secret": services.totp_secret_base32(device),
        "required": access.must_use_two_factor(request.user),
        "next": request.GET.get("next", ""),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@never_cache
@login_required
def security(request):
    """The account's security page: two-factor status, recovery codes, sign out everywhere."""
    has_device = user_has_device(request.user, confirmed=True)
    context = {
        "has_device": has_device,
        "required": access.must_use_two_factor(request.user),
        "codes_left": services.recovery_codes_left(request.user) if has_device else 0,
        "sign_out_form": SignOutEverywhereForm(),
    }
    return render(request, "accounts/security.html", context)


@login_required
@require_POST
def recovery_codes_regenerate(request):
    if not user_has_device(request.user, confirmed=True):
        raise Http404
    codes = services.recovery_codes_regenerate(user=request.user)
    context = {"codes": codes, "continue_url": resolve_url("account-security")}
    return render(request, "accounts/recovery_codes.html", context)


@login_required
@require_POST
def two_factor_disable(request):
    if access.must_use_two_factor(request.user):
        raise Http404
    services.two_factor_disable(user=request.user)
    messages.success(request, _("Two-factor authentication is off for your account."))
    return redirect("account-security")


@login_required
@require_POST
def sign_out_everywhere(request):
    form = SignOutEverywhereForm(request.POST)
    revoke = form.is_valid() and form.cleaned_data["revoke_tokens"]
    services.sign_out_everywhere(request=request, revoke_tokens=revoke)
    logout(request)
    messages.success(request, _("You are signed out on every device. Sign in again to continue."))
    return redirect("login")
