"""Delivery status reported by providers after a code was handed over.

Writes only (the services of status callbacks). A provider reports each
status of a message once or more often (a retried or replayed callback), in
any order, and possibly before the worker has stored the message's provider
id. So every report is kept once per (provider id, status), and the
challenge shows the most advanced status reported so far."""

from django.db import IntegrityError, transaction

from enterprise.audit import Action
from twofactor import insight
from twofactor.delivery import challenge_audit
from twofactor.models import Challenge, DeliveryReport

Delivery = Challenge.Delivery

# How far along a message is. Reports never move a challenge backwards: a
# late "sent" after "delivered" leaves it delivered.
PROGRESS: dict[str, int] = {
    Delivery.QUEUED: 0,
    Delivery.SENDING: 1,
    Delivery.SENT: 2,
    Delivery.DELIVERED: 3,
    Delivery.UNDELIVERED: 3,
    Delivery.FAILED: 3,
}
NOT_DELIVERED = Challenge.NOT_DELIVERED


def delivery_report_record(
    *, provider_id: str, status: str, delivery: str, error_code: str = "", detail: str = ""
) -> bool:
    """Record one provider report; True if it was new. A report seen before
    changes nothing, however often it is replayed."""
    if not provider_id or delivery not in PROGRESS:
        return False
    try:
        with transaction.atomic():
            _, created = DeliveryReport.objects.get_or_create(
                provider_id=provider_id,
                status=status,
                defaults={"delivery": delivery, "error_code": error_code, "detail": detail},
            )
    except IntegrityError:
        # The same report arriving twice at the same moment: the other one won.
        return False
    if created:
        challenge_delivery_refresh(provider_id=provider_id)
    return created


def challenge_delivery_refresh(*, provider_id: str) -> None:
    """Move the challenge with this provider id to the most advanced status
    reported for it, if that is further than where it is."""
    if not provider_id:
        return
    with transaction.atomic():
        challenge = (
            Challenge.objects.select_for_update()
            .select_related("user")
            .filter(provider_id=provider_id)
            .first()
        )
        if challenge is None:
            # The worker has not stored the provider id yet; it calls
            # challenge_delivery_catch_up() once it has.
            return
        reports = DeliveryReport.objects.filter(provider_id=provider_id).order_by(
            "received_at", "pk"
        )
        best = None
        for report in reports:
            if best is None or PROGRESS[report.delivery] > PROGRESS[best.delivery]:
                best = report
        if best is None or PROGRESS[best.delivery] <= PROGRESS.get(challenge.delivery, 0):
            return
        challenge.delivery = best.delivery
        challenge.delivery_detail = best.detail[:300] if best.delivery in NOT_DELIVERED else ""
        challenge.save(update_fields=["delivery", "delivery_detail"])
        # The terminal statuses share one level of PROGRESS: reached once.
        if best.delivery == Delivery.DELIVERED:
            insight.challenge_tally(challenge.pk, "delivered")
        elif best.delivery in NOT_DELIVERED:
            insight.challenge_tally(challenge.pk, "failed")
        if best.delivery in NOT_DELIVERED:
            code = f" ({best.error_code})" if best.error_code else ""
            challenge_audit(
                challenge,
                Action.DELIVERY_FAILED,
                detail=f"{challenge.channel}: provider reported {best.status}{code}",
            )


def challenge_delivery_catch_up(*, provider_id: str) -> None:
    """After the worker stored the provider id: apply reports that arrived
    before it did (a provider may call back within milliseconds)."""
    if provider_id and DeliveryReport.objects.filter(provider_id=provider_id).exists():
        challenge_delivery_refresh(provider_id=provider_id)
