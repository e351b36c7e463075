from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwofactorConfig(AppConfig):
    name = "twofactor"
    verbose_name = _("Two-factor authentication")

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from twofactor import checks  # noqa: F401  (registers the system checks)

        setting_changed.connect(_channels_reset, dispatch_uid="twofactor.channels_reset")


def _channels_reset(*, setting: str, **kwargs: Any) -> None:
    """A test that changes TWOFACTOR_CHANNELS gets backends built from it, as
    Django does for CACHES and DATABASES."""
    if setting == "TWOFACTOR_CHANNELS":
        from twofactor.channels import channels

        channels.reset()
