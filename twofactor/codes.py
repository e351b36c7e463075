"""Codes on the web side: issue one (within the limits) and check one (with
the locks). The worker's side, drawing and sending, is twofactor/delivery.py.

Every limit is read from settings (docs/BEHAVIOUR.md, "Codes and limits"). Counters live
in the database (the Challenge rows and django-otp's failure counter on the
device), so every web process and worker sees the same numbers."""

import hmac
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_stubs_ext import StrOrPromise

from enterprise.audit import Action, audit_record
from twofactor import insight, notices, signals
from twofactor.budget import Taken, phone_budget_take
from twofactor.destinations import Destination, phone_refusal
from twofactor.devices import destination_proven, device_get
from twofactor.models import Challenge, CodeDevice, Lock
from twofactor.vocabulary import PHONE_CHANNELS

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User

logger = logging.getLogger(__name__)

# Codes that go to the destination a person's login uses now count against
# that destination; codes that prove a new one form a pool of their own.
OWNER_PURPOSES = (Challenge.Purpose.LOGIN, Challenge.Purpose.STEP_UP)


class CodeError(Exception):
    """A code step the person cannot take now; `message` says what to do, in
    the language active where it was raised (a lazy message is read then, so
    `message` is always a plain str: fit for JSON and the session)."""

    status = 400

    def __init__(self, message: StrOrPromise, *, retry_at: datetime | None = None):
        self.message = str(message)
        super().__init__(self.message)
        self.retry_at = retry_at


class RateLimited(CodeError):
    """`limit` names the limit hit, for the audit log ("" for a lock: the
    lock itself is audited when it falls)."""

    status = 429

    def __init__(self, message: StrOrPromise, *, retry_at: datetime | None = None, limit: str = ""):
        super().__init__(message, retry_at=retry_at)
        self.limit = limit


class PhoneBudgetSpent(CodeError):
    """Today's SMS and voice codes are used up (twofactor/budget.py)."""


class DeliveryUnavailable(CodeError):
    status = 503


def _at(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M:%S UTC")


def lock_message(lock: Lock) -> str:
    if lock.until is None:
        return gettext(
            "Too many wrong codes. Verification is locked until an administrator "
            "unlocks it: ask your administrator."
        )
    return gettext("Too many wrong codes. Verification is locked until %(time)s.") % {
        "time": _at(lock.until)
    }


def locked_error(lock: Lock) -> RateLimited:
    return RateLimited(lock_message(lock), retry_at=lock.until)


def code_hash(code: str, salt: str) -> str:
    return salted_hmac("twofactor.code", f"{salt}:{code}", algorithm="sha256").hexdigest()


def _window_retry_at(queryset: "QuerySet[Challenge]", limit: int, now: datetime) -> datetime | None:
    """When the oldest code that keeps the count at `limit` leaves the window."""
    window_start = now - settings.TWOFACTOR_RATE_WINDOW
    recent = list(
        queryset.filter(created_at__gt=window_start)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    oldest: datetime = recent[-1]
    return oldest + settings.TWOFACTOR_RATE_WINDOW


def _limits(
    *, user: "User", purpose: str, address: str
) -> Iterator[tuple["QuerySet[Challenge]", int]]:
    """(codes counted, the limit) for each hourly limit a new code must pass."""
    yield Challenge.objects.filter(user=user), settings.TWOFACTOR_MAX_CODES_PER_USER
    if purpose in OWNER_PURPOSES:
        pool = Challenge.objects.filter(destination=address, purpose__in=OWNER_PURPOSES)
        yield pool, settings.TWOFACTOR_MAX_CODES_PER_DESTINATION
    else:
        pool = Challenge.objects.filter(destination=address, purpose=Challenge.Purpose.PROVE)
        yield pool, settings.TWOFACTOR_MAX_PROOFS_PER_DESTINATION


def resend_ready_at(
    *, user: "User", purpose: str, address: str, flow: uuid.UUID
) -> tuple[datetime | None, bool]:
    """When a Resend for `flow` may send again, for the pop-up to count down
    to: (None if now; True when the hourly limit holds it, not the resend
    cooldown). A read: nothing is locked, counted or audited here; the send
    itself checks again (challenge_issue)."""
    now = timezone.now()
    hourly = [
        at
        for queryset, limit in _limits(user=user, purpose=purpose, address=address)
        if (at := _window_retry_at(queryset, limit, now))
    ]
    if hourly:
        return max(hourly), True
    return _cooldown_ends(flow, now), False


def _cooldown_ends(flow: uuid.UUID, now: datetime) -> datetime | None:
    """When the resend cooldown of `flow`'s newest code ends; None if it has."""
    last = Challenge.objects.filter(flow=flow).order_by("-created_at").first()
    if last and now < last.created_at + settings.TWOFACTOR_RESEND_COOLDOWN:
        return last.created_at + settings.TWOFACTOR_RESEND_COOLDOWN
    return None


def challenge_issue(
    *,
    user: "User",
    purpose: str,
    destination: Destination,
    flow: uuid.UUID | None = None,
    ip: str | None = None,
    cooldown: bool = True,
) -> Challenge:
    """See _challenge_issue. A limit hit is audited here, after its
    transaction: a row written inside it would be rolled back with it."""
    try:
        return _challenge_issue(
            user=user, purpose=purpose, destination=destination, flow=flow, ip=ip, cooldown=cooldown
        )
    except RateLimited as exc:
        if exc.limit:
            audit_record(Action.LIMIT_REACHED, actor=user, target=user, ip=ip, detail=exc.limit)
        raise


def _challenge_issue(
    *,
    user: "User",
    purpose: str,
    destination: Destination,
    flow: uuid.UUID | None,
    ip: str | None,
    cooldown: bool,
) -> Challenge:
    """Record a new code for `flow` and queue its delivery. (`cooldown`
    False: a fallback after the provider reported the last one undelivered
    need not wait the resend cooldown; every other limit holds.)

    Raises CodeError for a number codes are never sent to; RateLimited
    (nothing is sent) when the code step is locked, when the previous code of
    the same flow is younger than the resend cooldown, or when the requester
    or the destination had the hourly maximum of codes. Raises
    DeliveryUnavailable when the task cannot be queued."""
    if destination.channel in PHONE_CHANNELS:
        refusal = phone_refusal(destination.address, user.enterprise.sms_regions)
        if refusal:
            raise CodeError(refusal)
    now = timezone.now()
    device = device_get(user)
    with transaction.atomic():
        # Locking the device row serialises every code step of one user, so
        # two concurrent requests cannot both pass the counters below.
        device = CodeDevice.objects.select_for_update().get(pk=device.pk)
        lock = device.lock()
        if lock:
            raise locked_error(lock)
        if flow is not None and cooldown and (ready := _cooldown_ends(flow, now)):
            seconds = max(1, int((ready - now).total_seconds() + 0.999))
            raise RateLimited(
                ngettext(
                    "A code was just sent. You can ask for a new one in %(seconds)s second.",
                    "A code was just sent. You can ask for a new one in %(seconds)s seconds.",
                    seconds,
                )
                % {"seconds": seconds},
                retry_at=ready,
                limit="resend cooldown",
            )
        for queryset, limit in _limits(user=user, purpose=purpose, address=destination.address):
            retry_at = _window_retry_at(queryset, limit, now)
            if retry_at:
                raise RateLimited(
                    gettext("Too many codes were sent in the last hour. Try again at %(time)s.")
                    % {"time": _at(retry_at)},
                    retry_at=retry_at,
                    limit="hourly code limit",
                )
        taken = None
        if destination.channel in PHONE_CHANNELS:
            taken = phone_budget_take(user.enterprise)
            if not taken.ok:
                raise PhoneBudgetSpent(DAILY_LIMIT_REACHED)
        if flow is not None:
            Challenge.objects.filter(flow=flow, status=Challenge.Status.ACTIVE).update(
                status=Challenge.Status.SUPERSEDED
            )
        challenge = Challenge.objects.create(
            user=user,
            flow=flow or uuid.uuid4(),
            purpose=purpose,
            channel=destination.channel,
            destination=destination.address,
            created_at=now,
            expires_at=now + settings.TWOFACTOR_CODE_TTL,
            requested_ip=ip,
            # The person's own Language, else the one they are reading now.
            language=user.language or translation.get_language() or "",
        )
    insight.tally(
        enterprise_id=user.enterprise_id,
        channel=challenge.channel,
        day=now.astimezone(UTC).date(),
        field="sent",
    )
    if taken is not None:
        _budget_told(user, taken, ip=ip)
    # The row is committed here (services run outside request transactions),
    # so the worker can read it; queueing now, not on commit, lets a broker
    # outage reach the person as a 503 instead of a silent missing code.
    _enqueue_delivery(challenge, ip=ip)
    return challenge


DAILY_LIMIT_REACHED = _(
    "Your account has sent all the SMS and voice codes its administrator allows today. "
    "Try again: codes go by email until midnight UTC (a new phone number can be confirmed "
    "tomorrow)."
)


def _budget_told(user: "User", taken: Taken, *, ip: str | None) -> None:
    """The administrators hear once a day when the warning share is used;
    the audit log notes the code that used the last one."""
    enterprise = user.enterprise
    if taken.warn:
        notices.administrators_tell(
            notices.DAILY_LIMIT_NEAR,
            enterprise_id=enterprise.pk,
            context={"count": taken.count, "limit": taken.limit},
        )
    if taken.full:
        audit_record(
            Action.LIMIT_REACHED,
            enterprise=enterprise,
            target=user,
            ip=ip,
            detail=f"daily SMS and voice limit ({taken.limit}) used up",
        )


def _enqueue_delivery(challenge: Challenge, *, ip: str | None) -> None:
    from twofactor.tasks import challenge_deliver

    try:
        challenge_deliver.delay(challenge.pk)
    except Exception as exc:  # kombu raises several types for a broker that is down
        logger.error("could not queue code delivery for challenge %s: %r", challenge.pk, exc)
        Challenge.objects.filter(pk=challenge.pk).update(
            status=Challenge.Status.SUPERSEDED,
            delivery=Challenge.Delivery.FAILED,
            delivery_detail="queue unavailable",
        )
        insight.challenge_tally(challenge.pk, "failed")
        audit_record(
            Action.DELIVERY_FAILED,
            target=challenge.user,
            actor=challenge.user,
            ip=ip,
            detail="delivery queue unavailable",
        )
        raise DeliveryUnavailable(
            gettext("We couldn't send your code right now. Try again in a minute.")
        ) from exc


@dataclass
class _Refusal:
    error: CodeError
    # Why, in twofactor.signals.VERIFY_OUTCOMES.
    outcome: str
    locked: Lock | None = None


ALREADY_USED = _(
    "This code was already used or replaced by a newer one. Use the latest code, or click Resend."
)


@sensitive_variables("code")  # an error report must not show the code
def code_verify(*, challenge_id: int, user: "User", code: str, ip: str | None = None) -> Challenge:
    """Accept `code` for the challenge or raise CodeError.

    The device and challenge rows are locked for the check, so a code is used
    at most once even when two requests race, and failures are counted
    exactly. Comparison is in constant time on keyed hashes. An accepted code
    proves the detail it was sent to."""
    now = timezone.now()
    device = device_get(user)
    refusal: _Refusal | None = None
    with transaction.atomic():
        device = CodeDevice.objects.select_for_update().get(pk=device.pk)
        lock = device.lock()
        challenge = Challenge.objects.select_for_update().filter(pk=challenge_id, user=user).first()
        if lock:
            refusal = _Refusal(locked_error(lock), "locked")
        elif challenge is None:
            refusal = _Refusal(
                CodeError(gettext("This verification has ended. Please start again.")), "ended"
            )
        elif challenge.status == Challenge.Status.KILLED:
            refusal = _Refusal(
                CodeError(
                    gettext(
                        "This code was entered wrong too many times. Click Resend for a new one."
                    )
                ),
                "killed",
            )
        elif challenge.status != Challenge.Status.ACTIVE:
            refusal = _Refusal(CodeError(ALREADY_USED), challenge.status)
        elif now >= challenge.expires_at:
            refusal = _Refusal(
                CodeError(gettext("This code has expired. Click Resend for a new one.")), "expired"
            )
        elif challenge.code_hash and hmac.compare_digest(
            code_hash(code, challenge.salt), challenge.code_hash
        ):
            # Conditional UPDATE: single use holds even where the database
            # ignores SELECT ... FOR UPDATE (SQLite).
            claimed = Challenge.objects.filter(
                pk=challenge.pk, status=Challenge.Status.ACTIVE
            ).update(status=Challenge.Status.USED, used_at=now)
            if not claimed:
                signals.code_verified.send(sender=None, outcome="used")
                raise CodeError(ALREADY_USED)
            device.throttle_reset(commit=False)
            device.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])
            destination_proven(user_id=user.pk, address=challenge.destination)
            audit_record(Action.CODE_ACCEPTED, actor=user, target=user, ip=ip)
            signals.code_verified.send(sender=None, outcome="ok")
            return challenge
        else:
            refusal = _refuse(device, challenge, user=user, ip=ip)
    signals.code_verified.send(sender=None, outcome=refusal.outcome)
    if refusal.locked:
        lock_notice(user=user, lock=refusal.locked)
    raise refusal.error


def failure_count(
    device: CodeDevice, *, user: "User", ip: str | None, what: str = ""
) -> Lock | None:
    """A wrong code or recovery code: one more consecutive failure on the
    device (the locks), audited. Returns the lock it caused, if any. Runs
    under the caller's row lock on the device."""
    device.throttle_increment(commit=False)
    device.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])
    audit_record(Action.CODE_REFUSED, actor=user, target=user, ip=ip, detail=what)
    lock = device.lock()
    if lock:
        detail = (
            "until an administrator unlocks it"
            if lock.needs_administrator
            else f"for {int(settings.TWOFACTOR_LOCKOUT_DURATION.total_seconds() // 60)} minutes"
        )
        audit_record(Action.CODE_STEP_LOCKED, actor=user, target=user, ip=ip, detail=detail)
        until = "administrator" if lock.needs_administrator else "duration"
        signals.code_step_locked.send(sender=None, until=until)
    return lock


def lock_notice(*, user: "User", lock: Lock) -> None:
    """Tell the person their code step locked (after the transaction)."""
    notices.notice_send(
        notices.CODE_STEP_LOCKED,
        user=user,
        context={
            "minutes": int(settings.TWOFACTOR_LOCKOUT_DURATION.total_seconds() // 60),
            "until_unlocked": lock.needs_administrator,
        },
    )


def _refuse(device: CodeDevice, challenge: Challenge, *, user: "User", ip: str | None) -> _Refusal:
    """A wrong code: count it on the device (the locks) and on the code (it
    dies after TWOFACTOR_CODE_MAX_ATTEMPTS). Runs inside code_verify's lock."""
    challenge.failed_attempts += 1
    left = settings.TWOFACTOR_CODE_MAX_ATTEMPTS - challenge.failed_attempts
    if left <= 0:
        challenge.status = Challenge.Status.KILLED
    challenge.save(update_fields=["failed_attempts", "status"])
    lock = failure_count(device, user=user, ip=ip)
    if lock:
        return _Refusal(locked_error(lock), "wrong", locked=lock)
    if left <= 0:
        return _Refusal(
            CodeError(
                gettext(
                    "That code is not correct, and this code can no longer be used. "
                    "Click Resend for a new one."
                )
            ),
            "wrong",
        )
    return _Refusal(
        CodeError(
            ngettext(
                "That code is not correct. %(left)s try left for this code.",
                "That code is not correct. %(left)s tries left for this code.",
                left,
            )
            % {"left": left}
        ),
        "wrong",
    )


def code_step_unlock(*, user: "User") -> bool:
    """An administrator's Unlock: the count of failed codes starts again.
    True if the code step was locked."""
    device = device_get(user)
    with transaction.atomic():
        device = CodeDevice.objects.select_for_update().get(pk=device.pk)
        was_locked = device.lock() is not None
        device.throttle_reset(commit=False)
        device.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])
    return was_locked
