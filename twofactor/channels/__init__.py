"""Channel backends, loaded by alias from settings.TWOFACTOR_CHANNELS the way
Django loads CACHES: {"sms": {"BACKEND": "dotted.path", "OPTIONS": {...}}}."""

from django.conf import settings
from django.utils.module_loading import import_string

from twofactor.channels.base import BaseChannel, TransportError

__all__ = ["BaseChannel", "TransportError", "get_channel"]


def get_channel(alias: str) -> BaseChannel:
    config = settings.TWOFACTOR_CHANNELS[alias]
    backend = import_string(config["BACKEND"])
    return backend(alias=alias, **config.get("OPTIONS", {}))
