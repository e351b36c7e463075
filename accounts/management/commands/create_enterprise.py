from django.core.management.base import BaseCommand, CommandError

from enterprise.models import Enterprise


class Command(BaseCommand):
    help = "Create an enterprise account."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name: str, **options):
        name = name.strip()
        if not name:
            raise CommandError("The enterprise name cannot be empty.")
        if Enterprise.objects.filter(name=name).exists():
            raise CommandError(f'An enterprise named "{name}" already exists.')
        Enterprise.objects.create(name=name)
        self.stdout.write(self.style.SUCCESS(f'Created enterprise "{name}".'))
