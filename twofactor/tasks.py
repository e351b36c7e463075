"""Celery tasks: they take ids, hold no logic, and call a service."""

import random

from celery import shared_task
from django.conf import settings

from twofactor.channels import TransportError


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def challenge_deliver(self, challenge_id: int) -> None:
    from twofactor import services

    try:
        services.challenge_deliver(challenge_id=challenge_id)
    except TransportError as exc:
        if self.request.retries >= settings.TWOFACTOR_DELIVERY_MAX_RETRIES:
            services.challenge_give_up(challenge_id=challenge_id, reason=str(exc))
            return
        # Exponential backoff with full jitter; the service refuses to send
        # once the code has expired, so retries never outlive the code.
        ceiling = settings.TWOFACTOR_DELIVERY_RETRY_BACKOFF * (2**self.request.retries)
        raise self.retry(exc=exc, countdown=random.uniform(0, ceiling)) from None


@shared_task(ignore_result=True)
def lockout_notice_send(user_id: int) -> None:
    from twofactor import notices

    notices.lockout_notice_send(user_id=user_id)
