import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts.services import portal_user_create
from enterprise.models import Enterprise

DEMO_ENTERPRISE = "Demo Enterprise"
DEMO_USERS = [
    # username, email, phone, administrator, first, last
    ("admin", "admin@demo.example", "+13035551212", True, "Ada", "Admin"),
    ("alice", "alice@demo.example", "+13035551213", False, "Alice", "Jones"),
    ("bob", "bob@demo.example", "", False, "Bob", "Smith"),
]


class Command(BaseCommand):
    help = "Create the demo enterprise with one administrator and two co-workers (idempotent)."

    def handle(self, *args, **options):
        password = os.environ.get("PORTAL_USER_PASSWORD", "demo-password-2fa")
        enterprise, _ = Enterprise.objects.get_or_create(name=DEMO_ENTERPRISE)
        User = get_user_model()
        for username, email, phone, admin, first, last in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            portal_user_create(
                username=username,
                enterprise=enterprise,
                email=email,
                password=password,
                phone=phone,
                admin=admin,
                first_name=first,
                last_name=last,
            )
        self.stdout.write(f"Demo enterprise: {DEMO_ENTERPRISE}")
        for username, _email, phone, admin, *_ in DEMO_USERS:
            role = "administrator" if admin else "co-worker"
            self.stdout.write(f"  {username:<6} / {password}   ({role}, phone {phone or 'none'})")
