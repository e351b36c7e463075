"""The words every layer shares: which channels exist and what people call
them. The bottom of the stack: it imports nothing of the portal."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class Channel(models.TextChoices):
    """How codes travel; the labels are the guide's Channel menu."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Voice")


PHONE_CHANNELS: frozenset[str] = frozenset({Channel.SMS, Channel.VOICE})
# The channel in a sentence: "We sent a verification code by SMS". Lazy: read
# in the language of whoever reads the sentence; str() it before it is
# stored, queued or sent as JSON.
CHANNEL_LABELS: dict[str, StrOrPromise] = {
    Channel.EMAIL: _("email"),
    Channel.SMS: _("SMS"),
    Channel.VOICE: _("voice call"),
}
