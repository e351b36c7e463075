"""Writes for Enterprise Settings: the account's 2FA policy and notices."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from enterprise import selectors
from enterprise.audit import Action, audit_record
from enterprise.models import Channel, Enterprise
from twofactor import services as twofactor_services


@dataclass
class PolicyPlan:
    changed: bool
    code_channel: str = ""
    code_destination: str = ""
    unreachable: list = field(default_factory=list)
    unreachable_count: int = 0

    @property
    def needs_code(self) -> bool:
        return bool(self.code_destination)


def policy_plan(
    *, admin, enabled: bool, channel: str, step_up_fresh: Callable[[], bool]
) -> PolicyPlan:
    """What a Save on the Two-Factor Authentication tab would need.

    Disabling 2FA or changing the channel of an account that has it on is a
    step-up for an administrator whose own login uses 2FA: the code goes by
    the current channel. Switching to SMS or Voice lists the enrolled
    co-workers without a phone number before anything is saved."""
    enterprise = admin.enterprise
    changed = (enabled, channel) != (enterprise.twofactor_enabled, enterprise.twofactor_channel)
    plan = PolicyPlan(changed=changed)
    if not changed:
        return plan
    if enabled and channel != enterprise.twofactor_channel:
        plan.unreachable, plan.unreachable_count = selectors.coworkers_unreachable(
            enterprise_id=enterprise.pk, channel=channel
        )
    weakens = enterprise.twofactor_enabled and (
        not enabled or channel != enterprise.twofactor_channel
    )
    if weakens and twofactor_services.login_requires_code(admin) and not step_up_fresh():
        plan.code_channel, plan.code_destination = twofactor_services.code_destination(
            user=admin, channel=enterprise.twofactor_channel
        )
    return plan


def policy_apply(
    *, actor, ip: str | None, enabled: bool, channel: str, verified: dict | None = None
) -> str:
    """Save the account's 2FA Status and Channel. A channel change puts every
    enrolled co-worker into "Verification required" in one UPDATE."""
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
            count = twofactor_services.devices_require_verification(enterprise_id=enterprise.pk)
            audit_record(
                Action.ACCOUNT_CHANNEL_CHANGED,
                enterprise=enterprise,
                actor=actor,
                ip=ip,
                detail=f"{was_channel} to {channel}; {count} co-workers must verify again",
            )
        if enabled != was_enabled:
            audit_record(
                Action.ACCOUNT_2FA_ENABLED if enabled else Action.ACCOUNT_2FA_DISABLED,
                enterprise=enterprise,
                actor=actor,
                ip=ip,
                detail=channel.label,
            )
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


def coworkers_notify(*, actor, ip: str | None) -> int:
    """Queue one email to every co-worker saying 2FA is available."""
    from enterprise.tasks import coworkers_notify_send

    count = get_user_model().objects.filter(enterprise_id=actor.enterprise_id).count()
    coworkers_notify_send.delay(actor.enterprise_id, actor.pk)
    audit_record(
        Action.COWORKERS_NOTIFIED, actor=actor, ip=ip, detail=f"{count} co-workers emailed"
    )
    return count
