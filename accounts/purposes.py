"""What each of My Account's changes confirms, as the code pop-up says it
first ("Confirm: turn off two-factor authentication"): registered with the
change actions (accounts/apps.py), read against what is saved now."""

from typing import Any

from django.utils.translation import gettext

from twofactor.destinations import mask_destination, phone_e164
from twofactor.devices import device_peek
from twofactor.models import Passkey


def account_settings_describe(user: Any, *, email: str, phone: str, twofactor: bool) -> list[str]:
    lines = []
    enrolled = device_peek(user).enrolled
    if twofactor and not enrolled:
        lines.append(gettext("Confirm: turn on two-factor authentication"))
    elif enrolled and not twofactor:
        lines.append(gettext("Confirm: turn off two-factor authentication"))
    if phone != phone_e164(user):
        lines.append(
            gettext("Confirm: change your phone number to %(number)s")
            % {"number": mask_destination(phone)}
            if phone
            else gettext("Confirm: remove your phone number")
        )
    if email != user.email:
        lines.append(
            gettext("Confirm: change your email address to %(email)s")
            % {"email": mask_destination(email)}
        )
    return lines


def password_describe(user: Any, **payload: Any) -> list[str]:
    return [gettext("Confirm: change your password")]


def recovery_codes_describe(user: Any) -> list[str]:
    return [gettext("Confirm: make new recovery codes (the old ones stop working)")]


def app_setup_describe(user: Any) -> list[str]:
    return [gettext("Confirm: set up an authenticator app")]


def app_remove_describe(user: Any) -> list[str]:
    return [gettext("Confirm: remove your authenticator app")]


def passkey_add_describe(user: Any, *, name: str) -> list[str]:
    return [gettext("Confirm: add the passkey “%(name)s”") % {"name": name}]


def passkey_remove_describe(user: Any, *, passkey_id: int) -> list[str]:
    passkey = Passkey.objects.filter(user=user, pk=passkey_id).first()
    if passkey is None:
        return [gettext("Confirm: remove a passkey")]
    return [gettext("Confirm: remove the passkey “%(name)s”") % {"name": passkey.name}]
