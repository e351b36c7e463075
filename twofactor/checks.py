"""System checks (`manage.py check`, and every start): a half-configured
channel fails at start-up with what to set, not at the first code."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from twofactor.channels import channel_build
from twofactor.vocabulary import Channel


@register(Tags.compatibility)
def channels_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every channel has a backend that can be built from its OPTIONS."""
    configured = getattr(settings, "TWOFACTOR_CHANNELS", {})
    problems: list[CheckMessage] = [
        Error(
            f"TWOFACTOR_CHANNELS has no {alias!r} backend.",
            hint="Give every channel (email, sms, voice) a BACKEND.",
            id="twofactor.E001",
        )
        for alias in Channel.values
        if alias not in configured
    ]
    for alias, config in configured.items():
        try:
            channel_build(alias, config)
        except (ImproperlyConfigured, KeyError, TypeError) as exc:
            problems.append(Error(f"TWOFACTOR_CHANNELS[{alias!r}]: {exc}", id="twofactor.E002"))
    return problems


@register(Tags.compatibility)
def twilio_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Twilio is all or nothing: an account, its token, and a number to send
    from (calls need the number even when SMS use a messaging service)."""
    values = {
        "TWILIO_ACCOUNT_SID": settings.TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": settings.TWILIO_FROM_NUMBER,
    }
    if not any(values.values()) and not settings.TWILIO_MESSAGING_SERVICE_SID:
        return []
    missing = [name for name, value in values.items() if not value]
    problems: list[CheckMessage] = []
    if missing:
        problems.append(
            Error(
                f"Twilio is half configured: {', '.join(missing)} not set.",
                hint="Set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER, or none.",
                id="twofactor.E010",
            )
        )
    if values["TWILIO_ACCOUNT_SID"] and not values["TWILIO_ACCOUNT_SID"].startswith("AC"):
        problems.append(
            Warning(
                "TWILIO_ACCOUNT_SID does not start with AC: it is not an account SID.",
                id="twofactor.W011",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def delivery_deploy_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """What production needs to reach people (`check --deploy`)."""
    problems: list[CheckMessage] = []
    if not settings.EMAIL_HOST:
        problems.append(
            Warning(
                "EMAIL_HOST is not set: codes and notices by email are only printed.",
                id="twofactor.W020",
            )
        )
    elif not (settings.EMAIL_USE_TLS or getattr(settings, "EMAIL_USE_SSL", False)):
        problems.append(
            Warning(
                "Email is sent without TLS: codes would cross the network in clear.",
                hint="Set EMAIL_USE_TLS=1.",
                id="twofactor.W021",
            )
        )
    if not settings.TWILIO_ACCOUNT_SID:
        problems.append(
            Warning(
                "TWILIO_ACCOUNT_SID is not set: codes by SMS and voice are only printed.",
                id="twofactor.W022",
            )
        )
    if not settings.PORTAL_BASE_URL.startswith("https://"):
        problems.append(
            Warning(
                "PORTAL_BASE_URL is not https: links in emails and Twilio's status "
                "callbacks would travel in clear.",
                id="twofactor.W023",
            )
        )
    return problems
