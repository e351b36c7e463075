import json

from django.core.management.base import BaseCommand, CommandError

from portal.health import readiness


class Command(BaseCommand):
    help = "Print what /health/ready answers (JSON); exit 1 when not ready."

    def handle(self, *args, **options):
        ok, checks = readiness()
        self.stdout.write(
            json.dumps({"status": "ok" if ok else "fail", "checks": checks}, indent=2)
        )
        if not ok:
            raise CommandError("not ready")
