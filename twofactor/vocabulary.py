"""The words every layer shares: which channels exist and what people call
them. The bottom of the stack: it imports nothing of the portal."""

from django.db import models


class Channel(models.TextChoices):
    """How codes travel; the labels are the guide's Channel menu."""

    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    VOICE = "voice", "Voice"


PHONE_CHANNELS: frozenset[str] = frozenset({Channel.SMS, Channel.VOICE})
# The channel in a sentence: "We sent a verification code by SMS".
CHANNEL_LABELS: dict[str, str] = {
    Channel.EMAIL: "email",
    Channel.SMS: "SMS",
    Channel.VOICE: "voice call",
}
