"""Helpers for tests of the code step: an account and co-workers with 2FA on,
a fixed start time for the frozen clock, and what a page says."""

import datetime as dt
import html
import re

from twofactor.models import CodeDevice

# Whole seconds and no microseconds, so no 6-digit run in a stored timestamp
# can be mistaken for a code by the tests that look for plaintext codes.
T0 = dt.datetime(2025, 3, 3, 12, 0, 0, tzinfo=dt.UTC)


def twofactor_on(enterprise, *users, channel: str = "email") -> None:
    """The administrator has turned 2FA on, and each of `users` has turned
    it on for their own login and proven a code on `channel`."""
    enterprise.twofactor_enabled = True
    enterprise.twofactor_channel = channel
    enterprise.save(update_fields=["twofactor_enabled", "twofactor_channel"])
    for user in users:
        CodeDevice.objects.update_or_create(
            user=user,
            defaults={"name": "Customer Portal code", "enrolled": True, "confirmed": True},
        )


def page_text(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def verified_login(client, user) -> None:
    """A session as the portal's login leaves it: logged in, and, when the
    person's login needs a code, verified by one (django-otp). A session made
    with the password alone while a code is needed is refused by the portal."""
    from accounts.sessions import CODE_PROVEN

    client.force_login(user)
    device = CodeDevice.objects.filter(user=user, enrolled=True).first()
    if device is not None:
        session = client.session
        session[CODE_PROVEN] = True
        if device.confirmed:
            session["otp_device_id"] = device.persistent_id
        session.save()
