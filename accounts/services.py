"""Writes for My Account: contact details, the co-worker's own 2FA, the
password and sessions; and creating portal users."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.sessions import Ended, sessions_end
from enterprise.audit import Action, audit_record, client_ip
from twofactor import app, notices, passkeys, recovery, stepup, trust
from twofactor.destinations import (
    channel_destination,
    email_address,
    mask_destination,
    phone_e164,
)
from twofactor.devices import current_destination, device_get, device_peek, twofactor_on
from twofactor.models import Challenge, Passkey
from twofactor.stepup import ChangeContext, CodeNeeded

ACCOUNT_SETTINGS_ACTION = "account.settings"
RECOVERY_ACTION = "account.recovery_codes"
APP_SETUP_ACTION = "account.app_setup"
APP_REMOVE_ACTION = "account.app_remove"
# The authenticator app being set up in this session (a TOTPDevice id).
APP_PENDING = "_app_pending"
# The session may show new recovery codes once, until this time (ISO).
RECOVERY_SHOW = "_recovery_codes_show"
PASSWORD_ACTION = "account.password"  # an action name  # noqa: S105  # nosec B105


def account_settings_needed(
    request, user, *, email: str, phone: str, twofactor: bool
) -> list[CodeNeeded]:
    """The codes a My Account Save needs before it applies (docs/SECURITY.md):

    - turning 2FA on sends a code to the destination the codes will go to;
      when that is not already the person's own (a new or unconfirmed
      detail), a code to their confirmed detail comes first, so a password
      or a session alone cannot enrol someone else's phone;
    - with 2FA on, turning it off, or changing Email or Phone number, needs
      a step-up (a code where codes go now, unless fresh in this session);
      when codes would then go somewhere new, that is proven by its own code.
    With 2FA off nothing is asked; a changed detail is then unproven."""
    enterprise = user.enterprise
    if not enterprise.twofactor_enabled:
        return []
    device = device_peek(user)
    target = channel_destination(email=email, phone=phone, channel=enterprise.twofactor_channel)
    current = current_destination(user, device)
    if not device.enrolled:
        if not twofactor:
            return []
        if target.same_as(current):
            # A code to the person's own destination: counted against it
            # like a login's, never against a pool others can use up.
            return [CodeNeeded(Challenge.Purpose.STEP_UP, target)]
        return stepup.step_up(request, user=user) + stepup.prove(target)
    if not twofactor:
        if passkeys.passkeys_only(enterprise):
            from twofactor.codes import CodeError

            raise CodeError(
                _(
                    "Your administrator accepts only passkeys to log in: two-factor "
                    "authentication stays on for your login."
                )
            )
        return stepup.step_up(request, user=user)
    moves = not target.same_as(current)
    if not moves and email == user.email and phone == phone_e164(user):
        return []
    return stepup.step_up(request, user=user) + (stepup.prove(target) if moves else [])


def account_settings_apply(ctx: ChangeContext, *, email: str, phone: str, twofactor: bool) -> str:
    """Apply a My Account Save whose codes (if any) were entered."""
    user = get_user_model().objects.select_related("enterprise").get(pk=ctx.actor.pk)
    enterprise = user.enterprise
    device = device_get(user)
    old_email, old_phone = user.email, phone_e164(user)
    was_on = enterprise.twofactor_enabled and device.enrolled
    before = current_destination(user, device)
    email_changed, phone_changed = email != old_email, phone != old_phone
    if email_changed or phone_changed:
        user.email, user.phone = email, phone or ""
        user.save(update_fields=["email", "phone"])
    # A detail changed without a code proving it is unproven; one proven by
    # this change is proven, changed or not.
    if email_changed or email_address(email) in ctx.proven:
        device.email_unproven = email_address(email) not in ctx.proven
    if phone_changed or phone in ctx.proven:
        device.phone_unproven = bool(phone) and phone not in ctx.proven
    target = channel_destination(email=email, phone=phone, channel=enterprise.twofactor_channel)
    message = _("Your settings were saved.")
    end_sessions = email_changed or phone_changed
    if enterprise.twofactor_enabled and twofactor and not device.enrolled:
        device.enrolled = device.confirmed = True
        audit_record(
            Action.USER_2FA_ENABLED, actor=user, target=user, ip=ctx.ip, detail=target.channel
        )
        notices.notice_send(
            notices.TWOFACTOR_ON,
            user=user,
            context={"channel": str(target.channel_label), "destination": target.masked},
        )
        message = _("Two-factor authentication is now enabled for your login.")
    elif enterprise.twofactor_enabled and not twofactor and device.enrolled:
        device.enrolled = device.confirmed = False
        audit_record(Action.USER_2FA_DISABLED, actor=user, target=user, ip=ctx.ip)
        notices.notice_send(notices.TWOFACTOR_OFF, user=user)
        recovery.recovery_void(user=user)
        app.app_remove(user=user, ip=ctx.ip)
        Passkey.objects.filter(user=user).delete()
        ctx.session.pop(PASSKEY_GRANT, None)
        ctx.session.pop(APP_PENDING, None)
        trust.trust_end(user=user, why="two-factor authentication turned off", ip=ctx.ip)
        message = _("Two-factor authentication is now disabled for your login.")
        end_sessions = True
    elif was_on and not target.same_as(before) and target.address in ctx.proven:
        # Codes moved to a destination proven on the account's channel.
        device.confirmed = True
        audit_record(
            Action.DESTINATION_CHANGED,
            actor=user,
            target=user,
            ip=ctx.ip,
            detail=f"codes now go by {target.channel} to {target.masked}",
        )
        message = _("Your settings were saved. Codes now go to your new email or phone number.")
    device.save()
    _contacts_told(ctx, user, old_email, old_phone, codes_follow=was_on, target=target)
    if email_changed or phone_changed:
        trust.trust_end(user=user, why="email or phone number changed", ip=ctx.ip)
    if end_sessions:
        ctx.end_other_sessions(user)
    return message


def _contacts_told(ctx, user, old_email: str, old_phone: str, *, codes_follow, target) -> None:
    changed = []
    if user.email != old_email:
        changed.append("email")
        notices.notice_send(
            notices.EMAIL_CHANGED,
            user=user,
            to=[old_email, user.email],
            context={
                "old": mask_destination(old_email),
                "new": mask_destination(user.email),
                "codes_follow": codes_follow and target.address == email_address(user.email),
            },
        )
    new_phone = phone_e164(user)
    if new_phone != old_phone:
        changed.append("phone number")
        notices.notice_send(
            notices.PHONE_CHANGED,
            user=user,
            context={
                "old": mask_destination(old_phone) if old_phone else "",
                "new": mask_destination(new_phone) if new_phone else "",
                "codes_follow": codes_follow and target.address == new_phone,
            },
        )
    if changed:
        audit_record(
            Action.CONTACT_CHANGED,
            actor=user,
            target=user,
            ip=ctx.ip,
            detail=" and ".join(changed) + " changed",
        )


def account_names_save(*, user, first_name: str, last_name: str, ip: str | None) -> bool:
    """Account Information's names: saved at once, with no code (a name moves
    no second factor), and audited without the names themselves. True when
    one changed."""
    changed = [
        label
        for label, old, new in (
            ("first name", user.first_name, first_name),
            ("last name", user.last_name, last_name),
        )
        if old != new
    ]
    if not changed:
        return False
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["first_name", "last_name"])
    audit_record(
        Action.NAME_CHANGED,
        actor=user,
        target=user,
        ip=ip,
        detail=" and ".join(changed) + " changed",
    )
    return True


def contacts_changed(user, *, email: str, phone: str) -> bool:
    return email != user.email or phone != phone_e164(user)


def contacts_payload(user, *, email: str, phone: str) -> dict:
    """A contact change from Account Information as My Account's own Save
    (ACCOUNT_SETTINGS_ACTION) with the person's 2FA Status as it is: the
    same codes are asked, in the same order, and the same change applies."""
    device = device_peek(user)
    return {"email": email, "phone": phone, "twofactor": bool(device.enrolled)}


def password_change_needed(request, user, **payload) -> list[CodeNeeded]:
    """With 2FA on, a step-up first."""
    return stepup.step_up(request, user=user) if twofactor_on(user) else []


def password_change_apply(ctx: ChangeContext, *, password_hash: str) -> str:
    """Set the password (already validated and hashed: the session holding a
    pending change never holds the password itself)."""
    user = get_user_model().objects.get(pk=ctx.actor.pk)
    user.password = password_hash
    user.save(update_fields=["password"])
    ctx.end_other_sessions(user)
    trust.trust_end(user=user, why="password changed", ip=ctx.ip)
    audit_record(Action.PASSWORD_CHANGED, actor=user, target=user, ip=ctx.ip)
    notices.notice_send(notices.PASSWORD_CHANGED, user=user)
    return _("Your password was changed.")


def recovery_codes_needed(request, user) -> list[CodeNeeded]:
    """New recovery codes: only with 2FA on, and after a step-up."""
    from twofactor.codes import CodeError

    if not twofactor_on(user):
        raise CodeError(
            _("Turn on two-factor authentication first: recovery codes are part of it.")
        )
    return stepup.step_up(request, user=user)


def recovery_codes_apply(ctx: ChangeContext) -> str:
    """The step-up is done: the Security page may now draw new codes and
    show them, once (they are never stored in plaintext, not even in the
    session): a one-time grant, claimed by the first page that shows them."""
    grant = recovery.recovery_grant(user=ctx.actor)
    until = timezone.now() + settings.TWOFACTOR_RECOVERY_SHOW_WITHIN
    ctx.session[RECOVERY_SHOW] = {"until": until.isoformat(), "grant": grant}
    # The Security page says what happened, once it has drawn the codes.
    return ""


def recovery_codes_show(request) -> list[str]:
    """The new codes, if a step-up for them just happened in this session
    and no other page has shown them: drawn now, shown once."""
    mark = request.session.pop(RECOVERY_SHOW, None)
    if not isinstance(mark, dict) or not mark.get("grant"):
        return []
    if timezone.now() >= datetime.fromisoformat(mark["until"]):
        return []
    if not twofactor_on(request.user):
        return []
    codes = recovery.recovery_generate(
        user=request.user, ip=client_ip(request), grant=mark["grant"]
    )
    if codes:
        notices.notice_send(notices.RECOVERY_CODES_GENERATED, user=request.user)
    return codes


def app_setup_needed(request, user) -> list[CodeNeeded]:
    """Adding an authenticator app: only when allowed and with 2FA on, and
    after a step-up (a stolen session must not add the thief's app)."""
    from twofactor.codes import CodeError

    if not twofactor_on(user):
        raise CodeError(_("Turn on two-factor authentication first: the app is part of it."))
    if not app.app_allowed(user):
        raise CodeError(_("Your administrator does not allow authenticator apps."))
    return stepup.step_up(request, user=user)


def app_setup_apply(ctx: ChangeContext) -> str:
    device = app.app_pending(ctx.actor)
    until = timezone.now() + settings.TWOFACTOR_STEP_UP_TTL
    ctx.session[APP_PENDING] = {"id": device.pk, "until": until.isoformat()}
    return _("Scan the QR code with your authenticator app, then enter the code it shows.")


def app_pending_id(request) -> int | None:
    """The app this session is setting up, while its step-up is fresh (a
    copy of the session later reads no secret and adds no app)."""
    pending = request.session.get(APP_PENDING)
    if not isinstance(pending, dict):
        return None
    if timezone.now() >= datetime.fromisoformat(pending["until"]):
        request.session.pop(APP_PENDING, None)
        return None
    return int(pending["id"])


def app_setup_confirm(request, *, device, code: str) -> str:
    from twofactor.codes import CodeError

    if not (twofactor_on(request.user) and app.app_allowed(request.user)):
        raise CodeError(_("Authenticator apps can't be added now. Please start again."))
    app.app_confirm(user=request.user, device=device, code=code, ip=client_ip(request))
    request.session.pop(APP_PENDING, None)
    notices.notice_send(notices.FACTOR_ADDED, user=request.user, context={"method": "app"})
    return _("Your authenticator app is active. Logins now ask for its code first.")


def app_remove_needed(request, user) -> list[CodeNeeded]:
    return stepup.step_up(request, user=user) if twofactor_on(user) else []


def app_remove_apply(ctx: ChangeContext) -> str:
    if app.app_remove(user=ctx.actor, ip=ctx.ip):
        notices.notice_send(notices.FACTOR_REMOVED, user=ctx.actor, context={"method": "app"})
        return _("Your authenticator app was removed. Its codes no longer work.")
    return _("There was no authenticator app to remove.")


PASSKEY_ADD_ACTION = "account.passkey_add"
PASSKEY_REMOVE_ACTION = "account.passkey_remove"
# A step-up for a new passkey was entered: its name, until when (ISO).
PASSKEY_GRANT = "_passkey_grant"


def passkey_add_needed(request, user, *, name: str) -> list[CodeNeeded]:
    """Adding a passkey: only when allowed and with 2FA on, after a step-up."""
    from twofactor.codes import CodeError

    if not twofactor_on(user):
        raise CodeError(_("Turn on two-factor authentication first: passkeys are part of it."))
    if not passkeys.passkeys_allowed(user):
        raise CodeError(_("Your administrator does not allow passkeys."))
    return stepup.step_up(request, user=user)


def passkey_add_apply(ctx: ChangeContext, *, name: str) -> str:
    until = timezone.now() + settings.TWOFACTOR_STEP_UP_TTL
    ctx.session[PASSKEY_GRANT] = {"name": name, "until": until.isoformat()}
    return ""


def passkey_remove_needed(request, user, *, passkey_id: int) -> list[CodeNeeded]:
    passkeys.passkey_removable(user=user, passkey_id=passkey_id)
    return stepup.step_up(request, user=user) if twofactor_on(user) else []


def passkey_remove_apply(ctx: ChangeContext, *, passkey_id: int) -> str:
    if passkeys.passkey_remove(user=ctx.actor, passkey_id=passkey_id, ip=ctx.ip):
        notices.notice_send(notices.FACTOR_REMOVED, user=ctx.actor, context={"method": "passkey"})
        return _("The passkey was removed. It no longer logs you in.")
    return _("There was no such passkey.")


def sessions_end_others(*, user, session_key: str | None, ip: str | None) -> Ended:
    ended = sessions_end(user=user, keep=session_key)
    audit_record(
        Action.SESSIONS_ENDED,
        actor=user,
        target=user,
        ip=ip,
        detail=f"{ended.count} sessions ended",
    )
    notices.notice_send(notices.SESSIONS_ENDED, user=user, context={"count": ended.count})
    return ended


def portal_user_create(
    *,
    username: str,
    enterprise,
    email: str,
    password: str,
    phone: str = "",
    admin: bool = False,
    first_name: str = "",
    last_name: str = "",
):
    """Create a co-worker (an administrator with `admin`). Validates the
    password with Django's validators and stores it with the first hasher;
    refuses a phone number codes are never sent to."""
    from twofactor.destinations import phone_refusal

    User = get_user_model()
    user = User(
        username=username,
        enterprise=enterprise,
        email=email,
        phone=phone or "",
        is_enterprise_admin=admin,
        first_name=first_name,
        last_name=last_name,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    refusal = phone_refusal(user.phone.as_e164, enterprise.sms_regions) if user.phone else None
    if refusal:
        raise ValidationError({"phone": refusal})
    user.save()
    return user
