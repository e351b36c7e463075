"""Where a code goes: pure helpers, no database.

A destination is an email address or an E.164 phone number, and the channel
that reaches it. The account's channel decides which contact detail codes
use; a detail that is missing, or unproven (changed without a code proving
it), is never used for a login code or a step-up: the other, proven detail
is used instead, and the pop-up says why."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import phonenumbers
from phonenumbers import PhoneNumberType

from twofactor.vocabulary import CHANNEL_LABELS, PHONE_CHANNELS, Channel

if TYPE_CHECKING:
    from accounts.models import User
    from twofactor.models import CodeDevice

# Why a code does not travel by the account's channel.
NO_PHONE = "no_phone"
PHONE_UNPROVEN = "phone_unproven"
EMAIL_UNPROVEN = "email_unproven"

# Numbers that cost the sender (or the receiver's operator bills the sender
# for), or that no person reads a code on: refused before anything is sent.
REFUSED_NUMBER_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "premium-rate numbers",
    PhoneNumberType.SHARED_COST: "shared-cost numbers",
    PhoneNumberType.UAN: "company (UAN) numbers",
    PhoneNumberType.PAGER: "pagers",
    PhoneNumberType.VOICEMAIL: "voicemail-only numbers",
    PhoneNumberType.PERSONAL_NUMBER: "personal forwarding numbers",
}


@dataclass(frozen=True)
class Destination:
    channel: str
    address: str
    detour: str = ""

    @property
    def masked(self) -> str:
        return mask_destination(self.address)

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel]

    def same_as(self, other: "Destination | None") -> bool:
        return other is not None and (self.channel, self.address) == (
            other.channel,
            other.address,
        )


def phone_e164(user: "User") -> str:
    return str(user.phone.as_e164) if user.phone else ""


def email_address(email: str) -> str:
    """An email address as a destination: in lower case, so that
    CARL@EXAMPLE.COM and carl@example.com are one mailbox to every limit
    (mail servers treat them as one, whatever RFC 5321 allows)."""
    return email.lower()


def channel_destination(*, email: str, phone: str, channel: str) -> Destination:
    """Where the account's channel sends with these contact details, proven
    or not: the phone for SMS and Voice, else (and without a phone) email."""
    email = email_address(email)
    if channel in PHONE_CHANNELS:
        if phone:
            return Destination(channel, phone)
        return Destination(Channel.EMAIL, email, NO_PHONE)
    return Destination(Channel.EMAIL, email)


def login_destination(*, user: "User", device: "CodeDevice", channel: str) -> Destination | None:
    """Where the person's login codes (and step-ups) go now: by the account's
    channel, but never to an unproven detail. None when no detail is proven."""
    email = email_address(user.email) if user.email and not device.email_unproven else ""
    phone = phone_e164(user)
    phone = phone if phone and not device.phone_unproven else ""
    if channel in PHONE_CHANNELS:
        if phone:
            return Destination(channel, phone)
        if email:
            return Destination(Channel.EMAIL, email, NO_PHONE if not user.phone else PHONE_UNPROVEN)
        return None
    if email:
        return Destination(Channel.EMAIL, email)
    if phone:
        return Destination(Channel.SMS, phone, EMAIL_UNPROVEN)
    return None


def mask_destination(destination: str) -> str:
    if "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}{'•' * max(3, len(local) - 1)}@{domain}"
    return f"{destination[:2]}{'•' * max(3, len(destination) - 6)}{destination[-4:]}"


def phone_refusal(number: str) -> str | None:
    """Why codes are never sent to this E.164 number, or None. Satellite and
    other non-geographic networks (+870, +881, +882, ...) are refused whole:
    no person's everyday phone is there, and their rates are the highest."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return "This is not a phone number."
    kind: str | None
    if phonenumbers.region_code_for_number(parsed) == "001":
        kind = "satellite and international network numbers"
    else:
        kind = REFUSED_NUMBER_TYPES.get(phonenumbers.number_type(parsed))
    if kind is None:
        return None
    return (
        f"This number can't receive verification codes: {kind} are refused. "
        "Use a mobile or landline number."
    )
