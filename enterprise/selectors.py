"""Reads for the Enterprise Settings pages. Each is a fixed number of queries,
however many co-workers the enterprise has."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator

from enterprise.models import PHONE_CHANNELS, AuditEvent


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


def audit_page(*, enterprise_id: int, page_number, target_id: int | None = None) -> Page:
    events = AuditEvent.objects.filter(enterprise_id=enterprise_id).select_related(
        "actor", "target"
    )
    if target_id is not None:
        events = events.filter(target_id=target_id)
    return Paginator(events, settings.ENTERPRISE_AUDIT_PER_PAGE).get_page(page_number)
