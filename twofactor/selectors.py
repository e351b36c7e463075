"""Reads about a person's two-factor state, for pages."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from twofactor.destinations import login_destination, mask_destination
from twofactor.devices import device_peek
from twofactor.models import CodeDevice, Lock

if TYPE_CHECKING:
    from accounts.models import User
from twofactor.vocabulary import CHANNEL_LABELS


@dataclass(frozen=True)
class TwofactorSummary:
    account_enabled: bool
    account_channel: str
    account_channel_label: str
    state: str
    state_label: str
    destination: str
    channel_used_label: str
    email_unproven: bool
    phone_unproven: bool
    # Why codes do not go by the account's channel: "", or a destinations.*
    # reason (no phone number, an unconfirmed phone or email).
    detour: str
    lock: Lock | None


def twofactor_summary(user: "User") -> TwofactorSummary:
    enterprise = user.enterprise
    device = device_peek(user)
    state = device.state() if enterprise.twofactor_enabled else CodeDevice.State.OFF
    channel = enterprise.twofactor_channel
    used = login_destination(user=user, device=device, channel=channel)
    return TwofactorSummary(
        account_enabled=enterprise.twofactor_enabled,
        account_channel=channel,
        account_channel_label=str(CHANNEL_LABELS[channel]),
        state=state,
        state_label=str(CodeDevice.State(state).label),
        destination=mask_destination(used.address) if used else "",
        channel_used_label=str(CHANNEL_LABELS[used.channel]) if used else "",
        email_unproven=bool(user.email) and device.email_unproven,
        phone_unproven=bool(user.phone) and device.phone_unproven,
        detour=used.detour if used else "",
        lock=device.lock(),
    )
