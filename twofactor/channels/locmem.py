import itertools

from twofactor.channels.base import BaseChannel, render_message

# Tests read what was sent here, like django.core.mail.outbox.
outbox: list[dict[str, str]] = []
_ids = itertools.count(1)


class LocmemChannel(BaseChannel):
    """Tests: appends each message to `outbox` instead of sending it."""

    def send_code(self, *, to: str, code: str, status_callback: str | None = None) -> str:
        rendered = render_message(self.alias, code)
        provider_id = f"LM{next(_ids):08d}"
        outbox.append(
            {
                "channel": self.alias,
                "to": to,
                "subject": rendered.subject,
                "body": rendered.body,
                "provider_id": provider_id,
            }
        )
        return provider_id
