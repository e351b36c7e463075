"""Reads for the Enterprise Settings pages. Each is a fixed number of queries,
however many co-workers the enterprise has."""

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from enterprise.models import AuditEvent
from twofactor.vocabulary import PHONE_CHANNELS


def coworker_page(*, enterprise_id: int, page_number) -> Page:
    users = (
        get_user_model()
        .objects.filter(enterprise_id=enterprise_id)
        .select_related("twofactor_device")
        .only(
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "is_enterprise_admin",
            "twofactor_device__enrolled",
            "twofactor_device__confirmed",
        )
        .order_by("username", "id")
    )
    return Paginator(users, settings.ENTERPRISE_COWORKERS_PER_PAGE).get_page(page_number)


def coworkers_unreachable(*, enterprise_id: int, channel: str, limit: int = 50):
    """Enrolled co-workers with no phone number, when `channel` needs one.
    Returns (first `limit` of them, how many in all)."""
    if channel not in PHONE_CHANNELS:
        return [], 0
    users = (
        get_user_model()
        .objects.filter(enterprise_id=enterprise_id, twofactor_device__enrolled=True, phone="")
        .order_by("username")
    )
    return list(users[:limit]), users.count()


def coworker_get(*, enterprise_id: int, user_id: int):
    """A co-worker of this enterprise, or None (another enterprise's id is a 404)."""
    return (
        get_user_model()
        .objects.filter(enterprise_id=enterprise_id, pk=user_id)
        .select_related("twofactor_device")
        .first()
    )


def audit_events(*, enterprise_id: int, target_id: int | None = None, **filters) -> QuerySet:
    """The enterprise's audit events, newest first, filtered by `action`,
    `person` (a username: by them or about them), `date_from`, `date_to`
    (UTC dates, both included)."""
    events = AuditEvent.objects.filter(enterprise_id=enterprise_id).select_related(
        "actor", "target"
    )
    if target_id is not None:
        events = events.filter(target_id=target_id)
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("person"):
        person = (
            get_user_model()
            .objects.filter(enterprise_id=enterprise_id, username__iexact=filters["person"])
            .values_list("pk", flat=True)
            .first()
        )
        events = (
            events.filter(Q(actor_id=person) | Q(target_id=person)) if person else events.none()
        )
    if filters.get("date_from"):
        events = events.filter(
            created_at__gte=datetime.combine(filters["date_from"], time.min, tzinfo=UTC)
        )
    if filters.get("date_to") and filters["date_to"] < date.max:
        end = datetime.combine(filters["date_to"], time.min, tzinfo=UTC) + timedelta(days=1)
        events = events.filter(created_at__lt=end)
    return events


def audit_page(*, enterprise_id: int, page_number, target_id: int | None = None, **filters) -> Page:
    events = audit_events(enterprise_id=enterprise_id, target_id=target_id, **filters)
    return Paginator(events, settings.ENTERPRISE_AUDIT_PER_PAGE).get_page(page_number)
