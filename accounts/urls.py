from django.urls import path

from accounts import views

urlpatterns = [
    # Open to a session that passed the password but not yet the second factor (accounts.middleware).
    path("accounts/two-factor/", views.two_factor_verify, name="two-factor-verify"),
    path("accounts/two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    # Behind the second factor.
    path("account/security/", views.security, name="account-security"),
    path("account/security/recovery-codes/", views.recovery_codes_regenerate, name="recovery-codes"),
    path("account/security/two-factor/off/", views.two_factor_disable, name="two-factor-disable"),
    path("account/security/sign-out-everywhere/", views.sign_out_everywhere, name="sign-out-everywhere"),
]
