from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string

from enterprise.models import Enterprise

# Emails per task: 100 over one SMTP connection take seconds, far below the
# broker's 60 s redelivery timeout even on a slow mail server.
BATCH = 100


def _coworkers(enterprise_id: int):
    return (
        get_user_model()
        .objects.filter(enterprise_id=enterprise_id, is_active=True)
        .exclude(email="")
        .order_by("id")
    )


def coworkers_notify_fan_out(*, enterprise_id: int, actor_id: int) -> None:
    """Queue one batch task per BATCH co-workers."""
    from enterprise.tasks import coworkers_notify_batch

    ids = list(_coworkers(enterprise_id).values_list("id", flat=True))
    for start in range(0, len(ids), BATCH):
        coworkers_notify_batch.delay(enterprise_id, actor_id, ids[start : start + BATCH])


def coworkers_notify_batch(*, enterprise_id: int, actor_id: int, user_ids: list[int]) -> None:
    """One email per co-worker, sent over one mail connection."""
    enterprise = Enterprise.objects.get(pk=enterprise_id)
    actor = get_user_model().objects.filter(pk=actor_id).first()
    users = _coworkers(enterprise_id).filter(id__in=user_ids)
    messages = [
        EmailMessage(
            subject="Two-factor authentication is available for your Customer Portal login",
            body=render_to_string(
                "enterprise/messages/twofactor_available.txt",
                {
                    "user": user,
                    "enterprise": enterprise,
                    "actor": actor,
                    "settings_url": f"{settings.PORTAL_BASE_URL}/account/settings/",
                },
            ),
            to=[user.email],
        )
        for user in users.only("id", "email", "username", "first_name", "last_name")
    ]
    if messages:
        get_connection().send_messages(messages)
