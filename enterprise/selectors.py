"""Reads for the Enterprise Settings pages. Each is a fixed number of queries,
however many co-workers the enterprise has."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from enterprise.models import AuditEvent
from enterprise.notices import (
    notify_candidates,
    notify_recipients,
    twofactor_available_message,
)
from enterprise.rollout import rollout_overdue, today_utc
from twofactor.vocabulary import PHONE_CHANNELS

# The roll-out view's filters (?state=...), in the order the counts show them.
ROLLOUT_STATES = ("enabled", "verification_required", "not_set_up", "overdue")

# A co-worker's own 2FA, as conditions on the user row. "Not set up": no
# device row at all, or one not enrolled (the OR makes the join LEFT OUTER).
ENABLED = Q(twofactor_device__enrolled=True, twofactor_device__confirmed=True)
VERIFICATION_REQUIRED = Q(twofactor_device__enrolled=True, twofactor_device__confirmed=False)
NOT_SET_UP = Q(twofactor_device__isnull=True) | Q(twofactor_device__enrolled=False)


def rollout_state(raw) -> str | None:
    """The ?state= filter, or None (all) for anything that isn't one."""
    return raw if isinstance(raw, str) and raw in ROLLOUT_STATES else None


def _state_condition(state: str | None) -> Q:
    if state == "enabled":
        return ENABLED
    if state == "verification_required":
        return VERIFICATION_REQUIRED
    if state == "not_set_up":
        return NOT_SET_UP
    if state == "overdue":
        # rollout_overdue() in SQL (the enterprise is joined, not read first):
        # nobody is overdue before the deadline has passed.
        return NOT_SET_UP & Q(
            enterprise__twofactor_enabled=True,
            enterprise__twofactor_required=True,
            enterprise__twofactor_deadline__lt=today_utc(),
        )
    return Q()


def coworkers_in_state(*, enterprise_id: int, state: str | None) -> QuerySet:
    """The enterprise's co-workers in `state` (None: all), in table order."""
    return (
        get_user_model()
        .objects.filter(_state_condition(state), enterprise_id=enterprise_id)
        .order_by("username", "id")
    )


def rollout_counts(enterprise) -> dict:
    """How many co-workers are Enabled, Verification required and Not set up
    (and Overdue, None unless the deadline has passed), and in all: one
    query (conditional aggregation), however many co-workers."""
    counts = (
        get_user_model()
        .objects.filter(enterprise_id=enterprise.pk)
        .aggregate(
            total=Count("pk"),
            enabled=Count("pk", filter=ENABLED),
            verification_required=Count("pk", filter=VERIFICATION_REQUIRED),
            not_set_up=Count("pk", filter=NOT_SET_UP),
        )
    )
    counts["overdue"] = counts["not_set_up"] if rollout_overdue(enterprise) else None
    return counts


# The person has an active authenticator app (a subquery of the same query).
HAS_APP = Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))


def coworker_page(
    *, enterprise_id: int, page_number, state: str | None = None, count: int | None = None
) -> Page:
    """A page of the co-worker table, filtered by `state`. `count`: how many
    rows the filter has, when the caller knows it already (rollout_counts()
    has it): the pager then makes no COUNT of its own, a scan of the join
    fewer at 100,000 co-workers (docs/PERFORMANCE.md)."""
    users = (
        coworkers_in_state(enterprise_id=enterprise_id, state=state)
        .annotate(has_app=HAS_APP)
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
            # For the row's lock (CodeDevice.lock()): "Locked until ..." and Unlock.
            "twofactor_device__throttling_failure_count",
            "twofactor_device__throttling_failure_timestamp",
        )
    )
    paginator = Paginator(users, settings.ENTERPRISE_COWORKERS_PER_PAGE)
    if count is not None:
        paginator.count = count  # a cached_property: this is its value
    return paginator.get_page(page_number)


# The CSV's columns, read as plain tuples: no model instance per row. The
# phone number is read as the text stored (E.164, PHONENUMBER_DB_FORMAT):
# parsing 100,000 of them back into PhoneNumber objects was 90 % of an export.
EXPORT_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    ExpressionWrapper(F("phone"), output_field=CharField()),
    "is_enterprise_admin",
    "twofactor_device__enrolled",
    "twofactor_device__confirmed",
    "has_app",
    "twofactor_device__throttling_failure_count",
    "twofactor_device__throttling_failure_timestamp",
)


def coworkers_for_export(*, enterprise, state: str | None) -> QuerySet:
    """The co-worker table as filtered, every page, as tuples of
    EXPORT_FIELDS (for enterprise.export.coworkers_csv)."""
    return (
        coworkers_in_state(enterprise_id=enterprise.pk, state=state)
        .annotate(has_app=HAS_APP)
        .values_list(*EXPORT_FIELDS)
    )


def coworkers_unreachable(
    *, enterprise_id: int, channel: str, limit: int = 50, everyone: bool = False
):
    """Co-workers with no phone number, when `channel` needs one: those who
    use 2FA (a channel change), or, with `everyone`, every active co-worker
    (2FA turned on for the account: each of them must add a number before
    they can turn it on). Returns (first `limit` of them, how many in all)."""
    if channel not in PHONE_CHANNELS:
        return [], 0
    users = get_user_model().objects.filter(enterprise_id=enterprise_id, phone="")
    if everyone:
        users = users.filter(is_active=True)
    else:
        users = users.filter(twofactor_device__enrolled=True)
    users = users.order_by("username")
    return list(users[:limit]), users.count()


@dataclass(frozen=True)
class NotifyPreview:
    """What "Email every co-worker" would send: to how many, how many of
    them are asked to add a phone number first, and one copy as it reads."""

    count: int
    needs_phone: int
    recently: int  # left out: emailed within COWORKERS_NOTIFY_AGAIN_AFTER
    hours: int  # that window
    example: Any  # an EmailMessage, or None when nobody would get one
    example_user: Any


def notify_preview(*, actor) -> NotifyPreview:
    enterprise = actor.enterprise
    recipients = notify_recipients(enterprise_id=enterprise.pk, actor_id=actor.pk)
    counted = recipients.aggregate(count=Count("pk"), needs_phone=Count("pk", filter=Q(phone="")))
    if enterprise.twofactor_channel not in PHONE_CHANNELS:
        counted["needs_phone"] = 0
    # The example is someone who must add a phone number when there is one:
    # the longer copy is the one to read before sending.
    example_user = None
    if counted["needs_phone"]:
        example_user = recipients.filter(phone="").order_by("username").first()
    if example_user is None:
        example_user = recipients.order_by("username").first()
    example = (
        twofactor_available_message(example_user, enterprise=enterprise, actor=actor)
        if example_user is not None
        else None
    )
    everyone = notify_candidates(enterprise_id=enterprise.pk, actor_id=actor.pk).count()
    return NotifyPreview(
        count=counted["count"],
        needs_phone=counted["needs_phone"],
        recently=everyone - counted["count"],
        hours=int(settings.COWORKERS_NOTIFY_AGAIN_AFTER.total_seconds() // 3600),
        example=example,
        example_user=example_user,
    )


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
