"""Delivery insight (docs/BEHAVIOUR.md, "Reaching people"): how many codes
each enterprise sent by each channel each UTC day, how many the provider
reported delivered or failed, and how many were fallbacks. Counted where
each happens (a code queued, a terminal delivery status, a fallback), in
DeliveryDay rows, so reading 30 days never scans the challenges. Each
tally is also announced (twofactor/signals.py) for the operator's metrics."""

from datetime import UTC, date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from twofactor import signals
from twofactor.models import Challenge, DeliveryDay

FIELDS = ("sent", "delivered", "failed", "fallbacks")
# The insight's "sent" is a code queued: "requested" to the metrics, whose
# "sent" is the provider accepting it (twofactor/delivery.py).
EVENTS = {
    "sent": "requested",
    "delivered": "delivered",
    "failed": "failed",
    "fallbacks": "fallback",
}


def tally(*, enterprise_id: int, channel: str, day: date, field: str) -> None:
    """One more `field` for (enterprise, channel, day)."""
    if field not in FIELDS:
        raise ValueError(field)
    signals.code_event.send(sender=None, channel=channel, event=EVENTS[field])
    rows = DeliveryDay.objects.filter(enterprise_id=enterprise_id, day=day, channel=channel)
    if rows.update(**{field: F(field) + 1}):
        return
    try:
        with transaction.atomic():
            DeliveryDay.objects.create(
                enterprise_id=enterprise_id, day=day, channel=channel, **{field: 1}
            )
    except IntegrityError:  # made by another request meanwhile
        rows.update(**{field: F(field) + 1})


def challenge_tally(challenge_id: int, field: str) -> None:
    """One more `field` for the enterprise, channel and day of a challenge."""
    found = (
        Challenge.objects.filter(pk=challenge_id)
        .values_list("user__enterprise_id", "channel", "created_at")
        .first()
    )
    if found is None:
        return
    enterprise_id, channel, created_at = found
    tally(
        enterprise_id=enterprise_id,
        channel=channel,
        day=created_at.astimezone(UTC).date(),
        field=field,
    )


def last_days(enterprise_id: int, days: int = 30) -> list[DeliveryDay]:
    """The enterprise's rows of the last `days` UTC days (today included)."""
    today = timezone.now().astimezone(UTC).date()
    return list(
        DeliveryDay.objects.filter(
            enterprise_id=enterprise_id, day__gt=today - timedelta(days=days)
        ).order_by("day", "channel")
    )
