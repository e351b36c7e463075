"""A person's own two-factor login (their CodeDevice): enrolment, and what
the rest of the portal asks of it."""

from typing import TYPE_CHECKING

from twofactor.budget import phone_budget_left
from twofactor.destinations import Destination, email_address, login_destination
from twofactor.models import CodeDevice
from twofactor.vocabulary import PHONE_CHANNELS

if TYPE_CHECKING:
    from accounts.models import User

DEVICE_NAME = "Customer Portal code"


def device_get(user: "User") -> CodeDevice:
    """The person's device, created (not enrolled) on first use."""
    device, _ = CodeDevice.objects.get_or_create(user=user, defaults={"name": DEVICE_NAME})
    return device


def device_peek(user: "User") -> CodeDevice:
    """The person's device, or an unsaved blank one: for reads only."""
    return CodeDevice.objects.filter(user=user).first() or CodeDevice(user=user, name=DEVICE_NAME)


def twofactor_on(user: "User") -> bool:
    """The person has 2FA on: the account has it on and they opted in
    (Enabled or Verification required). Their login needs a code."""
    if not user.enterprise.twofactor_enabled:
        return False
    return CodeDevice.objects.filter(user=user, enrolled=True).exists()


# The login and its code step use the same words.
login_requires_code = twofactor_on


def current_destination(user: "User", device: CodeDevice | None = None) -> Destination | None:
    """Where the person's login codes and step-ups go now (never to an
    unproven detail); None when neither email nor phone is proven."""
    device = device or device_peek(user)
    enterprise = user.enterprise
    where = login_destination(
        user=user,
        device=device,
        channel=enterprise.twofactor_channel,
        regions=enterprise.sms_regions,
    )
    if where is not None and where.channel in PHONE_CHANNELS and not phone_budget_left(enterprise):
        # Today's SMS and voice codes are used up: by email until midnight UTC.
        where = login_destination(
            user=user,
            device=device,
            channel=enterprise.twofactor_channel,
            regions=enterprise.sms_regions,
            phones_today=False,
        )
    return where


def devices_require_verification(*, enterprise_id: int) -> int:
    """A channel change: every enrolled co-worker must prove a code on the new
    channel. One UPDATE, however many co-workers."""
    return CodeDevice.objects.filter(
        user__enterprise_id=enterprise_id, enrolled=True, confirmed=True
    ).update(confirmed=False)


def destination_proven(*, user_id: int, address: str) -> None:
    """A code sent to `address` was entered: that detail is proven."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.only("email", "phone").get(pk=user_id)
    updates = {}
    if address and address == email_address(user.email):
        updates["email_unproven"] = False
    if address and user.phone and address == user.phone.as_e164:
        updates["phone_unproven"] = False
    if updates:
        CodeDevice.objects.filter(user_id=user_id).update(**updates)
