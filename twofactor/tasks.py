"""Celery tasks: they take ids, hold no logic, and call a service.

Results are never stored (ignore_result, and no result backend): nothing a
task returns could leak a code. Arguments are ids only, so neither the
broker nor the worker's log ever sees one."""

import random
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from twofactor.channels import TransportError

# Worth another try later: the provider (TransportError is only raised for a
# transient error; permanent ones are recorded by the service) or the
# database (a lost connection, a lock that timed out). Without the latter a
# database hiccup would lose the code silently: the task would end "failed"
# with the challenge stuck at queued or sending. If the hiccup came after the
# provider took the message, the retry sends a fresh code; the person may get
# two, and the later one works.
RETRYABLE = (TransportError, OperationalError, InterfaceError)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def challenge_deliver(self: Task[Any, Any], challenge_id: int) -> None:
    # acks_late: the message stays unacknowledged until the code is handed
    # over, so a worker killed mid-send leaves it for another worker (Redis
    # gives it back after the broker's visibility_timeout); the service is
    # idempotent, so a redelivered task sends at most the one missing code.
    from twofactor import delivery, reports

    try:
        provider_id = delivery.challenge_deliver(challenge_id=challenge_id)
        reports.challenge_delivery_catch_up(provider_id=provider_id)
    except RETRYABLE as exc:
        if self.request.retries >= settings.TWOFACTOR_DELIVERY_MAX_RETRIES:
            delivery.challenge_give_up(challenge_id=challenge_id, reason=str(exc))
            return
        # Exponential backoff with full jitter, each wait capped below the
        # broker's visibility_timeout (a longer wait would be handed to a
        # second worker); the service refuses to send once the code has
        # expired, so retries never outlive the code.
        ceiling = min(
            settings.TWOFACTOR_DELIVERY_RETRY_BACKOFF * (2**self.request.retries),
            settings.TWOFACTOR_DELIVERY_RETRY_MAX_DELAY,
        )
        # Jitter spreads retries out; it guards nothing, so `random` is right here.
        countdown = random.uniform(0, ceiling)  # nosec B311
        raise self.retry(exc=exc, countdown=countdown) from None


@shared_task(ignore_result=True, acks_late=True)
def security_notice_send(kind: str, user_id: int, to: list[str], context: dict[str, Any]) -> None:
    from twofactor import notices

    notices.notice_deliver(kind=kind, user_id=user_id, to=to, context=context)
