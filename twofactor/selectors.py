"""Reads about a person's two-factor state, for pages."""

from dataclasses import dataclass

from enterprise.models import PHONE_CHANNELS
from twofactor.models import CodeDevice
from twofactor.services import CHANNEL_LABELS, code_destination, mask_destination


@dataclass(frozen=True)
class TwofactorSummary:
    account_enabled: bool
    account_channel: str
    account_channel_label: str
    state: str
    state_label: str
    destination: str
    channel_used_label: str
    falls_back_to_email: bool


def twofactor_summary(user) -> TwofactorSummary:
    enterprise = user.enterprise
    device = CodeDevice.objects.filter(user=user).first()
    state = device.state() if device else CodeDevice.State.OFF
    if not enterprise.twofactor_enabled:
        state = CodeDevice.State.OFF
    channel = enterprise.twofactor_channel
    used, destination = code_destination(user=user, channel=channel)
    return TwofactorSummary(
        account_enabled=enterprise.twofactor_enabled,
        account_channel=channel,
        account_channel_label=CHANNEL_LABELS[channel],
        state=state,
        state_label=CodeDevice.State(state).label,
        destination=mask_destination(destination) if destination else "",
        channel_used_label=CHANNEL_LABELS[used],
        falls_back_to_email=channel in PHONE_CHANNELS and not user.phone,
    )
