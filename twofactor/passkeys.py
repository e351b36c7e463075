"""Passkeys (WebAuthn, user verification required) with py_webauthn: the
options a browser needs to create or use one, and the checks of what it
answers. The relying party id is PORTAL_BASE_URL's host, its origin the
expected origin. A challenge lives in the person's session for one
ceremony; a failed login assertion counts toward the code step's locks."""

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from enterprise.audit import Action, audit_record
from twofactor.codes import CodeError, failure_count, lock_notice, locked_error
from twofactor.devices import device_get
from twofactor.models import CodeDevice, Lock, Passkey

if TYPE_CHECKING:
    from accounts.models import User

# The relying party's name: the product's, as on every message it sends.
RP_NAME = "Customer Portal"
WRONG = _("That passkey was not accepted. Try again, or try another way.")


def today_utc() -> date:
    return timezone.now().astimezone(UTC).date()


# --- Require a phishing-resistant method (docs/BEHAVIOUR.md, "Stronger factors") ---
#
# After the enterprise's `passkeys_deadline` (the last day, UTC, other methods
# log in) only a passkey logs in; a code by the channel or a recovery code only
# if the administrator allows them for recovery. A session not opened by a
# passkey then opens nothing but adding one (enterprise/middleware.py).


def passkeys_only(enterprise: Any, today: date | None = None) -> bool:
    """The enterprise accepts only passkeys at login now."""
    return bool(
        enterprise.twofactor_enabled
        and enterprise.passkeys_required
        and enterprise.allow_passkey
        and enterprise.passkeys_deadline is not None
        and (today or today_utc()) > enterprise.passkeys_deadline
    )


def recovery_by_channel(enterprise: Any) -> bool:
    """Past the date, a code by the channel (or a recovery code) still logs
    in, to add a passkey: the administrator allows it."""
    return bool(enterprise.passkey_recovery)


@dataclass(frozen=True)
class PasskeyRequirement:
    """This person must log in with a passkey after `deadline`; `overdue`:
    the date has passed; `has_passkey`: they have one; `recovery`: codes by
    the channel still log in (to add one)."""

    deadline: date | None
    overdue: bool
    has_passkey: bool
    recovery: bool


def passkey_requirement_of(user: "User") -> PasskeyRequirement | None:
    """What the passkey requirement asks of this person, or None."""
    enterprise = user.enterprise
    if not (
        enterprise.twofactor_enabled and enterprise.passkeys_required and enterprise.allow_passkey
    ):
        return None
    return PasskeyRequirement(
        deadline=enterprise.passkeys_deadline,
        overdue=passkeys_only(enterprise),
        has_passkey=Passkey.objects.filter(user=user).exists(),
        recovery=recovery_by_channel(enterprise),
    )


def rp_id() -> str:
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"


def origin() -> str:
    parts = urlsplit(settings.PORTAL_BASE_URL)
    return f"{parts.scheme}://{parts.netloc}"


def passkeys_allowed(user: "User") -> bool:
    return bool(user.enterprise.twofactor_enabled and user.enterprise.allow_passkey)


def passkeys_of(user: "User") -> list[Passkey]:
    if not passkeys_allowed(user):
        return []
    return list(Passkey.objects.filter(user=user).order_by("created_at"))


def registration_options(user: "User") -> tuple[str, str]:
    """(the options as JSON for the browser, the challenge for the session)."""
    challenge = secrets.token_bytes(32)
    options = generate_registration_options(
        rp_id=rp_id(),
        rp_name=RP_NAME,
        user_name=user.username,
        user_id=str(user.pk).encode(),
        user_display_name=user.get_full_name() or user.username,
        challenge=challenge,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in Passkey.objects.filter(user=user)
        ],
    )
    return options_to_json(options), bytes_to_base64url(challenge)


def registration_verify(
    *, user: "User", name: str, credential: str, challenge: str, ip: str | None
) -> Passkey:
    try:
        verified = verify_registration_response(
            credential=_json(credential),
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id(),
            expected_origin=origin(),
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise CodeError(gettext("That passkey could not be added. Please try again.")) from exc
    try:
        with transaction.atomic():
            passkey = Passkey.objects.create(
                user=user,
                name=name,
                credential_id=bytes_to_base64url(verified.credential_id),
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
            )
    except IntegrityError as exc:  # a credential id already stored (anyone's)
        raise CodeError(gettext("That passkey could not be added. Please try again.")) from exc
    audit_record(Action.FACTOR_ADDED, actor=user, target=user, ip=ip, detail=f"passkey {name}")
    return passkey


def authentication_options(user: "User") -> tuple[str, str]:
    challenge = secrets.token_bytes(32)
    options = generate_authentication_options(
        rp_id=rp_id(),
        challenge=challenge,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in passkeys_of(user)
        ],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options), bytes_to_base64url(challenge)


def authentication_verify(*, user: "User", credential: str, challenge: str, ip: str | None) -> None:
    """Accept an assertion by one of the person's passkeys, or raise
    CodeError. Under the code step's row lock; a refusal is a failure."""
    locked: Lock | None = None
    code_device = device_get(user)
    with transaction.atomic():
        code_device = CodeDevice.objects.select_for_update().get(pk=code_device.pk)
        lock = code_device.lock()
        if lock:
            raise locked_error(lock)
        try:
            answer = _json(credential)
        except ValueError:
            answer = {}
        passkey = (
            Passkey.objects.select_for_update()
            .filter(user=user, credential_id=str(answer.get("id", ""))[:1400])
            .first()
        )
        try:
            if passkey is None:
                raise InvalidAuthenticationResponse("not this person's passkey")
            verified = verify_authentication_response(
                credential=answer,
                expected_challenge=base64url_to_bytes(challenge),
                expected_rp_id=rp_id(),
                expected_origin=origin(),
                credential_public_key=bytes(passkey.public_key),
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=True,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError):
            locked = failure_count(code_device, user=user, ip=ip, what="passkey")
        else:
            passkey.sign_count = verified.new_sign_count
            passkey.last_used_at = timezone.now()
            passkey.save(update_fields=["sign_count", "last_used_at"])
            code_device.throttle_reset(commit=False)
            code_device.save(
                update_fields=["throttling_failure_count", "throttling_failure_timestamp"]
            )
            audit_record(Action.CODE_ACCEPTED, actor=user, target=user, ip=ip, detail="passkey")
            return
    if locked:
        lock_notice(user=user, lock=locked)
        raise locked_error(locked)
    raise CodeError(WRONG)


LAST_PASSKEY = _(
    "Your administrator accepts only passkeys to log in: add another passkey before you "
    "remove this one."
)


def passkey_removable(*, user: "User", passkey_id: int) -> None:
    """Raise CodeError if removing this passkey would leave a person whose
    enterprise accepts only passkeys without one."""
    if not passkeys_only(user.enterprise):
        return
    others = Passkey.objects.filter(user=user).exclude(pk=passkey_id)
    if Passkey.objects.filter(user=user, pk=passkey_id).exists() and not others.exists():
        raise CodeError(LAST_PASSKEY)


def passkey_remove(*, user: "User", passkey_id: int, ip: str | None) -> bool:
    """Remove one of the person's passkeys (under their row lock: two
    removals at once cannot both take the last one)."""
    with transaction.atomic():
        CodeDevice.objects.select_for_update().filter(user=user).first()
        passkey_removable(user=user, passkey_id=passkey_id)
        count, _ = Passkey.objects.filter(user=user, pk=passkey_id).delete()
    if count:
        audit_record(Action.FACTOR_REMOVED, actor=user, target=user, ip=ip, detail="passkey")
    return bool(count)


def _json(credential: str) -> dict[str, Any]:
    try:
        value = json.loads(credential)
    except RecursionError as exc:  # "[[[[..." deeper than Python recurses
        raise ValueError("not a credential") from exc
    if not isinstance(value, dict):
        raise ValueError("not a credential")
    return value


def passkey_rule_data(rule: tuple[bool, date | None, bool]) -> list[Any]:
    """An enterprise's passkey rule (required, last day, codes for recovery)
    as plain data that can travel to the worker."""
    required, day, recovery = rule
    return [required, day.isoformat() if day else None, recovery]


def passkey_rule_sentence(rule: Sequence[Any], was_rule: Sequence[Any]) -> str:
    """What a change of the passkey rule means, in the active language; ""
    when nothing a person would notice changed. Either rule may be a tuple or
    passkey_rule_data's list."""
    required, day, recovery = rule
    if isinstance(day, str):
        day = date.fromisoformat(day)
    if required and day and list(rule) != list(was_rule):
        if recovery:
            words = gettext(
                "A passkey is required: after %(day)s (UTC), only a passkey logs in (a code by "
                "the channel or a recovery code still logs in, to add a new passkey)."
            )
        else:
            words = gettext(
                "A passkey is required: after %(day)s (UTC), only a passkey logs in "
                "(no code logs in)."
            )
        return words % {"day": date_format(day)}
    if was_rule[0] and not required:
        return gettext("A passkey is no longer required.")
    return ""
