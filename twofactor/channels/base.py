from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string


class TransportError(Exception):
    """A message could not be handed to the provider.

    `permanent=True` means retrying cannot help (an invalid or unreachable
    number) and `message` is shown to the person with what to do: in English,
    marked with gettext_noop, and translated where the pop-up shows it;
    otherwise the task retries with backoff while the code is still valid."""

    def __init__(
        self, message: str, *, permanent: bool = False, provider_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.provider_code = provider_code


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render_message(alias: str, code: str) -> Rendered:
    """The words of a code message for a channel alias (email, sms, voice)."""
    minutes = int(settings.TWOFACTOR_CODE_TTL.total_seconds() // 60)
    context = {
        "code": code,
        "minutes": minutes,
        # WebOTP binds the code to the origin's host; a port is not part of it.
        "host": urlsplit(settings.PORTAL_BASE_URL).hostname,
        "spoken_digits": ", ".join(code),
    }
    subject = render_to_string(
        "twofactor/messages/email_subject.txt", context, using="plain"
    ).strip()
    body = render_to_string(f"twofactor/messages/{alias}.txt", context, using="plain").strip()
    return Rendered(subject=subject, body=body)


class BaseChannel:
    """Sends one verification code to one destination.

    Subclasses must implement send_code(). It returns the provider's id for
    the message ("" if there is none) and raises TransportError when the
    provider refuses or cannot be reached. It is called by the Celery worker,
    never in a web request, so it may block on the network.

    A subclass names the OPTIONS it takes in `option_names`; any other is a
    configuration error at start-up, not a silently ignored typo."""

    option_names: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, alias: str, **options: Any) -> None:
        unknown = set(options) - self.option_names
        if unknown:
            raise ImproperlyConfigured(
                f"TWOFACTOR_CHANNELS[{alias!r}]: {type(self).__name__} takes no option "
                f"{', '.join(sorted(unknown))}; it takes {sorted(self.option_names) or 'none'}."
            )
        self.alias = alias
        self.options = options

    def send_code(self, *, to: str, code: str, status_callback: str | None = None) -> str:
        raise NotImplementedError("subclasses of BaseChannel must implement send_code()")
