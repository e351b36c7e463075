"""Codes on the worker's side: draw one, claim its challenge, hand it to the
channel, give up when retries run out. Runs in the Celery worker, never in a
web request (twofactor/codes.py is the web side)."""

import secrets
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from enterprise.audit import Action, audit_record
from twofactor import insight, signals
from twofactor.codes import code_hash
from twofactor.destinations import mask_destination
from twofactor.models import Challenge
from twofactor.vocabulary import PHONE_CHANNELS


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
        if pending.filter(expires_at__lte=now).update(
            delivery=Challenge.Delivery.FAILED,
            # Stored in English; the pop-up reads it in its reader's language.
            delivery_detail=gettext_noop("The code expired before it could be sent. Click Resend."),
        ):
            insight.challenge_tally(challenge_id, "failed")
        # Sent already (a redelivered task): its id, so reports that beat
        # the first run to the database are still applied.
        sent = Challenge.objects.filter(pk=challenge_id, delivery=Challenge.Delivery.SENT)
        return sent.values_list("provider_id", flat=True).first() or ""

    callback = None
    if challenge.channel in PHONE_CHANNELS:
        callback = f"{settings.PORTAL_BASE_URL}/twofactor/twilio/status/"
    try:
        # The words go in the language of the request that asked for the code.
        with translation.override(challenge.language or settings.LANGUAGE_CODE):
            provider_id = get_channel(challenge.channel).send_code(
                to=challenge.destination, code=code, status_callback=callback
            )
    except TransportError as exc:
        if not exc.permanent:
            raise
        Challenge.objects.filter(pk=challenge.pk).update(
            delivery=Challenge.Delivery.FAILED, delivery_detail=exc.message[:300]
        )
        insight.challenge_tally(challenge.pk, "failed")
        challenge_audit(
            challenge, Action.DELIVERY_FAILED, detail=f"{challenge.channel}: {exc.message}"
        )
        return ""
    provider_id = provider_id or ""
    Challenge.objects.filter(pk=challenge.pk, delivery=Challenge.Delivery.SENDING).update(
        delivery=Challenge.Delivery.SENT, provider_id=provider_id
    )
    signals.code_event.send(
        sender=None,
        channel=challenge.channel,
        event="sent",
        seconds=(timezone.now() - challenge.created_at).total_seconds(),
    )
    challenge_audit(
        challenge,
        Action.CODE_SENT,
        detail=f"{challenge.channel} to {mask_destination(challenge.destination)}",
    )
    return provider_id


CLAIM_SQL = (
    "UPDATE {table} SET salt = %s, code_hash = %s, delivery = %s "
    "WHERE id = %s AND status = %s AND delivery IN (%s, %s) AND expires_at > %s "
    "RETURNING id, user_id, channel, destination, created_at, requested_ip, "
    "(SELECT enterprise_id FROM {users} WHERE {users}.id = {table}.user_id)"
)


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
    # Table names come from the models' metadata, quoted; every value is a
    # parameter.
    sql = CLAIM_SQL.format(table=table, users=users)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
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
    pk, user_id, channel, destination, created_at, requested_ip, enterprise_id = row
    if isinstance(created_at, str):  # SQLite through a raw cursor: its text, in UTC
        created_at = datetime.fromisoformat(created_at)
    if timezone.is_naive(created_at):
        created_at = created_at.replace(tzinfo=UTC)
    # from_db takes the values in the model's field order.
    challenge = Challenge.from_db(
        connection.alias,
        ["id", "user_id", "channel", "destination", "created_at", "requested_ip"],
        [
            pk,
            user_id,
            channel,
            destination,
            created_at,
            str(requested_ip) if requested_ip else None,
        ],
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
        delivery_detail=gettext_noop("We couldn't reach the provider. Click Resend to try again."),
    )
    if updated:
        insight.challenge_tally(challenge_id, "failed")
        challenge = Challenge.objects.select_related("user").get(pk=challenge_id)
        challenge_audit(challenge, Action.DELIVERY_FAILED, detail=reason[:200])
