from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string

from enterprise.models import Enterprise

BATCH = 500


def coworkers_notify_send(*, enterprise_id: int, actor_id: int) -> None:
    """One email per co-worker, sent over one mail connection per batch."""
    enterprise = Enterprise.objects.get(pk=enterprise_id)
    actor = get_user_model().objects.filter(pk=actor_id).first()
    users = (
        get_user_model()
        .objects.filter(enterprise_id=enterprise_id, is_active=True)
        .exclude(email="")
        .only("id", "email", "username", "first_name", "last_name")
        .order_by("id")
    )
    last_id = 0
    while True:
        batch = list(users.filter(id__gt=last_id)[:BATCH])
        if not batch:
            return
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
            for user in batch
        ]
        get_connection().send_messages(messages)
        last_id = batch[-1].id
