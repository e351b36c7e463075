"""What the pop-up tells a person who must wait (a lock, the hourly limit,
the resend wait): until when, and whom to ask. The times are UTC here; the
pop-up's script shows them in the person's own time and counts down."""

import math
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext


def at_utc(moment: datetime) -> str:
    """14:52:46 UTC: the time as the page says it without JavaScript."""
    return moment.astimezone(UTC).strftime("%H:%M:%S UTC")


def seconds_until(moment: datetime) -> int:
    return max(0, math.ceil((moment - timezone.now()).total_seconds()))


def time_html(moment: datetime) -> SafeString:
    """The time in a <time> the script rewrites in the person's own time."""
    return format_html(
        '<time datetime="{}" data-local-time>{}</time>',
        moment.astimezone(UTC).isoformat(timespec="seconds"),
        at_utc(moment),
    )


def _with_time(message: str, moment: datetime, **more: str) -> SafeString:
    """A translated sentence with %(time)s as a <time> element (the rest escaped)."""
    values = {"time": time_html(moment), **{k: conditional_escape(v) for k, v in more.items()}}
    return mark_safe(conditional_escape(message) % values)  # noqa: S308  # nosec B308 B703 (escaped above)


def administrators_named(person: Any) -> str:
    """The active administrators of the person's enterprise, by name, at
    most TWOFACTOR_ADMINISTRATORS_NAMED, then "and N more" (not the person)."""
    admins = list(
        get_user_model()
        .objects.filter(
            enterprise_id=person.enterprise_id, is_enterprise_admin=True, is_active=True
        )
        .exclude(pk=person.pk)
        .order_by("last_name", "first_name", "username")
    )
    shown = settings.TWOFACTOR_ADMINISTRATORS_NAMED
    if shown <= 0:
        return ""  # the operator chose "ask your administrator", unnamed
    names = ", ".join(a.get_full_name() or a.get_username() for a in admins[:shown])
    more = len(admins) - shown
    if more > 0:
        return ngettext("%(names)s and %(count)s more", "%(names)s and %(count)s more", more) % {
            "names": names,
            "count": more,
        }
    return names


def _wait_words(names: str) -> str:
    if not names:
        return gettext("Wait until %(time)s.")
    return gettext("Wait until %(time)s, or ask your administrator: %(names)s.")


def wait_guidance(person: Any, until: datetime) -> SafeString:
    """Until when, and whom to ask, with the time in a <time> for the script."""
    names = administrators_named(person)
    return _with_time(_wait_words(names), until, names=names)


def wait_guidance_text(person: Any, until: datetime) -> str:
    """wait_guidance as plain text (the login page's error): nothing escaped
    here, so the page escapes it once."""
    names = administrators_named(person)
    return _wait_words(names) % {"time": at_utc(until), "names": names}


def unlock_guidance(person: Any) -> str:
    names = administrators_named(person)
    if not names:
        return gettext("Ask your administrator to unlock it.")
    return gettext("Ask your administrator to unlock it: %(names)s.") % {"names": names}


def blocked(
    person: Any, *, lock: Any = None, hourly_until: datetime | None = None
) -> dict[str, Any] | None:
    """The pop-up's words when nothing can be done now: a lock (timed, or
    until an administrator unlocks it) stops Verify and Resend; the hourly
    limit stops Resend. None when neither holds."""
    if lock is not None and lock.until is None:
        return {
            "verify": False,
            "headline": gettext(
                "Too many wrong codes: entering codes is locked until an administrator unlocks it."
            ),
            "guidance": unlock_guidance(person),
            "seconds": None,
        }
    if lock is not None:
        return {
            "verify": False,
            "headline": _with_time(
                gettext("Too many wrong codes. You can try again at %(time)s."), lock.until
            ),
            "guidance": wait_guidance(person, lock.until),
            "seconds": seconds_until(lock.until),
        }
    if hourly_until is not None:
        return {
            "verify": True,
            "headline": _with_time(
                gettext(
                    "You have had the most codes allowed in an hour. You can ask for a new "
                    "code at %(time)s."
                ),
                hourly_until,
            ),
            "guidance": wait_guidance(person, hourly_until),
            "seconds": seconds_until(hourly_until),
        }
    return None
