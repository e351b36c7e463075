"""Writes for My Account: contact details and the co-worker's own 2FA."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from enterprise.audit import Action, audit_record
from twofactor import services as twofactor_services


@dataclass(frozen=True)
class CodeNeeded:
    channel: str
    destination: str


def account_settings_plan(
    *, user, email: str, phone: str, twofactor: bool, step_up_fresh: Callable[..., bool]
) -> CodeNeeded | None:
    """Which code, if any, must be verified before this Save applies.

    Turning 2FA on proves the destination the codes will go to. Turning it
    off is a step-up on the current destination. Moving codes to another
    destination proves the new one. A step-up fresh in this session (SPEC:
    5 minutes) covers turning off, and a move to the destination it proved."""
    enterprise = user.enterprise
    if not enterprise.twofactor_enabled:
        return None
    device = twofactor_services.device_get(user)
    account_channel = enterprise.twofactor_channel
    current = twofactor_services.code_destination(user=user, channel=account_channel)
    proposed_user = get_user_model()(email=email, phone=phone or "")
    proposed = twofactor_services.code_destination(user=proposed_user, channel=account_channel)
    if twofactor and not device.enrolled:
        return CodeNeeded(*proposed)
    if not twofactor and device.enrolled:
        return None if step_up_fresh() else CodeNeeded(*current)
    if device.enrolled and proposed != current:
        return None if step_up_fresh(destination=proposed[1]) else CodeNeeded(*proposed)
    return None


def account_settings_apply(
    *, actor, ip: str | None, email: str, phone: str, twofactor: bool, verified: dict | None = None
) -> str:
    """Apply a My Account Save. `verified` is the flow whose code was just
    accepted, when the change needed one; the caller has checked it."""
    user = get_user_model().objects.select_related("enterprise").get(pk=actor.pk)
    enterprise = user.enterprise
    device = twofactor_services.device_get(user)
    before = twofactor_services.code_destination(user=user, channel=enterprise.twofactor_channel)
    user.email = email
    user.phone = phone or ""
    user.save(update_fields=["email", "phone"])
    after = twofactor_services.code_destination(user=user, channel=enterprise.twofactor_channel)
    message = "Your settings were saved."
    if not enterprise.twofactor_enabled:
        return message
    if twofactor and not device.enrolled:
        device.enrolled = True
        device.confirmed = True
        device.save(update_fields=["enrolled", "confirmed"])
        audit_record(Action.USER_2FA_ENABLED, actor=user, target=user, ip=ip, detail=after[0])
        message = "Two-factor authentication is now enabled for your login."
    elif not twofactor and device.enrolled:
        device.enrolled = False
        device.confirmed = False
        device.save(update_fields=["enrolled", "confirmed"])
        audit_record(Action.USER_2FA_DISABLED, actor=user, target=user, ip=ip)
        message = "Two-factor authentication is now disabled for your login."
    elif device.enrolled and before != after:
        audit_record(
            Action.DESTINATION_CHANGED,
            actor=user,
            target=user,
            ip=ip,
            detail=f"codes now go by {after[0]} to {twofactor_services.mask_destination(after[1])}",
        )
        if verified is not None and verified.get("destination") == after[1]:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        message = "Your settings were saved. Codes now go to the new destination."
    return message


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
    password with Django's validators and stores it with the first hasher."""
    from django.contrib.auth.password_validation import validate_password

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
    user.save()
    return user
