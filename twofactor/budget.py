"""The daily SMS and voice limits (docs/BEHAVIOUR.md, "Reaching people"): an
enterprise's "Daily SMS and voice limit" and the operator's ceiling across
the portal, counted per UTC day in DailyUsage rows. When either is used up,
codes go by email until midnight UTC (devices.current_destination asks
`phone_budget_left`); each code sent by SMS or voice takes one from both
under their row locks (`phone_budget_take`), so two requests at once never
pass a limit."""

import math
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from twofactor.models import DailyUsage

PORTAL = "portal"


def today_utc() -> date:
    return timezone.now().astimezone(UTC).date()


def scope_of(enterprise: Any) -> str:
    return f"enterprise:{enterprise.pk}"


def used_today(enterprise: Any) -> int:
    """SMS and voice codes the enterprise sent today (UTC)."""
    row = DailyUsage.objects.filter(scope=scope_of(enterprise), day=today_utc()).first()
    return row.count if row else 0


def phone_budget_left(enterprise: Any) -> bool:
    """Another code may go by SMS or voice today."""
    counts = dict(
        DailyUsage.objects.filter(
            scope__in=[scope_of(enterprise), PORTAL], day=today_utc()
        ).values_list("scope", "count")
    )
    return (
        counts.get(scope_of(enterprise), 0) < enterprise.daily_phone_limit
        and counts.get(PORTAL, 0) < settings.TWOFACTOR_PORTAL_DAILY_PHONE_LIMIT
    )


@dataclass(frozen=True)
class Taken:
    """`ok`: the code may go by SMS or voice; `warn`: this one reached the
    warning share (email the administrators, once); `full`: it was the
    enterprise's last one today."""

    ok: bool
    count: int = 0
    limit: int = 0
    warn: bool = False
    full: bool = False


def _row(scope: str, day: date) -> DailyUsage:
    try:
        with transaction.atomic():
            DailyUsage.objects.get_or_create(scope=scope, day=day)
    except IntegrityError:
        pass  # made by another request meanwhile
    return DailyUsage.objects.select_for_update().get(scope=scope, day=day)


def phone_budget_take(enterprise: Any) -> Taken:
    """Take one SMS or voice code from today's limits, or refuse (ok False).
    Call inside a transaction: the rows stay locked until it commits."""
    day = today_utc()
    limit = int(enterprise.daily_phone_limit)
    # Always in this order (portal, then the enterprise): no deadlock.
    portal = _row(PORTAL, day)
    mine = _row(scope_of(enterprise), day)
    if mine.count >= limit or portal.count >= settings.TWOFACTOR_PORTAL_DAILY_PHONE_LIMIT:
        return Taken(ok=False, count=mine.count, limit=limit)
    portal.count += 1
    mine.count += 1
    share = math.ceil(limit * settings.TWOFACTOR_DAILY_PHONE_WARN_PERCENT / 100)
    warn = not mine.warned and mine.count >= share
    mine.warned = mine.warned or warn
    portal.save(update_fields=["count"])
    mine.save(update_fields=["count", "warned"])
    return Taken(ok=True, count=mine.count, limit=limit, warn=warn, full=mine.count >= limit)
