"""Rolling 2FA out (docs/BEHAVIOUR.md, "Rolling out"): who must still turn
it on, and whether their deadline has passed.

The deadline is the last day (UTC) to set it up: from the next day, a
co-worker without 2FA can open nothing but My Account until they turn it on."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from twofactor.devices import twofactor_on
from twofactor.passkeys import today_utc  # the UTC day every deadline counts in

__all__ = ["Requirement", "requirement_of", "rollout_overdue", "today_utc"]


def rollout_overdue(enterprise: Any, today: date | None = None) -> bool:
    """The enterprise requires 2FA and its deadline has passed."""
    return bool(
        enterprise.twofactor_enabled
        and enterprise.twofactor_required
        and enterprise.twofactor_deadline is not None
        and (today or today_utc()) > enterprise.twofactor_deadline
    )


@dataclass(frozen=True)
class Requirement:
    """This person must turn 2FA on: by `deadline`, or now (`overdue`)."""

    deadline: date | None
    overdue: bool


def requirement_of(user: Any) -> Requirement | None:
    """What the roll-out asks of this person now, or None (not required, or
    their 2FA is on). Administrators are bound like everyone else."""
    enterprise = user.enterprise
    if not (enterprise.twofactor_enabled and enterprise.twofactor_required):
        return None
    if twofactor_on(user):
        return None
    return Requirement(deadline=enterprise.twofactor_deadline, overdue=rollout_overdue(enterprise))
