"""Development only: every message sent, listed at /dev/outbox/.

settings.py wraps each channel in OutboxChannel, and picks EmailBackend for
Django's mail, only when DEBUG is on; nothing here asks whether it is. A
file, not the database or a log, because the worker that draws the code may
be another process."""

import json
import threading
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.utils import timezone

from twofactor.channels import channel_build
from twofactor.channels.base import BaseChannel, render_message

_lock = threading.Lock()


class OutboxChannel(BaseChannel):
    """Sends with the channel it wraps (OPTIONS: that channel's BACKEND and
    OPTIONS), then lists the message."""

    option_names = frozenset({"BACKEND", "OPTIONS"})

    def __init__(self, *, alias: str, **options: Any) -> None:
        super().__init__(alias=alias, **options)
        self.wrapped = channel_build(alias, options)

    def send_code(self, *, to: str, code: str, status_callback: str | None = None) -> str:
        provider_id = self.wrapped.send_code(to=to, code=code, status_callback=status_callback)
        rendered = render_message(self.alias, code)
        _append(
            {
                "at": timezone.now().isoformat(),
                "channel": self.alias,
                "to": to,
                "subject": rendered.subject,
                "body": rendered.body,
            }
        )
        return provider_id


class EmailBackend(ConsoleEmailBackend):
    """Development mail: printed like Django's console backend, and listed
    too (notices to co-workers, security notices)."""

    def send_messages(self, email_messages: Any) -> int:
        sent: int = super().send_messages(email_messages)
        message: EmailMessage
        for message in email_messages:
            _append(
                {
                    "at": timezone.now().isoformat(),
                    "channel": "email",
                    "to": ", ".join(message.to),
                    "subject": str(message.subject),
                    "body": str(message.body),
                }
            )
        return sent


def _append(entry: dict[str, str]) -> None:
    path = settings.TWOFACTOR_DEV_OUTBOX
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock:
        lines = path.read_text().splitlines() if path.exists() else []
        lines.append(json.dumps(entry))
        path.write_text("\n".join(lines[-settings.TWOFACTOR_DEV_OUTBOX_KEEP :]) + "\n")


def messages() -> list[dict[str, str]]:
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
