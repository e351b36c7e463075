"""What keeps a session alive (docs/SECURITY.md): 30 minutes idle, 12 hours in
all; no session outlives "end the person's sessions"; and a session of a
person whose login needs a code was made with one."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.sessions import (
    AUTH_AT,
    CODE_PROVEN,
    EPOCH,
    IP,
    LAST_ACTIVE,
    TRUSTED_BY,
    USER_AGENT,
)
from enterprise.audit import client_ip


def session_started(request: HttpRequest, user: Any) -> None:
    """At login: the clock of both limits starts, the session notes which
    generation of the person's sessions it belongs to, and where it is used
    from (for the Active sessions list)."""
    now = timezone.now().isoformat()
    request.session[AUTH_AT] = now
    request.session[EPOCH] = user.session_epoch
    _touch(request, now)


def passive(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A request no person makes (the pop-up polling its delivery status):
    it never counts as activity."""
    view.session_passive = True  # type: ignore[attr-defined]
    return view


def _touch(request: HttpRequest, now: str) -> None:
    request.session[LAST_ACTIVE] = now
    request.session[IP] = client_ip(request)
    request.session[USER_AGENT] = request.headers.get("User-Agent", "")[:300]


def _parse(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _needs_code(user: Any) -> bool:
    """The person's login needs a code now (the login's own rule:
    twofactor.devices.twofactor_on), in one query."""
    from twofactor.models import CodeDevice

    return CodeDevice.objects.filter(
        user_id=user.pk, enrolled=True, user__enterprise__twofactor_enabled=True
    ).exists()


def _still_trusted(request: HttpRequest) -> bool:
    from twofactor.trust import still_trusted

    user: Any = request.user
    return still_trusted(user=user, trusted_id=request.session[TRUSTED_BY])


class SessionTimeoutMiddleware:
    """Logs a person out when their session:
    - was idle for SESSION_IDLE_TIMEOUT, or began SESSION_ABSOLUTE_TIMEOUT
      ago, whatever the cookie says;
    - belongs to an earlier generation of their sessions (all were ended:
      a password change, Log out other sessions, an Unlock);
    - was made with the password alone while their login now needs a code
      (they, or someone with their password, turned 2FA on elsewhere);
    - was opened by a remembered browser that is no longer remembered.
    Activity is written at most every SESSION_ACTIVITY_RESOLUTION, and never
    for passive requests."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        now = timezone.now()
        started = _parse(request.session.get(AUTH_AT))
        last = _parse(request.session.get(LAST_ACTIVE))
        if started is None or last is None or EPOCH not in request.session:
            # A session from before these rules: they start counting now.
            session_started(request, request.user)
            return None
        if now - started >= settings.SESSION_ABSOLUTE_TIMEOUT:
            hours = int(settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds() // 3600)
            message = ngettext(
                "Your session reached its %(hours)s-hour limit. Please log in again.",
                "Your session reached its %(hours)s-hour limit. Please log in again.",
                hours,
            ) % {"hours": hours}
        elif now - last >= settings.SESSION_IDLE_TIMEOUT:
            minutes = int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60)
            message = ngettext(
                "You were logged out after %(minutes)s minute without activity. "
                "Please log in again.",
                "You were logged out after %(minutes)s minutes without activity. "
                "Please log in again.",
                minutes,
            ) % {"minutes": minutes}
        elif request.session[EPOCH] != request.user.session_epoch:
            message = _("Your sessions were logged out. Please log in again.")
        elif TRUSTED_BY in request.session and not _still_trusted(request):
            message = _("This browser is no longer remembered for your login. Please log in again.")
        elif not request.session.get(CODE_PROVEN) and _needs_code(request.user):
            message = _(
                "Two-factor authentication is on for your login: "
                "please log in again with your code."
            )
        else:
            passive_request = getattr(view, "session_passive", False)
            if not passive_request and now - last >= settings.SESSION_ACTIVITY_RESOLUTION:
                _touch(request, now.isoformat())
            return None
        logout(request)
        messages.info(request, message)
        # Back to where they were, unless that address is absurdly long.
        path = request.get_full_path()
        return redirect_to_login(path if len(path) <= 2000 else request.path)


class PersonLanguageMiddleware:
    """A logged-in person's own Language (My Account) wins over their
    browser's; LocaleMiddleware has chosen the browser's already."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = getattr(request.user, "language", "") if request.user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
