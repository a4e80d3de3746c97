from django.core.management.base import BaseCommand

from benchmarks.services import framework_load
from mandate import access


class Command(BaseCommand):
    help = "Load the framework library (the handbook's standard operational outputs). Idempotent."

    def handle(self, *args, **options):
        counts = framework_load(user=access.SYSTEM)
        self.stdout.write(
            self.style.SUCCESS(
                "Framework library loaded: {created} created, {updated} updated, {removed} removed.".format(**counts)
            )
        )
