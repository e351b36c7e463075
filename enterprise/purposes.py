"""What each Enterprise Settings change confirms, as the code pop-up says
it first ("Confirm: send codes by Voice instead of SMS"): registered with the
change actions (enterprise/apps.py), read against what is saved now."""

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext, ngettext

from twofactor.vocabulary import Channel


def policy_describe(
    admin: Any,
    *,
    enabled: bool,
    channel: str,
    remember_days: int | None = None,
    required: bool | None = None,
    allow_fallback: bool | None = None,
    daily_limit: int | None = None,
    **rest: Any,
) -> list[str]:
    enterprise = admin.enterprise
    name = enterprise.name
    if enterprise.twofactor_enabled and not enabled:
        return [
            gettext("Confirm: turn off two-factor authentication for everyone at %(name)s")
            % {"name": name}
        ]
    if enabled and not enterprise.twofactor_enabled:
        return [
            gettext("Confirm: turn on two-factor authentication for everyone at %(name)s")
            % {"name": name}
        ]
    lines = []
    if channel != enterprise.twofactor_channel:
        lines.append(
            gettext("Confirm: send codes by %(new)s instead of %(old)s")
            % {
                "new": Channel(channel).label,
                "old": Channel(enterprise.twofactor_channel).label,
            }
        )
    if enterprise.twofactor_required and required is False:
        lines.append(gettext("Confirm: no longer require two-factor authentication"))
    if remember_days is not None and remember_days > enterprise.remember_browser_days:
        lines.append(
            ngettext(
                "Confirm: remember browsers for %(days)s day",
                "Confirm: remember browsers for %(days)s days",
                remember_days,
            )
            % {"days": remember_days}
        )
    if allow_fallback and not enterprise.allow_fallback:
        lines.append(gettext("Confirm: allow other channels when a code does not arrive"))
    if daily_limit is not None and daily_limit > enterprise.daily_phone_limit:
        lines.append(
            gettext("Confirm: raise the daily SMS and voice limit to %(limit)s")
            % {"limit": daily_limit}
        )
    return lines or [
        gettext("Confirm: change the two-factor authentication settings of %(name)s")
        % {"name": name}
    ]


def coworker_reset_describe(admin: Any, *, coworker_id: int, reason: str) -> list[str]:
    coworker = (
        get_user_model().objects.filter(pk=coworker_id, enterprise_id=admin.enterprise_id).first()
    )
    who = (coworker.get_full_name() or coworker.get_username()) if coworker else ""
    return [gettext("Confirm: reset two-factor authentication for %(name)s") % {"name": who}]
