"""The authenticator app (TOTP, RFC 6238): django-otp's TOTPDevice, six
digits every 30 seconds, with its drift and replay rules (a code is accepted
once, and never one older than the last accepted). Failures count toward
the same locks as sent codes (twofactor.codes.failure_count); django-otp's
own exponential throttle is off (OTP_TOTP_THROTTLE_FACTOR = 0) so the two
never disagree.

A person has at most one app: set up (unconfirmed) until a Verification code
from it is entered, then active."""

from base64 import b32encode
from typing import TYPE_CHECKING

import segno
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_otp.plugins.otp_totp.models import TOTPDevice

from enterprise.audit import Action, audit_record
from twofactor.codes import CodeError, failure_count, lock_notice, locked_error
from twofactor.devices import device_get
from twofactor.models import CodeDevice, Lock

if TYPE_CHECKING:
    from accounts.models import User

# The device's name (and the audit log's word for it): data, not words for a reader.
APP_NAME = "Authenticator app"
WRONG = _("That code is not correct. Enter the 6-digit code your authenticator app shows now.")


def app_allowed(user: "User") -> bool:
    """The administrator allows authenticator apps (Allowed methods)."""
    return bool(user.enterprise.twofactor_enabled and user.enterprise.allow_authenticator_app)


def app_device(user: "User") -> TOTPDevice | None:
    """The person's active app, if any, and if their enterprise allows it."""
    if not app_allowed(user):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def app_pending(user: "User") -> TOTPDevice:
    """A new, unconfirmed app for the person (a fresh secret each time)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def app_secret(device: TOTPDevice) -> str:
    """The secret as the apps type it: base32, in groups of four."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def app_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code, drawn here (no image request,
    no JavaScript; the secret never leaves the page)."""
    label = gettext("QR code of your authenticator app's secret")
    svg: str = segno.make(device.config_url, error="m").svg_inline(
        scale=4, dark="#1c2430", light="#ffffff", title=label
    )
    # A translation may hold characters an attribute cannot (the English has none).
    attribute = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{attribute}" ', 1)


@sensitive_variables("code")
def app_verify(
    *, user: "User", code: str, ip: str | None, device: TOTPDevice | None = None
) -> None:
    """Accept a code from the person's app (their active one, or `device`
    while setting it up) or raise CodeError. Under the code step's row lock,
    so the locks count every failure exactly and a code is used once."""
    locked: Lock | None = None
    code_device = device_get(user)
    with transaction.atomic():
        code_device = CodeDevice.objects.select_for_update().get(pk=code_device.pk)
        lock = code_device.lock()
        if lock:
            raise locked_error(lock)
        totp = device or app_device(user)
        if totp is None:
            raise CodeError(gettext("Your authenticator app was removed. Please start again."))
        totp = TOTPDevice.objects.select_for_update().get(pk=totp.pk)
        if totp.verify_token(code):
            code_device.throttle_reset(commit=False)
            code_device.save(
                update_fields=["throttling_failure_count", "throttling_failure_timestamp"]
            )
            audit_record(
                Action.CODE_ACCEPTED, actor=user, target=user, ip=ip, detail="authenticator app"
            )
            return
        locked = failure_count(code_device, user=user, ip=ip, what="authenticator app")
    if locked:
        lock_notice(user=user, lock=locked)
        raise locked_error(locked)
    raise CodeError(WRONG)


def app_confirm(*, user: "User", device: TOTPDevice, code: str, ip: str | None) -> None:
    """Setting up: the first code from the app makes it active."""
    app_verify(user=user, code=code, ip=ip, device=device)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    audit_record(Action.FACTOR_ADDED, actor=user, target=user, ip=ip, detail=APP_NAME)


def app_remove(*, user: "User", ip: str | None) -> bool:
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    if count:
        audit_record(Action.FACTOR_REMOVED, actor=user, target=user, ip=ip, detail=APP_NAME)
    return bool(count)
