"""Channels: the vocabulary (which channels exist, what people call them) and
their backends, loaded by alias from settings.TWOFACTOR_CHANNELS the way
Django loads CACHES: {"sms": {"BACKEND": "dotted.path", "OPTIONS": {...}}}."""

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string

from twofactor.channels.base import BaseChannel, TransportError

__all__ = [
    "CHANNEL_LABELS",
    "PHONE_CHANNELS",
    "BaseChannel",
    "Channel",
    "TransportError",
    "get_channel",
]


class Channel(models.TextChoices):
    """How codes travel; the labels are the guide's Channel menu."""

    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    VOICE = "voice", "Voice"


PHONE_CHANNELS = frozenset({Channel.SMS, Channel.VOICE})
# The channel in a sentence: "We sent a verification code by SMS".
CHANNEL_LABELS = {Channel.EMAIL: "email", Channel.SMS: "SMS", Channel.VOICE: "voice call"}


def get_channel(alias: str) -> BaseChannel:
    config = settings.TWOFACTOR_CHANNELS[alias]
    backend = import_string(config["BACKEND"])
    return backend(alias=alias, **config.get("OPTIONS", {}))
