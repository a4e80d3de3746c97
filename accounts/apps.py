from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Signing in and staying signed in safely: lockout, two-factor authentication, session limits, headers."""

    name = "accounts"
    verbose_name = _("Accounts and sign-in")

    def ready(self):
        from accounts import signals  # noqa: F401 - connects the sign-in and admin audit receivers
