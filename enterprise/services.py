"""Writes for Enterprise Settings: the account's 2FA policy, notices to
co-workers, and an administrator's Unlock."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from accounts.sessions import sessions_end
from enterprise import selectors
from enterprise.audit import Action, audit_record
from enterprise.models import Enterprise
from twofactor import notices, stepup
from twofactor.codes import code_step_unlock
from twofactor.devices import devices_require_verification, twofactor_on
from twofactor.stepup import ChangeContext, CodeNeeded
from twofactor.vocabulary import Channel

POLICY = "enterprise.policy"


@dataclass
class PolicyPlan:
    changed: bool
    unreachable: list[Any] = field(default_factory=list)
    unreachable_count: int = 0


def policy_plan(*, admin: Any, enabled: bool, channel: str) -> PolicyPlan:
    """What a Save on the Two-Factor Authentication tab would change: whether
    anything does, and, when it switches to SMS or Voice, the enrolled
    co-workers without a phone number (listed before anything is saved)."""
    enterprise = admin.enterprise
    changed = (enabled, channel) != (enterprise.twofactor_enabled, enterprise.twofactor_channel)
    plan = PolicyPlan(changed=changed)
    if changed and enabled and channel != enterprise.twofactor_channel:
        plan.unreachable, plan.unreachable_count = selectors.coworkers_unreachable(
            enterprise_id=enterprise.pk, channel=channel
        )
    return plan


def policy_needed(
    request: HttpRequest, admin: Any, *, enabled: bool, channel: str
) -> list[CodeNeeded]:
    """Disabling 2FA or changing the channel of an account that has it on is
    a step-up for an administrator whose own login uses 2FA: a code where
    their codes go now. Enabling it, or nothing changed, needs none."""
    enterprise = admin.enterprise
    weakens = enterprise.twofactor_enabled and (
        not enabled or channel != enterprise.twofactor_channel
    )
    if weakens and twofactor_on(admin):
        return stepup.step_up(request, user=admin)
    return []


def policy_apply(ctx: ChangeContext, *, enabled: bool, channel: str) -> str:
    """Save the account's 2FA Status and Channel. A channel change puts every
    enrolled co-worker into "Verification required" in one UPDATE."""
    actor = get_user_model().objects.get(pk=ctx.actor.pk)
    if not actor.is_enterprise_admin:
        # The flow began while they were an administrator; they no longer are.
        raise PermissionDenied("Only an administrator can change these settings.")
    channel = Channel(channel)
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=actor.enterprise_id)
        was_enabled, was_channel = enterprise.twofactor_enabled, enterprise.twofactor_channel
        enterprise.twofactor_enabled = enabled
        enterprise.twofactor_channel = channel
        enterprise.save(update_fields=["twofactor_enabled", "twofactor_channel"])
        if channel != was_channel:
            count = devices_require_verification(enterprise_id=enterprise.pk)
            audit_record(
                Action.ACCOUNT_CHANNEL_CHANGED,
                enterprise=enterprise,
                actor=actor,
                ip=ctx.ip,
                detail=f"{was_channel} to {channel}; {count} co-workers must verify again",
            )
            _administrators_told(
                notices.ACCOUNT_CHANNEL_CHANGED,
                enterprise,
                actor,
                old=Channel(was_channel).label,
                new=channel.label,
            )
        if enabled != was_enabled:
            audit_record(
                Action.ACCOUNT_2FA_ENABLED if enabled else Action.ACCOUNT_2FA_DISABLED,
                enterprise=enterprise,
                actor=actor,
                ip=ctx.ip,
                detail=channel.label,
            )
            if not enabled:
                _administrators_told(notices.ACCOUNT_2FA_DISABLED, enterprise, actor)
    if not enabled:
        if was_enabled:
            return (
                "Two-factor authentication is disabled for the account. "
                "Co-workers no longer need a code to log in."
            )
        return "Settings saved. Two-factor authentication stays disabled."
    if not was_enabled:
        return (
            f"Two-factor authentication is enabled for the account, by {channel.label}. "
            "Tell your co-workers so they can set it up for their logins."
        )
    if channel != was_channel:
        return (
            f"The channel is now {channel.label}. Co-workers who use two-factor "
            "authentication will verify a code on the new channel at their next login."
        )
    return "Settings saved."


def _administrators_told(kind: str, enterprise, actor, **context) -> None:
    administrators = get_user_model().objects.filter(
        enterprise=enterprise, is_enterprise_admin=True, is_active=True
    )
    for administrator in administrators.only("id", "email"):
        notices.notice_send(
            kind,
            user=administrator,
            context={"administrator": actor.get_full_name() or actor.username, **context},
        )


def coworkers_notify(*, actor, ip: str | None) -> int:
    """Queue one email to every co-worker saying 2FA is available."""
    from enterprise.tasks import coworkers_notify_send

    count = get_user_model().objects.filter(enterprise_id=actor.enterprise_id).count()
    coworkers_notify_send.delay(actor.enterprise_id, actor.pk)
    audit_record(
        Action.COWORKERS_NOTIFIED, actor=actor, ip=ip, detail=f"{count} co-workers emailed"
    )
    return count


def coworker_unlock(*, admin, coworker, ip: str | None) -> bool:
    """Unlock a co-worker's code step (after the long lock, or a short one).
    Their sessions end, they are told, and it is audited. False if there was
    nothing to unlock."""
    if coworker.enterprise_id != admin.enterprise_id or not admin.is_enterprise_admin:
        raise PermissionDenied("Only an administrator of their enterprise can unlock them.")
    if not code_step_unlock(user=coworker):
        return False
    sessions_end(user=coworker)
    audit_record(Action.CODE_STEP_UNLOCKED, actor=admin, target=coworker, ip=ip)
    notices.notice_send(
        notices.CODE_STEP_UNLOCKED,
        user=coworker,
        context={"administrator": admin.get_full_name() or admin.username},
    )
    return True
