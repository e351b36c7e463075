"""Recovery codes: ten single-use codes a person keeps on paper for the day
their phone is gone (docs/BEHAVIOUR.md, "Recovery codes").

Only a slow, keyed hash of each is stored (recovery_hash); the plaintext
exists in the response that shows them, once. A wrong recovery code counts
toward the same locks as a wrong sent code."""

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from enterprise.audit import Action, audit_record
from twofactor import notices
from twofactor.codes import CodeError, code_hash, failure_count, lock_notice, locked_error
from twofactor.devices import device_get
from twofactor.models import CodeDevice, Lock, RecoveryCode

if TYPE_CHECKING:
    from accounts.models import User

WRONG = _("That recovery code is not correct, or it was already used.")


def recovery_normalise(text: str) -> str:
    """What a person types, as stored: any case, spaces and dashes ignored."""
    return "".join(ch for ch in text.lower() if ch not in " -\t")


@sensitive_variables("code")
def recovery_hash(code: str, salt: str) -> str:
    """A recovery code as stored (NIST SP 800-63B §5.1.2.2: a look-up secret
    under 112 bits is salted and hashed with a one-way key derivation
    function): PBKDF2-SHA256 over the portal's keyed hash, so a copy of the
    database alone cannot even be guessed at, and with the key, each guess
    costs TWOFACTOR_RECOVERY_HASH_ITERATIONS rounds."""
    keyed = code_hash(recovery_normalise(code), salt)
    iterations = settings.TWOFACTOR_RECOVERY_HASH_ITERATIONS
    return hashlib.pbkdf2_hmac("sha256", keyed.encode(), salt.encode(), iterations).hex()


def _draw() -> str:
    alphabet = settings.TWOFACTOR_RECOVERY_ALPHABET
    raw = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def recovery_grant(*, user: "User") -> str:
    """A step-up for new codes was entered: a one-time grant, for the page
    that shows them. Returns the token for the session; its hash is kept on
    the device, so one page claims it however many load at once."""
    token = secrets.token_urlsafe(24)
    CodeDevice.objects.filter(user=user).update(
        recovery_grant=hashlib.sha256(token.encode()).hexdigest()
    )
    return token


@sensitive_variables("codes")
def recovery_generate(*, user: "User", ip: str | None, grant: str | None = None) -> list[str]:
    """New codes for the person; the old ones stop working. Returns the
    plaintext, to be shown once and never stored. With `grant`, only if
    that grant is still unclaimed (else []): the device row is locked, so
    two pages at once draw one set, and the other shows none."""
    codes = [_draw() for _ in range(settings.TWOFACTOR_RECOVERY_CODES)]
    rows = []
    for code in codes:
        salt = secrets.token_hex(16)
        rows.append(RecoveryCode(user=user, salt=salt, code_hash=recovery_hash(code, salt)))
    device = device_get(user)
    with transaction.atomic():
        device = CodeDevice.objects.select_for_update().get(pk=device.pk)
        if grant is not None:
            claimed = hashlib.sha256(grant.encode()).hexdigest()
            if not device.recovery_grant or not hmac.compare_digest(device.recovery_grant, claimed):
                return []
            device.recovery_grant = ""
            device.save(update_fields=["recovery_grant"])
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(rows)
    audit_record(
        Action.RECOVERY_CODES_GENERATED,
        actor=user,
        target=user,
        ip=ip,
        detail=f"{len(codes)} codes; earlier ones void",
    )
    return codes


def recovery_left(user: "User | int") -> int:
    """How many unused recovery codes the person has (a user or its id)."""
    user_id = user if isinstance(user, int) else user.pk
    return RecoveryCode.objects.filter(user_id=user_id, used_at__isnull=True).count()


def recovery_void(*, user: "User") -> int:
    """Every recovery code of the person stops working (2FA off, a reset)."""
    deleted, _ = RecoveryCode.objects.filter(user=user).delete()
    return deleted


@sensitive_variables("code", "typed")
def recovery_verify(*, user: "User", code: str, ip: str | None) -> int:
    """Accept one of the person's unused recovery codes, once, or raise
    CodeError. Returns how many are left. Under the same row lock and the
    same failure count as code_verify, so two requests cannot both use one
    code, and guessing is held to the locks."""
    typed = recovery_normalise(code)
    device = device_get(user)
    locked: Lock | None = None
    with transaction.atomic():
        device = CodeDevice.objects.select_for_update().get(pk=device.pk)
        lock = device.lock()
        if lock:
            raise locked_error(lock)
        now = timezone.now()
        match = None
        for row in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
            # Every row is compared, in constant time: the time taken says
            # nothing about which code was close.
            if hmac.compare_digest(recovery_hash(typed, row.salt), row.code_hash):
                match = row
        if match is not None and (
            RecoveryCode.objects.filter(pk=match.pk, used_at__isnull=True).update(used_at=now)
        ):
            device.throttle_reset(commit=False)
            device.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])
            left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
            audit_record(
                Action.RECOVERY_CODE_USED,
                actor=user,
                target=user,
                ip=ip,
                detail=f"{left} left",
            )
        else:
            locked = failure_count(device, user=user, ip=ip, what="recovery code")
            left = -1
    if left < 0:
        if locked:
            lock_notice(user=user, lock=locked)
            raise locked_error(locked)
        raise CodeError(WRONG)
    notices.notice_send(notices.RECOVERY_CODE_USED, user=user, context={"left": left})
    return left
