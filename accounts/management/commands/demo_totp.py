"""Print the current two-factor code of the demo users, so that `make run` works without a phone."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import DEMO_DEVICE_NAME, demo_totp_key


class Command(BaseCommand):
    help = "Print the current code of the demo authenticator (seed_demo's published secret). Not in production."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_totp does not run in production: it is for the demo data of `make run`.")
        key = demo_totp_key(settings.DEMO_TOTP_SECRET)
        users = TOTPDevice.objects.filter(name=DEMO_DEVICE_NAME, key=key).values_list("user__username", flat=True)
        if not users:
            raise CommandError("No demo authenticator: run `manage.py seed_demo` first.")
        code = TOTP(bytes.fromhex(key)).token()
        self.stdout.write(f"{code:06d}  (for {', '.join(sorted(users))}; valid about 30 s)")
