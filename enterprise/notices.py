from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from enterprise.audit import Action, audit_record
from enterprise.models import Enterprise, RolloutReminder
from enterprise.rollout import today_utc
from twofactor.vocabulary import PHONE_CHANNELS

# Emails per task: 100 over one SMTP connection take seconds, far below the
# broker's 60 s redelivery timeout even on a slow mail server.
BATCH = 100


def _plain(template_name: str, context: dict) -> str:
    """A message's text, unescaped (the "plain" template engine) and never
    marked safe: a page that shows it (the preview) escapes it there."""
    return "".join([render_to_string(template_name, context, using="plain")])


def _coworkers(enterprise_id: int):
    return (
        get_user_model()
        .objects.filter(enterprise_id=enterprise_id, is_active=True)
        .exclude(email="")
        .order_by("id")
    )


def notify_recipients(*, enterprise_id: int, actor_id: int | None):
    """Who "Email every co-worker" writes to: active co-workers with an email
    address who have not turned 2FA on, not the administrator who sends, and
    not emailed by it within COWORKERS_NOTIFY_AGAIN_AFTER (a repeated click or
    a script sends nobody a second copy)."""
    return notify_candidates(enterprise_id=enterprise_id, actor_id=actor_id).filter(
        Q(notified_at__isnull=True) | Q(notified_at__lt=_notified_cutoff())
    )


def notify_candidates(*, enterprise_id: int, actor_id: int | None):
    """Everyone the notice is for, whenever they were last emailed."""
    return (
        _coworkers(enterprise_id)
        .exclude(twofactor_device__enrolled=True)
        .exclude(pk=actor_id)
        .only("id", "email", "phone", "username", "first_name", "last_name", "language")
    )


def _notified_cutoff():
    return timezone.now() - settings.COWORKERS_NOTIFY_AGAIN_AFTER


def twofactor_available_message(user, *, enterprise, actor) -> EmailMessage:
    """The notice one co-worker gets, in their language, with what they must
    do: add a phone number first when the channel needs one and they have
    none, else turn 2FA on. The preview shows exactly this."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return EmailMessage(
            subject=_("Two-factor authentication is available for your Customer Portal login"),
            body=_plain(
                "enterprise/messages/twofactor_available.txt",
                {
                    "user": user,
                    "enterprise": enterprise,
                    "actor": actor,
                    "needs_phone": needs_phone(user, enterprise),
                    "settings_url": f"{settings.PORTAL_BASE_URL}/account/settings/",
                },
            ),
            to=[user.email],
        )


def needs_phone(user, enterprise) -> bool:
    """The account's channel is SMS or Voice and this person has no number."""
    return enterprise.twofactor_channel in PHONE_CHANNELS and not user.phone


def coworkers_notify_fan_out(*, enterprise_id: int, actor_id: int) -> None:
    """Queue one batch task per BATCH co-workers."""
    from enterprise.tasks import coworkers_notify_batch

    ids = list(
        notify_recipients(enterprise_id=enterprise_id, actor_id=actor_id).values_list(
            "id", flat=True
        )
    )
    for start in range(0, len(ids), BATCH):
        coworkers_notify_batch.delay(enterprise_id, actor_id, ids[start : start + BATCH])


def coworkers_notify_batch(*, enterprise_id: int, actor_id: int, user_ids: list[int]) -> None:
    """One email per co-worker, sent over one mail connection. Someone who
    turned 2FA on since the batch was queued is skipped."""
    enterprise = Enterprise.objects.get(pk=enterprise_id)
    actor = get_user_model().objects.filter(pk=actor_id).first()
    # Claimed before the email goes: two sends queued at the same moment (or
    # a batch the broker hands out twice) write to each person once.
    with transaction.atomic():
        claimed = list(
            notify_recipients(enterprise_id=enterprise_id, actor_id=actor_id)
            .filter(id__in=user_ids)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("id", flat=True)
        )
        get_user_model().objects.filter(id__in=claimed).update(notified_at=timezone.now())
    users = get_user_model().objects.filter(id__in=claimed).order_by("id")
    messages = [
        twofactor_available_message(user, enterprise=enterprise, actor=actor) for user in users
    ]
    if messages:
        get_connection().send_messages(messages)


def rollout_reminders_send(today: date | None = None) -> int:
    """Email, 7 days and 1 day before their enterprise's deadline
    (ROLLOUT_REMINDER_DAYS), once each: every co-worker who has not turned
    2FA on (the roll-out's deadline), and every co-worker without a passkey
    (the date after which only passkeys log in).

    Beat runs this every ROLLOUT_REMINDER_EVERY; "once" rests on the
    RolloutReminder row's unique constraint, claimed before the email goes,
    so two beat processes or a restart send nothing twice. A deadline that
    comes closer than a milestone without a run in between still gets the
    nearest reminder. Returns how many were sent."""
    today = today or today_utc()
    window = {"gte": today, "lte": today + timedelta(days=max(settings.ROLLOUT_REMINDER_DAYS))}
    sent = 0
    for enterprise in Enterprise.objects.filter(
        twofactor_enabled=True,
        twofactor_required=True,
        twofactor_deadline__gte=window["gte"],
        twofactor_deadline__lte=window["lte"],
    ):
        sent += _reminders_due(
            enterprise, RolloutReminder.Kind.TWOFACTOR, enterprise.twofactor_deadline, today
        )
    for enterprise in Enterprise.objects.filter(
        twofactor_enabled=True,
        allow_passkey=True,
        passkeys_required=True,
        passkeys_deadline__gte=window["gte"],
        passkeys_deadline__lte=window["lte"],
    ):
        sent += _reminders_due(
            enterprise, RolloutReminder.Kind.PASSKEY, enterprise.passkeys_deadline, today
        )
    return sent


def _reminders_due(enterprise, kind: str, deadline: date | None, today: date) -> int:
    assert deadline is not None  # noqa: S101 (filtered by the caller)  # nosec B101
    days_left = (deadline - today).days
    milestone = next(m for m in sorted(settings.ROLLOUT_REMINDER_DAYS) if days_left <= m)
    count = _reminders_for(enterprise, kind=kind, deadline=deadline, milestone=milestone)
    if count:
        what = " to add a passkey" if kind == RolloutReminder.Kind.PASSKEY else ""
        audit_record(
            Action.REMINDER_SENT,
            enterprise=enterprise,
            detail=f"{count} co-workers reminded{what}, {milestone} days before {deadline}",
        )
    return count


def _reminders_for(enterprise, *, kind: str, deadline: date, milestone: int) -> int:
    users = _coworkers(enterprise.pk)
    if kind == RolloutReminder.Kind.PASSKEY:
        users = users.filter(passkeys__isnull=True)
    else:
        users = users.exclude(twofactor_device__enrolled=True)
    users = users.only("id", "email", "username", "first_name", "last_name", "language")
    sent = 0
    batch: list[tuple[RolloutReminder, EmailMessage]] = []
    for user in users.iterator(chunk_size=BATCH):
        try:
            with transaction.atomic():
                claim = RolloutReminder.objects.create(
                    user=user, kind=kind, deadline=deadline, milestone=milestone
                )
        except IntegrityError:
            continue  # another beat, or an earlier run, sent this one
        batch.append((claim, _reminder(user, enterprise, kind, deadline)))
        if len(batch) >= BATCH:
            sent += _send(batch)
            batch = []
    if batch:
        sent += _send(batch)
    return sent


def _reminder(user, enterprise, kind: str, deadline: date) -> EmailMessage:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return _reminder_words(user, enterprise, kind, deadline)


def _reminder_words(user, enterprise, kind: str, deadline: date) -> EmailMessage:
    day = date_format(deadline)
    if kind == RolloutReminder.Kind.PASSKEY:
        subject = _("Customer Portal: add a passkey by %(day)s") % {"day": day}
        template = "enterprise/messages/passkey_reminder.txt"
        url = f"{settings.PORTAL_BASE_URL}/account/security/"
    else:
        subject = _("Customer Portal: turn on two-factor authentication by %(day)s") % {"day": day}
        template = "enterprise/messages/rollout_reminder.txt"
        url = f"{settings.PORTAL_BASE_URL}/account/settings/"
    context = {"user": user, "enterprise": enterprise, "deadline": deadline, "settings_url": url}
    return EmailMessage(subject=subject, body=_plain(template, context), to=[user.email])


def _send(batch) -> int:
    """One message at a time on one connection: if the mail server fails
    part-way, only the claims of the messages not sent are released (the
    next run sends those; the ones sent are never sent again)."""
    connection = get_connection()
    sent = 0
    try:
        connection.open()
        for _claim, message in batch:
            connection.send_messages([message])
            sent += 1
    except Exception:
        unsent = [claim.pk for claim, _message in batch[sent:]]
        RolloutReminder.objects.filter(pk__in=unsent).delete()
        raise
    finally:
        connection.close()
    return sent
