import smtplib

from django.core.mail import EmailMessage
from django.utils.translation import gettext_noop

from twofactor.channels.base import BaseChannel, TransportError, render_message


class EmailChannel(BaseChannel):
    """Sends the code with Django's mail framework, so SMTP when EMAIL_HOST is set."""

    def send_code(self, *, to: str, code: str, status_callback: str | None = None) -> str:
        rendered = render_message("email", code)
        message = EmailMessage(subject=rendered.subject, body=rendered.body, to=[to])
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise TransportError(
                # Kept in English (stored on the challenge); the pop-up translates it.
                gettext_noop("The mail server refused this email address. Check it on My Account."),
                permanent=True,
            ) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"mail server unavailable: {type(exc).__name__}") from exc
        return ""
