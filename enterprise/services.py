"""Writes for Enterprise Settings: the account's 2FA policy, notices to
co-workers, and an administrator's Unlock."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.sessions import sessions_end
from enterprise import selectors
from enterprise.audit import Action, audit_record
from enterprise.models import Enterprise
from twofactor import app, notices, recovery, stepup, trust
from twofactor.codes import CodeError, code_step_unlock
from twofactor.devices import devices_require_verification, twofactor_on
from twofactor.models import CodeDevice, Passkey
from twofactor.passkeys import passkey_rule_data, passkey_rule_sentence
from twofactor.stepup import ChangeContext, CodeNeeded
from twofactor.vocabulary import Channel

POLICY = "enterprise.policy"
RESET = "enterprise.reset"


@dataclass
class PolicyPlan:
    changed: bool
    unreachable: list[Any] = field(default_factory=list)
    unreachable_count: int = 0
    channel: Channel | None = None  # the channel they could not receive
    # 2FA is being turned on (not a channel change): the list is everyone
    # without a phone number, not only those who use 2FA.
    enabling: bool = False


def _rollout(enterprise, *, required, deadline, remember_days) -> tuple[bool, date | None, int]:
    """The roll-out settings a payload asks for; None keeps what is set."""
    if required is None:
        return (
            enterprise.twofactor_required,
            enterprise.twofactor_deadline,
            enterprise.remember_browser_days if remember_days is None else remember_days,
        )
    day = date.fromisoformat(deadline) if required and deadline else None
    days = enterprise.remember_browser_days if remember_days is None else int(remember_days)
    return bool(required), day, days


def _passkey_rule(
    enterprise, *, require_passkeys, passkeys_deadline, passkey_recovery
) -> tuple[bool, date | None, bool]:
    """Require a phishing-resistant method: (required, the last day other
    methods log in, codes by channel for recovery); None keeps what is set."""
    if require_passkeys is None:
        return (
            enterprise.passkeys_required,
            enterprise.passkeys_deadline,
            enterprise.passkey_recovery,
        )
    day = date.fromisoformat(passkeys_deadline) if require_passkeys and passkeys_deadline else None
    recovery = enterprise.passkey_recovery if passkey_recovery is None else passkey_recovery
    return bool(require_passkeys and day), day, bool(recovery)


def _passkey_rule_now(enterprise) -> tuple[bool, date | None, bool]:
    return (enterprise.passkeys_required, enterprise.passkeys_deadline, enterprise.passkey_recovery)


def policy_plan(
    *,
    admin: Any,
    enabled: bool,
    channel: str,
    required: bool | None = None,
    deadline: str = "",
    remember_days: int | None = None,
    allow_app: bool | None = None,
    allow_passkey: bool | None = None,
    require_passkeys: bool | None = None,
    passkeys_deadline: str = "",
    passkey_recovery: bool | None = None,
    sms_countries: list[str] | None = None,
    daily_limit: int | None = None,
    allow_fallback: bool | None = None,
) -> PolicyPlan:
    """What a Save on the Two-Factor Authentication tab would change: whether
    anything does, and, when it switches to SMS or Voice, the enrolled
    co-workers without a phone number (listed before anything is saved)."""
    enterprise = admin.enterprise
    rollout = _rollout(
        enterprise, required=required, deadline=deadline, remember_days=remember_days
    )
    app_now, passkey_now = enterprise.allow_authenticator_app, enterprise.allow_passkey
    passkey_rule = _passkey_rule(
        enterprise,
        require_passkeys=require_passkeys,
        passkeys_deadline=passkeys_deadline,
        passkey_recovery=passkey_recovery,
    )
    regions_now = sorted(enterprise.sms_regions)
    changed = (
        enabled,
        channel,
        *rollout,
        app_now if allow_app is None else allow_app,
        passkey_now if allow_passkey is None else allow_passkey,
        *passkey_rule,
        regions_now if sms_countries is None else sorted(sms_countries),
        enterprise.daily_phone_limit if daily_limit is None else daily_limit,
        enterprise.allow_fallback if allow_fallback is None else allow_fallback,
    ) != (
        enterprise.twofactor_enabled,
        enterprise.twofactor_channel,
        enterprise.twofactor_required,
        enterprise.twofactor_deadline,
        enterprise.remember_browser_days,
        app_now,
        passkey_now,
        *_passkey_rule_now(enterprise),
        regions_now,
        enterprise.daily_phone_limit,
        enterprise.allow_fallback,
    )
    plan = PolicyPlan(changed=changed)
    enabling = enabled and not enterprise.twofactor_enabled
    if changed and enabled and (enabling or channel != enterprise.twofactor_channel):
        plan.unreachable, plan.unreachable_count = selectors.coworkers_unreachable(
            enterprise_id=enterprise.pk, channel=channel, everyone=enabling
        )
        plan.channel = Channel(channel)
        plan.enabling = enabling
    return plan


def _reaches_more(enterprise, sms_countries, daily_limit, allow_fallback) -> bool:
    """SMS and voice may go to a country they could not reach before, or
    more of them a day (costs and fraud), or codes may go by another channel
    than the account's (email, a weaker way in, for an SMS account): the
    administrator's to confirm."""
    if allow_fallback and not enterprise.allow_fallback:
        return True
    if daily_limit is not None and daily_limit > enterprise.daily_phone_limit:
        return True
    now = set(enterprise.sms_regions)
    if sms_countries is None or not now:
        return False
    return not sms_countries or bool(set(sms_countries) - now)


def _weakens(enterprise, *, enabled, channel, required, deadline, days, passkey_rule=None) -> bool:
    """The Save lets someone in with less: 2FA off, another channel, no
    longer required or later, browsers remembered longer; passkeys no longer
    required, or later, or codes by channel allowed for recovery."""
    if not enterprise.twofactor_enabled:
        return False
    if not enabled or channel != enterprise.twofactor_channel:
        return True
    if days > enterprise.remember_browser_days:
        return True
    if enterprise.twofactor_required and not required:
        return True
    old = enterprise.twofactor_deadline
    if enterprise.twofactor_required and old and deadline and deadline > old:
        return True
    if passkey_rule is None or not enterprise.passkeys_required:
        return False
    required_keys, day, recovery = passkey_rule
    old_day = enterprise.passkeys_deadline
    return bool(
        not required_keys
        or (old_day and day and day > old_day)
        or (recovery and not enterprise.passkey_recovery)
    )


def policy_needed(
    request: HttpRequest,
    admin: Any,
    *,
    enabled: bool,
    channel: str,
    required: bool | None = None,
    deadline: str = "",
    remember_days: int | None = None,
    allow_app: bool | None = None,
    allow_passkey: bool | None = None,
    require_passkeys: bool | None = None,
    passkeys_deadline: str = "",
    passkey_recovery: bool | None = None,
    sms_countries: list[str] | None = None,
    daily_limit: int | None = None,
    allow_fallback: bool | None = None,
) -> list[CodeNeeded]:
    """A Save that weakens the account's 2FA (see _weakens) is a step-up for
    an administrator whose own login uses 2FA: a code where their codes go
    now. Enabling it, requiring it, or nothing changed, needs none."""
    enterprise = admin.enterprise
    required_, day, days = _rollout(
        enterprise, required=required, deadline=deadline, remember_days=remember_days
    )
    passkey_rule = _passkey_rule(
        enterprise,
        require_passkeys=require_passkeys,
        passkeys_deadline=passkeys_deadline,
        passkey_recovery=passkey_recovery,
    )
    weakens = _weakens(
        enterprise,
        enabled=enabled,
        channel=channel,
        required=required_,
        deadline=day,
        days=days,
        passkey_rule=passkey_rule,
    ) or _reaches_more(enterprise, sms_countries, daily_limit, allow_fallback)
    if weakens and twofactor_on(admin):
        return stepup.step_up(request, user=admin)
    return []


def policy_apply(
    ctx: ChangeContext,
    *,
    enabled: bool,
    channel: str,
    required: bool | None = None,
    deadline: str = "",
    remember_days: int | None = None,
    allow_app: bool | None = None,
    allow_passkey: bool | None = None,
    require_passkeys: bool | None = None,
    passkeys_deadline: str = "",
    passkey_recovery: bool | None = None,
    sms_countries: list[str] | None = None,
    daily_limit: int | None = None,
    allow_fallback: bool | None = None,
) -> str:
    """Save the account's 2FA Status and Channel, and its roll-out: Require,
    Deadline, Remember browsers for. A channel change puts every enrolled
    co-worker into "Verification required" in one UPDATE; 2FA off, a
    channel change or fewer days forget remembered browsers."""
    actor = get_user_model().objects.get(pk=ctx.actor.pk)
    if not actor.is_enterprise_admin:
        # The flow began while they were an administrator; they no longer are.
        raise PermissionDenied("Only an administrator can change these settings.")
    channel = Channel(channel)
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=actor.enterprise_id)
        required_, day, days = _rollout(
            enterprise, required=required, deadline=deadline, remember_days=remember_days
        )
        passkey_rule = _passkey_rule(
            enterprise,
            require_passkeys=require_passkeys,
            passkeys_deadline=passkeys_deadline,
            passkey_recovery=passkey_recovery,
        )
        passkeys_on = enterprise.allow_passkey if allow_passkey is None else allow_passkey
        if not enabled:
            required_, day = False, None
        if not (required_ and passkeys_on):
            # Passkeys only rests on requiring 2FA of everyone, with passkeys allowed.
            passkey_rule = (False, None, passkey_rule[2])
        # Worked out again under the lock, against what is saved now: a Save
        # that loosened nothing when its request began may loosen what
        # another administrator saved meanwhile.
        loosens = _weakens(
            enterprise,
            enabled=enabled,
            channel=channel,
            required=required_,
            deadline=day,
            days=days,
            passkey_rule=passkey_rule,
        ) or _reaches_more(enterprise, sms_countries, daily_limit, allow_fallback)
        if loosens and twofactor_on(actor) and not ctx.stepped_up:
            raise CodeError(
                _(
                    "The settings changed while you were saving them. Nothing was changed: "
                    "look at them again, and Save."
                )
            )
        was_enabled, was_channel = enterprise.twofactor_enabled, enterprise.twofactor_channel
        was_rollout = (
            enterprise.twofactor_required,
            enterprise.twofactor_deadline,
            enterprise.remember_browser_days,
        )
        enterprise.twofactor_enabled = enabled
        enterprise.twofactor_channel = channel
        enterprise.twofactor_required = required_
        enterprise.twofactor_deadline = day
        enterprise.remember_browser_days = days
        was_app = enterprise.allow_authenticator_app
        if allow_app is not None:
            enterprise.allow_authenticator_app = allow_app
        was_passkey = enterprise.allow_passkey
        if allow_passkey is not None:
            enterprise.allow_passkey = allow_passkey
        was_passkey_rule = _passkey_rule_now(enterprise)
        was_regions = sorted(enterprise.sms_regions)
        was_limit = enterprise.daily_phone_limit
        was_fallback = enterprise.allow_fallback
        if allow_fallback is not None:
            enterprise.allow_fallback = allow_fallback
        if daily_limit is not None:
            enterprise.daily_phone_limit = daily_limit
        if sms_countries is not None:
            enterprise.sms_countries = sorted(sms_countries)
        (
            enterprise.passkeys_required,
            enterprise.passkeys_deadline,
            enterprise.passkey_recovery,
        ) = passkey_rule
        enterprise.save(
            update_fields=[
                "twofactor_enabled",
                "twofactor_channel",
                "twofactor_required",
                "twofactor_deadline",
                "remember_browser_days",
                "allow_authenticator_app",
                "allow_passkey",
                "passkeys_required",
                "passkeys_deadline",
                "passkey_recovery",
                "sms_countries",
                "daily_phone_limit",
                "allow_fallback",
            ]
        )
        if enterprise.allow_fallback != was_fallback:
            audit_record(
                Action.ROLLOUT_CHANGED,
                enterprise=enterprise,
                actor=actor,
                ip=ctx.ip,
                detail="other channels when a code does not arrive "
                + ("allowed" if enterprise.allow_fallback else "no longer allowed"),
            )
        if enterprise.daily_phone_limit != was_limit:
            audit_record(
                Action.ROLLOUT_CHANGED,
                enterprise=enterprise,
                actor=actor,
                ip=ctx.ip,
                detail=f"daily SMS and voice limit {was_limit} to {enterprise.daily_phone_limit}",
            )
        if sorted(enterprise.sms_regions) != was_regions:
            audit_record(
                Action.ROLLOUT_CHANGED,
                enterprise=enterprise,
                actor=actor,
                ip=ctx.ip,
                detail="SMS and voice allowed to "
                + (", ".join(sorted(enterprise.sms_regions)) or "every country"),
            )
        if passkey_rule != was_passkey_rule:
            audit_record(
                Action.ROLLOUT_CHANGED,
                enterprise=enterprise,
                actor=actor,
                ip=ctx.ip,
                detail=_passkey_words(*passkey_rule),
            )
            # Tightening takes no code: every administrator hears of it.
            _administrators_told(
                notices.PASSKEY_RULE_CHANGED,
                enterprise,
                actor,
                # Plain data: each administrator reads the sentence in their language.
                rule=passkey_rule_data(passkey_rule),
                was_rule=passkey_rule_data(was_passkey_rule),
            )
        if enterprise.allow_passkey != was_passkey:
            audit_record(
                Action.ROLLOUT_CHANGED,
                enterprise=enterprise,
                actor=actor,
                ip=ctx.ip,
                detail="passkeys "
                + ("allowed" if enterprise.allow_passkey else "no longer allowed"),
            )
        if enterprise.allow_authenticator_app != was_app:
            audit_record(
                Action.ROLLOUT_CHANGED,
                enterprise=enterprise,
                actor=actor,
                ip=ctx.ip,
                detail="authenticator apps "
                + ("allowed" if enterprise.allow_authenticator_app else "no longer allowed"),
            )
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
                old=str(was_channel),
                new=str(channel.value),
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
        if (required_, day, days) != was_rollout:
            audit_record(
                Action.ROLLOUT_CHANGED,
                enterprise=enterprise,
                actor=actor,
                ip=ctx.ip,
                detail=_rollout_words(required_, day, days),
            )
        if not enabled or channel != was_channel:
            trust.trust_shorten(enterprise_id=enterprise.pk, days=0)
        elif days < was_rollout[2]:
            trust.trust_shorten(enterprise_id=enterprise.pk, days=days)
    return _policy_message(
        enabled=enabled,
        was_enabled=was_enabled,
        channel=channel,
        was_channel=was_channel,
        rollout=(required_, day, days),
        was_rollout=was_rollout,
    ) + _leading_space(passkey_rule_sentence(passkey_rule, was_passkey_rule))


def _rollout_words(required: bool, day: date | None, days: int) -> str:
    words = f"required by {day:%Y-%m-%d}" if required and day else "not required"
    remember = f"browsers remembered {days} days" if days else "browsers never remembered"
    return f"{words}; {remember}"


def _passkey_words(required: bool, day: date | None, recovery: bool) -> str:
    if not (required and day):
        return "passkeys not required"
    recover = "allowed" if recovery else "not allowed"
    return f"only passkeys log in after {day:%Y-%m-%d}; codes for recovery {recover}"


def _leading_space(sentence: str) -> str:
    return " " + sentence if sentence else ""


def _day(day: date) -> str:
    """A deadline in a sentence, in the language of the request: "5 March 2027"."""
    return date_format(day)


def _policy_message(*, enabled, was_enabled, channel, was_channel, rollout, was_rollout) -> str:
    if not enabled:
        if was_enabled:
            return _(
                "Two-factor authentication is disabled for the account. "
                "Co-workers no longer need a code to log in."
            )
        return _("Settings saved. Two-factor authentication stays disabled.")
    if not was_enabled:
        message = _(
            "Two-factor authentication is enabled for the account, by %(channel)s. "
            "Tell your co-workers so they can set it up for their logins."
        ) % {"channel": channel.label}
    elif channel != was_channel:
        message = _(
            "The channel is now %(channel)s. Co-workers who use two-factor "
            "authentication will verify a code on the new channel at their next login."
        ) % {"channel": channel.label}
    else:
        message = _("Settings saved.")
    required, day, _days = rollout
    if required and day and (required, day) != was_rollout[:2]:
        message += " " + _(
            "Two-factor authentication is required: co-workers without it have until "
            "%(day)s (UTC) to turn it on."
        ) % {"day": _day(day)}
    elif was_rollout[0] and not required:
        message += " " + _("Two-factor authentication is no longer required.")
    return message


def _administrators_told(kind: str, enterprise, actor, **context) -> None:
    notices.administrators_tell(
        kind,
        enterprise_id=enterprise.pk,
        context={"administrator": actor.get_full_name() or actor.username, **context},
    )


def coworkers_notify(*, actor, ip: str | None) -> int:
    """Queue the notice to every co-worker who has not turned 2FA on (see
    notices.notify_recipients), and audit the send with its count."""
    from enterprise.notices import notify_recipients
    from enterprise.tasks import coworkers_notify_send

    count = notify_recipients(enterprise_id=actor.enterprise_id, actor_id=actor.pk).count()
    if count:
        coworkers_notify_send.delay(actor.enterprise_id, actor.pk)
    audit_record(
        Action.COWORKERS_NOTIFIED,
        actor=actor,
        ip=ip,
        detail=f"{count} co-workers without two-factor authentication emailed",
    )
    return count


def coworker_unlock(*, admin, coworker, ip: str | None) -> bool:
    """Unlock a co-worker's code step (after the long lock, or a short one).
    Their sessions end, they are told, and it is audited. False if there was
    nothing to unlock."""
    if coworker.enterprise_id != admin.enterprise_id or not admin.is_enterprise_admin:
        raise PermissionDenied("Only an administrator of their enterprise can unlock them.")
    if twofactor_on(coworker) and not twofactor_on(admin):
        # As for Reset: a password alone must not reopen guessing at someone
        # else's codes (two passwords would otherwise guess for ever).
        raise CodeError(
            _(
                "Turn on two-factor authentication for your own login first: unlocking "
                "someone else's codes needs a login that uses it."
            )
        )
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


def coworker_reset_needed(request: HttpRequest, admin: Any, *, coworker_id: int, reason: str):
    """Resetting a co-worker's 2FA is a step-up for an administrator whose own
    login uses 2FA; never for their own login (they would lock themselves
    out of nothing, and a stolen session could switch its owner's 2FA off)."""
    coworker = _reset_target(admin, coworker_id)
    if not twofactor_on(admin):
        if twofactor_on(coworker):
            # A password alone must not undo someone else's second factor.
            raise CodeError(
                _(
                    "Turn on two-factor authentication for your own login first: "
                    "resetting someone else's needs a code from yours."
                )
            )
        return []
    return stepup.step_up(request, user=admin)


def _reset_target(admin: Any, coworker_id: int) -> Any:
    admin = get_user_model().objects.get(pk=admin.pk)
    if not admin.is_enterprise_admin:
        raise PermissionDenied("Only an administrator can reset a co-worker.")
    coworker = selectors.coworker_get(enterprise_id=admin.enterprise_id, user_id=coworker_id)
    if coworker is None:
        raise PermissionDenied("No such co-worker.")
    if coworker.pk == admin.pk:
        raise CodeError(
            _("You can't reset your own two-factor authentication: ask another administrator.")
        )
    return coworker


def coworker_reset_apply(ctx: ChangeContext, *, coworker_id: int, reason: str) -> str:
    """Reset two-factor authentication for a co-worker who lost their phone:
    their 2FA off, recovery codes and remembered browsers void, their code
    step unlocked, every session of theirs ended; they are told by email,
    and the reason is in the audit log. With Require on, their next login
    goes to turning it on again."""
    coworker = _reset_target(ctx.actor, coworker_id)
    admin = get_user_model().objects.get(pk=ctx.actor.pk)
    with transaction.atomic():
        # The co-worker's own changes take this lock too: their 2FA turned
        # on by a request in flight is seen here.
        CodeDevice.objects.select_for_update().filter(user=coworker).first()
        if not twofactor_on(admin) and twofactor_on(coworker):
            raise CodeError(
                _(
                    "Turn on two-factor authentication for your own login first: "
                    "resetting someone else's needs a code from yours."
                )
            )
        CodeDevice.objects.filter(user=coworker).update(enrolled=False, confirmed=False)
        code_step_unlock(user=coworker)
        recovery.recovery_void(user=coworker)
        app.app_remove(user=coworker, ip=ctx.ip)
        Passkey.objects.filter(user=coworker).delete()
        trust.trust_end(user=coworker, why="reset by an administrator", actor=admin, ip=ctx.ip)
    sessions_end(user=coworker)
    audit_record(
        Action.TWOFACTOR_RESET, actor=admin, target=coworker, ip=ctx.ip, detail=reason[:250]
    )
    notices.notice_send(
        notices.TWOFACTOR_RESET,
        user=coworker,
        context={
            "administrator": admin.get_full_name() or admin.username,
            "required": bool(admin.enterprise.twofactor_required),
        },
    )
    name = coworker.get_full_name() or coworker.username
    return _(
        "Two-factor authentication for %(name)s is reset: it is off, their recovery codes "
        "and remembered browsers no longer work, and their sessions were logged out. "
        "They were told by email."
    ) % {"name": name}
