"""Codes: issue, hash, verify, throttle, expire; and their delivery.

Every limit is read from settings (SPEC.md "Codes and limits"). Counters live
in the database (the Challenge rows and django-otp's failure counter on the
device), so every web process and worker sees the same numbers."""

import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.debug import sensitive_variables

from enterprise.audit import Action, audit_record
from enterprise.models import PHONE_CHANNELS, Channel
from twofactor.models import Challenge, CodeDevice

logger = logging.getLogger(__name__)

CHANNEL_LABELS = {Channel.EMAIL: "email", Channel.SMS: "SMS", Channel.VOICE: "voice call"}


class CodeError(Exception):
    """A code step the person cannot take now; `message` says what to do."""

    status = 400

    def __init__(self, message: str, *, retry_at: datetime | None = None):
        super().__init__(message)
        self.message = message
        self.retry_at = retry_at


class RateLimited(CodeError):
    status = 429


class DeliveryUnavailable(CodeError):
    status = 503


def _at(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M:%S UTC")


# --- enrolment state ---------------------------------------------------------


def device_get(user) -> CodeDevice:
    device, _ = CodeDevice.objects.get_or_create(
        user=user, defaults={"name": "Customer Portal code"}
    )
    return device


def code_destination(*, user, channel: str) -> tuple[str, str]:
    """(channel actually used, destination). SMS or voice without a phone
    number falls back to email, as SPEC says, until the person adds one."""
    if channel in PHONE_CHANNELS:
        if user.phone:
            return channel, user.phone.as_e164
        return Channel.EMAIL, user.email
    return Channel.EMAIL, user.email


def login_requires_code(user) -> bool:
    if not user.enterprise.twofactor_enabled:
        return False
    device = CodeDevice.objects.filter(user=user).only("enrolled").first()
    return bool(device and device.enrolled)


def devices_require_verification(*, enterprise_id: int) -> int:
    """A channel change: every enrolled co-worker must prove a code on the new
    channel. One UPDATE, however many co-workers."""
    return CodeDevice.objects.filter(
        user__enterprise_id=enterprise_id, enrolled=True, confirmed=True
    ).update(confirmed=False)


# --- issuing -------------------------------------------------------------------


def code_hash(code: str, salt: str) -> str:
    return salted_hmac("twofactor.code", f"{salt}:{code}", algorithm="sha256").hexdigest()


def _window_retry_at(queryset, limit: int, now: datetime) -> datetime | None:
    """When the oldest code that keeps the count at `limit` leaves the window."""
    window_start = now - settings.TWOFACTOR_RATE_WINDOW
    recent = list(
        queryset.filter(created_at__gt=window_start)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[-1] + settings.TWOFACTOR_RATE_WINDOW


def challenge_issue(
    *,
    user,
    purpose: str,
    channel: str,
    destination: str,
    flow: uuid.UUID | None = None,
    ip: str | None = None,
) -> Challenge:
    """Record a new code for `flow` and queue its delivery.

    Raises RateLimited (nothing is sent) when the code step is locked, when
    the previous code of the same flow is younger than the resend cooldown,
    or when the user or the destination had the hourly maximum of codes.
    Raises DeliveryUnavailable when the task cannot be queued."""
    now = timezone.now()
    device = device_get(user)
    with transaction.atomic():
        # Locking the device row serialises every code step of one user, so
        # two concurrent requests cannot both pass the counters below.
        device = CodeDevice.objects.select_for_update().get(pk=device.pk)
        until = device.locked_until()
        if until:
            raise RateLimited(
                f"Too many wrong codes. The code step is locked until {_at(until)}.",
                retry_at=until,
            )
        if flow is not None:
            last = Challenge.objects.filter(flow=flow).order_by("-created_at").first()
            if last and now < last.created_at + settings.TWOFACTOR_RESEND_COOLDOWN:
                ready = last.created_at + settings.TWOFACTOR_RESEND_COOLDOWN
                seconds = max(1, int((ready - now).total_seconds() + 0.999))
                unit = "second" if seconds == 1 else "seconds"
                raise RateLimited(
                    f"A code was just sent. You can ask for a new one in {seconds} {unit}.",
                    retry_at=ready,
                )
        for queryset, limit in (
            (Challenge.objects.filter(user=user), settings.TWOFACTOR_MAX_CODES_PER_USER),
            (
                Challenge.objects.filter(destination=destination),
                settings.TWOFACTOR_MAX_CODES_PER_DESTINATION,
            ),
        ):
            retry_at = _window_retry_at(queryset, limit, now)
            if retry_at:
                raise RateLimited(
                    f"Too many codes were sent in the last hour. Try again at {_at(retry_at)}.",
                    retry_at=retry_at,
                )
        if flow is not None:
            Challenge.objects.filter(flow=flow, status=Challenge.Status.ACTIVE).update(
                status=Challenge.Status.SUPERSEDED
            )
        challenge = Challenge.objects.create(
            user=user,
            flow=flow or uuid.uuid4(),
            purpose=purpose,
            channel=channel,
            destination=destination,
            created_at=now,
            expires_at=now + settings.TWOFACTOR_CODE_TTL,
            requested_ip=ip,
        )
    # The row is committed here (services run outside request transactions),
    # so the worker can read it; queueing now, not on commit, lets a broker
    # outage reach the person as a 503 instead of a silent missing code.
    _enqueue_delivery(challenge, ip=ip)
    return challenge


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
        audit_record(
            Action.DELIVERY_FAILED,
            target=challenge.user,
            actor=challenge.user,
            ip=ip,
            detail="delivery queue unavailable",
        )
        raise DeliveryUnavailable(
            "We couldn't send your code right now. Try again in a minute."
        ) from exc


# --- verifying -----------------------------------------------------------------


@dataclass
class _Refusal:
    error: CodeError
    locked_now: bool = False


@sensitive_variables("code")  # an error report must not show the code
def code_verify(*, challenge_id: int, user, code: str, ip: str | None = None) -> Challenge:
    """Accept `code` for the challenge or raise CodeError.

    The device and challenge rows are locked for the check, so a code is used
    at most once even when two requests race, and failures are counted
    exactly. Comparison is in constant time on keyed hashes."""
    now = timezone.now()
    device = device_get(user)
    refusal: _Refusal | None = None
    with transaction.atomic():
        device = CodeDevice.objects.select_for_update().get(pk=device.pk)
        allowed, data = device.verify_is_allowed()
        challenge = Challenge.objects.select_for_update().filter(pk=challenge_id, user=user).first()
        if not allowed:
            until = data["locked_until"]
            refusal = _Refusal(
                RateLimited(
                    f"Too many wrong codes. The code step is locked until {_at(until)}.",
                    retry_at=until,
                )
            )
        elif challenge is None:
            refusal = _Refusal(CodeError("This code step has ended. Please start again."))
        elif challenge.status == Challenge.Status.KILLED:
            refusal = _Refusal(
                CodeError("This code was entered wrong too many times. Click Resend for a new one.")
            )
        elif challenge.status != Challenge.Status.ACTIVE:
            refusal = _Refusal(
                CodeError(
                    "This code was already used or replaced by a newer one. "
                    "Use the latest code, or click Resend."
                )
            )
        elif now >= challenge.expires_at:
            refusal = _Refusal(CodeError("This code has expired. Click Resend for a new one."))
        elif challenge.code_hash and hmac.compare_digest(
            code_hash(code, challenge.salt), challenge.code_hash
        ):
            # Conditional UPDATE: single use holds even where the database
            # ignores SELECT ... FOR UPDATE (SQLite).
            claimed = Challenge.objects.filter(
                pk=challenge.pk, status=Challenge.Status.ACTIVE
            ).update(status=Challenge.Status.USED, used_at=now)
            if not claimed:
                raise CodeError(
                    "This code was already used or replaced by a newer one. "
                    "Use the latest code, or click Resend."
                )
            device.throttle_reset(commit=False)
            device.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])
            audit_record(Action.CODE_ACCEPTED, actor=user, target=user, ip=ip)
            return challenge
        else:
            if device.throttling_failure_count >= settings.TWOFACTOR_LOCKOUT_FAILURES:
                # A lock that has run out: the next run of failures starts at zero.
                device.throttle_reset(commit=False)
            device.throttle_increment(commit=False)
            device.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])
            challenge.failed_attempts += 1
            left = settings.TWOFACTOR_CODE_MAX_ATTEMPTS - challenge.failed_attempts
            if left <= 0:
                challenge.status = Challenge.Status.KILLED
            challenge.save(update_fields=["failed_attempts", "status"])
            audit_record(Action.CODE_REFUSED, actor=user, target=user, ip=ip)
            locked_now = device.throttling_failure_count >= settings.TWOFACTOR_LOCKOUT_FAILURES
            if locked_now:
                until = device.locked_until()
                audit_record(Action.CODE_STEP_LOCKED, actor=user, target=user, ip=ip)
                message = f"Too many wrong codes. The code step is locked until {_at(until)}."
                refusal = _Refusal(RateLimited(message, retry_at=until), locked_now=True)
            elif left <= 0:
                refusal = _Refusal(
                    CodeError(
                        "That code is not correct, and this code can no longer be used. "
                        "Click Resend for a new one."
                    )
                )
            else:
                tries = "try" if left == 1 else "tries"
                refusal = _Refusal(
                    CodeError(f"That code is not correct. {left} {tries} left for this code.")
                )
    if refusal.locked_now:
        _enqueue_lockout_notice(user)
    raise refusal.error


def _enqueue_lockout_notice(user) -> None:
    from twofactor.tasks import lockout_notice_send

    try:
        lockout_notice_send.delay(user.pk)
    except Exception as exc:
        logger.error("could not queue lockout notice for user %s: %r", user.pk, exc)


# --- delivering (runs in the worker) ------------------------------------------------


def challenge_deliver(*, challenge_id: int) -> str:
    """Draw the code, store its hash, and hand the message to the channel.
    Returns the provider's id for the message, "" if none.

    Idempotent: a challenge already accepted by the provider, used, replaced
    or expired is not sent again, so a redelivered task does no harm. Raises
    TransportError for a transient failure (the task retries); a permanent
    one is recorded on the challenge for the pop-up to show."""
    from twofactor.channels import TransportError, get_channel

    # A fresh code on every attempt: the hash of an earlier attempt's code,
    # which may or may not have reached anyone, is overwritten.
    code = "".join(secrets.choice("0123456789") for _ in range(settings.TWOFACTOR_CODE_DIGITS))
    salt = secrets.token_hex(16)
    now = timezone.now()
    challenge = _challenge_claim(
        challenge_id=challenge_id, salt=salt, hashed=code_hash(code, salt), now=now
    )
    if challenge is None:
        # Not claimed: it expired before it could be sent (the pop-up says
        # so), or it was sent, used or replaced already.
        pending = Challenge.objects.filter(
            pk=challenge_id,
            status=Challenge.Status.ACTIVE,
            delivery__in=(Challenge.Delivery.QUEUED, Challenge.Delivery.SENDING),
        )
        pending.filter(expires_at__lte=now).update(
            delivery=Challenge.Delivery.FAILED,
            delivery_detail="The code expired before it could be sent. Click Resend.",
        )
        # Sent already (a redelivered task): its id, so reports that beat
        # the first run to the database are still applied.
        sent = Challenge.objects.filter(pk=challenge_id, delivery=Challenge.Delivery.SENT)
        return sent.values_list("provider_id", flat=True).first() or ""

    callback = None
    if challenge.channel in PHONE_CHANNELS:
        callback = f"{settings.PORTAL_BASE_URL}/twofactor/twilio/status/"
    try:
        provider_id = get_channel(challenge.channel).send_code(
            to=challenge.destination, code=code, status_callback=callback
        )
    except TransportError as exc:
        if not exc.permanent:
            raise
        Challenge.objects.filter(pk=challenge.pk).update(
            delivery=Challenge.Delivery.FAILED, delivery_detail=exc.message[:300]
        )
        challenge_audit(
            challenge, Action.DELIVERY_FAILED, detail=f"{challenge.channel}: {exc.message}"
        )
        return ""
    provider_id = provider_id or ""
    Challenge.objects.filter(pk=challenge.pk, delivery=Challenge.Delivery.SENDING).update(
        delivery=Challenge.Delivery.SENT, provider_id=provider_id
    )
    challenge_audit(
        challenge,
        Action.CODE_SENT,
        detail=f"{challenge.channel} to {mask_destination(challenge.destination)}",
    )
    if settings.DEBUG:
        from twofactor import dev_outbox

        dev_outbox.record(challenge=challenge, code=code)
    return provider_id


def _challenge_claim(
    *, challenge_id: int, salt: str, hashed: str, now: datetime
) -> Challenge | None:
    """Store the new code's hash and mark the challenge as being sent, if it
    may be sent: active, not yet accepted by the provider, not expired.
    Returns it with what sending and its audit row need, or None.

    One conditional UPDATE ... RETURNING (PostgreSQL, and SQLite since 3.35).
    The row lock it takes is the whole check. It is written in SQL because the
    worker's throughput is its CPU per code: through the ORM, this UPDATE and
    the read after it cost about 1.1 ms of Python; one statement through the
    cursor costs about 0.12 (docs/PERFORMANCE.md, "Delivery")."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    user_model = get_user_model()
    quote = connection.ops.quote_name
    table, users = quote(Challenge._meta.db_table), quote(user_model._meta.db_table)
    with connection.cursor() as cursor:
        # Table names come from the models' metadata; every value is a parameter.
        cursor.execute(
            f"UPDATE {table} SET salt = %s, code_hash = %s, delivery = %s "  # noqa: S608
            f"WHERE id = %s AND status = %s AND delivery IN (%s, %s) AND expires_at > %s "
            f"RETURNING id, user_id, channel, destination, requested_ip, "
            f"(SELECT enterprise_id FROM {users} WHERE {users}.id = {table}.user_id)",
            [
                salt,
                hashed,
                Challenge.Delivery.SENDING,
                challenge_id,
                Challenge.Status.ACTIVE,
                Challenge.Delivery.QUEUED,
                Challenge.Delivery.SENDING,
                connection.ops.adapt_datetimefield_value(now),
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    pk, user_id, channel, destination, requested_ip, enterprise_id = row
    challenge = Challenge.from_db(
        connection.alias,
        ["id", "user_id", "channel", "destination", "requested_ip"],
        [pk, user_id, channel, destination, str(requested_ip) if requested_ip else None],
    )
    challenge.user = user_model.from_db(
        connection.alias, ["id", "enterprise_id"], [user_id, enterprise_id]
    )
    return challenge


def challenge_audit(challenge: Challenge, action: str, *, detail: str) -> None:
    """Audit a delivery event in the worker: no request there, so the IP is
    the one that asked for the code."""
    audit_record(
        action,
        actor=challenge.user,
        target=challenge.user,
        ip=challenge.requested_ip,
        detail=detail,
    )


def challenge_give_up(*, challenge_id: int, reason: str) -> None:
    """The worker ran out of retries (or of validity) for a transient error."""
    updated = Challenge.objects.filter(
        pk=challenge_id,
        delivery__in=[Challenge.Delivery.QUEUED, Challenge.Delivery.SENDING],
    ).update(
        delivery=Challenge.Delivery.FAILED,
        delivery_detail="We couldn't reach the provider. Click Resend to try again.",
    )
    if updated:
        challenge = Challenge.objects.select_related("user").get(pk=challenge_id)
        challenge_audit(challenge, Action.DELIVERY_FAILED, detail=reason[:200])


def mask_destination(destination: str) -> str:
    if "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}{'•' * max(3, len(local) - 1)}@{domain}"
    return f"{destination[:2]}{'•' * max(3, len(destination) - 6)}{destination[-4:]}"
