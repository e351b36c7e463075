"""Channel backends, loaded by alias from settings.TWOFACTOR_CHANNELS the way
Django loads CACHES: {"sms": {"BACKEND": "dotted.path", "OPTIONS": {...}}}.

`channels["sms"]` is one backend instance per alias per thread, built on
first use (Django's own connection handler, as for databases and caches), so
a backend may keep a connection open between codes. Tests that change the
setting get new instances (twofactor/apps.py)."""

from typing import TYPE_CHECKING, Any

from asgiref.local import Local
from django.core.exceptions import ImproperlyConfigured
from django.utils.connection import BaseConnectionHandler
from django.utils.module_loading import import_string

from twofactor.channels.base import BaseChannel, TransportError

__all__ = ["BaseChannel", "TransportError", "channels", "get_channel"]


class InvalidChannelError(ImproperlyConfigured):
    """An alias that TWOFACTOR_CHANNELS does not name."""


if TYPE_CHECKING:
    _Handler = BaseConnectionHandler[BaseChannel]
else:
    _Handler = BaseConnectionHandler


class ChannelHandler(_Handler):
    settings_name = "TWOFACTOR_CHANNELS"
    exception_class = InvalidChannelError

    def create_connection(self, alias: str) -> BaseChannel:
        return channel_build(alias, self.settings[alias])

    def reset(self) -> None:
        """Forget the settings read and every backend built from them."""
        self._settings = None
        self.__dict__.pop("settings", None)
        self._connections = Local(self.thread_critical)


def channel_build(alias: str, config: dict[str, Any]) -> BaseChannel:
    """A backend from one entry of TWOFACTOR_CHANNELS."""
    try:
        backend = import_string(config["BACKEND"])
    except (KeyError, ImportError) as exc:
        raise ImproperlyConfigured(
            f"TWOFACTOR_CHANNELS[{alias!r}] needs a BACKEND that can be imported: {exc}"
        ) from exc
    channel: BaseChannel = backend(alias=alias, **config.get("OPTIONS", {}))
    return channel


channels = ChannelHandler()


def get_channel(alias: str) -> BaseChannel:
    return channels[alias]
