import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.forms import e164_clean
from accounts.services import portal_user_create
from enterprise.models import Enterprise


class Command(BaseCommand):
    help = "Create a portal user (co-worker) in an enterprise."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--enterprise", required=True, help="enterprise name")
        parser.add_argument("--email", required=True)
        parser.add_argument("--phone", default="", help="E.164, for example +13035551212")
        parser.add_argument("--admin", action="store_true", help="make an administrator")
        parser.add_argument(
            "--password", help="defaults to the PORTAL_USER_PASSWORD environment variable"
        )

    def handle(self, *args, **options):
        password = options["password"] or os.environ.get("PORTAL_USER_PASSWORD")
        if not password:
            raise CommandError("Give --password or set PORTAL_USER_PASSWORD.")
        enterprise = Enterprise.objects.filter(name=options["enterprise"]).first()
        if enterprise is None:
            raise CommandError(f'No enterprise named "{options["enterprise"]}".')
        try:
            phone = e164_clean(options["phone"])
            user = portal_user_create(
                username=options["username"],
                enterprise=enterprise,
                email=options["email"],
                password=password,
                phone=phone,
                admin=options["admin"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        role = "administrator" if user.is_enterprise_admin else "co-worker"
        self.stdout.write(
            self.style.SUCCESS(f'Created {role} "{user.username}" in "{enterprise.name}".')
        )
