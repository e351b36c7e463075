from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string


def lockout_notice_send(*, user_id: int) -> None:
    """Tell the person their code step was locked: someone may hold their password."""
    user = get_user_model().objects.get(pk=user_id)
    context = {
        "user": user,
        "minutes": int(settings.TWOFACTOR_LOCKOUT_DURATION.total_seconds() // 60),
        "portal_url": settings.PORTAL_BASE_URL,
    }
    send_mail(
        subject="Customer Portal: too many wrong verification codes",
        message=render_to_string("twofactor/messages/lockout_notice.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
