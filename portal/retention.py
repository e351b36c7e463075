"""Retention (docs/OPERATIONS.md, "Retention"): beat runs this every
RETENTION_EVERY_SECONDS. It deletes what no rule needs any more, in batches
of RETENTION_BATCH rows, each its own short transaction, so no table is ever
locked for long and the web keeps serving while it runs:

- challenges a day after they expired (the hourly limits look back one hour;
  the delivery insight has its own daily counts) and the provider reports of
  the same age;
- sessions past their expiry date;
- refused-password rows a day old (the password limits look back an hour);
- daily SMS and voice counters older than 40 days;
- audit rows older than AUDIT_RETENTION_DAYS (default 400)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone


def _in_batches(rows: QuerySet[Model]) -> int:
    """Delete `rows` RETENTION_BATCH at a time; returns how many went."""
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(rows.values_list("pk", flat=True)[: settings.RETENTION_BATCH])
            if not ids:
                return deleted
            deleted += rows.model._default_manager.filter(pk__in=ids).delete()[0]


def retention_run() -> dict[str, int]:
    """Delete what has aged out; returns how many rows of each kind."""
    from accounts.models import Session
    from enterprise.models import AuditEvent
    from twofactor.models import Challenge, DailyUsage, DeliveryReport, PasswordFailure

    now = timezone.now()
    day = timedelta(days=1)
    return {
        "challenges": _in_batches(Challenge.objects.filter(expires_at__lt=now - day)),
        "delivery reports": _in_batches(DeliveryReport.objects.filter(received_at__lt=now - day)),
        "sessions": _in_batches(Session.objects.filter(expire_date__lt=now)),
        "password failures": _in_batches(PasswordFailure.objects.filter(created_at__lt=now - day)),
        "daily counters": _in_batches(
            DailyUsage.objects.filter(day__lt=(now - timedelta(days=40)).date())
        ),
        "audit events": _in_batches(
            AuditEvent.objects.filter(
                created_at__lt=now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
            )
        ),
    }
