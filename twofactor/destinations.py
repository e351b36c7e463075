"""Where a code goes: pure helpers, no database.

A destination is an email address or an E.164 phone number, and the channel
that reaches it. The account's channel decides which contact detail codes
use; a detail that is missing, or unproven (changed without a code proving
it), is never used for a login code or a step-up: the other, proven detail
is used instead, and the pop-up says why."""

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

import phonenumbers
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from phonenumbers import PhoneNumberType

from twofactor.vocabulary import CHANNEL_LABELS, PHONE_CHANNELS, Channel

if TYPE_CHECKING:
    from accounts.models import User
    from twofactor.models import CodeDevice

# Why a code does not travel by the account's channel.
NO_PHONE = "no_phone"
PHONE_UNPROVEN = "phone_unproven"
EMAIL_UNPROVEN = "email_unproven"
PHONE_NOT_ALLOWED = "phone_not_allowed"
DAILY_LIMIT = "daily_limit"

# Numbers that cost the sender (or the receiver's operator bills the sender
# for), or that no person reads a code on: refused before anything is sent.
REFUSED_NUMBER_TYPES: dict[int, StrOrPromise] = {
    PhoneNumberType.PREMIUM_RATE: _("premium-rate numbers"),
    PhoneNumberType.SHARED_COST: _("shared-cost numbers"),
    PhoneNumberType.UAN: _("company (UAN) numbers"),
    PhoneNumberType.PAGER: _("pagers"),
    PhoneNumberType.VOICEMAIL: _("voicemail-only numbers"),
    PhoneNumberType.PERSONAL_NUMBER: _("personal forwarding numbers"),
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
        """The channel in a sentence, in the active language."""
        return str(CHANNEL_LABELS[self.channel])

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


def region_of(number: str) -> str:
    """The ISO 3166 country of an E.164 number ("US"), or "" if unknown."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) or ""
    except phonenumbers.NumberParseException:
        return ""


def phone_allowed(number: str, regions: Collection[str]) -> bool:
    """SMS and voice may go to this number: `regions` (the enterprise's
    Allowed countries for SMS and voice) is empty (every country) or holds
    the number's country."""
    return not regions or region_of(number) in regions


def channel_destination(*, email: str, phone: str, channel: str) -> Destination:
    """Where the account's channel sends with these contact details, proven
    or not: the phone for SMS and Voice, else (and without a phone) email."""
    email = email_address(email)
    if channel in PHONE_CHANNELS:
        if phone:
            return Destination(channel, phone)
        return Destination(Channel.EMAIL, email, NO_PHONE)
    return Destination(Channel.EMAIL, email)


def login_destination(
    *,
    user: "User",
    device: "CodeDevice",
    channel: str,
    regions: Collection[str] = (),
    phones_today: bool = True,
) -> Destination | None:
    """Where the person's login codes (and step-ups) go now: by the account's
    channel, but never to an unproven detail, nor by SMS or voice to a
    country outside `regions` (when it is not empty), nor by SMS or voice
    once today's limit is used up (`phones_today` False). None when no
    detail can be used."""
    email = email_address(user.email) if user.email and not device.email_unproven else ""
    saved = phone_e164(user)
    phone = saved if saved and not device.phone_unproven else ""
    if phone and not phone_allowed(phone, regions):
        phone, why = "", PHONE_NOT_ALLOWED
    elif phone and not phones_today:
        phone, why = "", DAILY_LIMIT
    else:
        why = NO_PHONE if not saved else PHONE_UNPROVEN
    if channel in PHONE_CHANNELS:
        if phone:
            return Destination(channel, phone)
        if email:
            return Destination(Channel.EMAIL, email, why)
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


def phone_refusal(number: str, regions: Collection[str] = ()) -> str | None:
    """Why codes are never sent to this E.164 number, or None. Satellite and
    other non-geographic networks (+870, +881, +882, ...) are refused whole:
    no person's everyday phone is there, and their rates are the highest.
    With `regions` (the enterprise's Allowed countries for SMS and voice), a
    number of another country is refused too."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return gettext("This is not a phone number.")
    if regions and not phone_allowed(number, regions):
        return country_refusal(region_of(number), regions)
    kind: StrOrPromise | None
    if phonenumbers.region_code_for_number(parsed) == "001":
        kind = gettext("satellite and international network numbers")
    else:
        kind = REFUSED_NUMBER_TYPES.get(phonenumbers.number_type(parsed))
    if kind is None:
        return None
    return gettext(
        "This number can't receive verification codes: %(kind)s are refused. "
        "Use a mobile or landline number."
    ) % {"kind": kind}


def country_name(region: str) -> str:
    from django_countries import countries

    return str(countries.name(region)) or region or gettext("an unknown country")


def country_refusal(region: str, regions: Collection[str]) -> str:
    names = sorted(country_name(r) for r in regions)
    allowed = (
        ", ".join(names)
        if len(names) <= 6
        else ngettext(
            "the %(count)s country they chose", "the %(count)s countries they chose", len(names)
        )
        % {"count": len(names)}
    )
    return gettext(
        "Your administrator allows SMS and voice codes only to phone numbers in %(allowed)s. "
        "This number is in %(country)s: use a number in an allowed country, "
        "or leave Phone number empty to get codes by email."
    ) % {"allowed": allowed, "country": country_name(region)}
