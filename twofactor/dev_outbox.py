"""Development only (DEBUG): every code message sent, listed at /dev/outbox/.

A file, not the database or a log, because the worker that draws the code may
be another process; it is never written when DEBUG is off."""

import json
import threading

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.utils import timezone

from twofactor.channels.base import render_message

_lock = threading.Lock()


def record(*, challenge, code: str) -> None:
    rendered = render_message(challenge.channel, code)
    _append(
        {
            "at": challenge.created_at.isoformat(),
            "channel": challenge.channel,
            "to": challenge.destination,
            "username": challenge.user.username,
            "subject": rendered.subject,
            "body": rendered.body,
        }
    )


class EmailBackend(ConsoleEmailBackend):
    """Development mail: printed like Django's console backend, and listed
    at /dev/outbox/ too (notices to co-workers, lockout warnings)."""

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        if settings.DEBUG:
            for message in email_messages:
                _append(
                    {
                        "at": timezone.now().isoformat(),
                        "channel": "email",
                        "to": ", ".join(message.to),
                        "username": "",
                        "subject": message.subject,
                        "body": message.body,
                    }
                )
        return sent


def _append(entry: dict) -> None:
    path = settings.TWOFACTOR_DEV_OUTBOX
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock:
        lines = path.read_text().splitlines() if path.exists() else []
        lines.append(json.dumps(entry))
        path.write_text("\n".join(lines[-settings.TWOFACTOR_DEV_OUTBOX_KEEP :]) + "\n")


def messages() -> list[dict]:
    path = settings.TWOFACTOR_DEV_OUTBOX
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue
    return list(reversed(entries))
