"""Session lifetime (SPEC Security): 30 minutes idle, 12 hours in all."""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone

from accounts.sessions import AUTH_AT, IP, LAST_ACTIVE, USER_AGENT
from enterprise.audit import client_ip


def session_started(request) -> None:
    """At login: the clock of both limits starts, and the session records
    where it is used from (for the Active sessions list)."""
    now = timezone.now().isoformat()
    request.session[AUTH_AT] = now
    _touch(request, now)


def _touch(request, now: str) -> None:
    request.session[LAST_ACTIVE] = now
    request.session[IP] = client_ip(request)
    request.session[USER_AGENT] = request.headers.get("User-Agent", "")[:300]


def _parse(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


class SessionTimeoutMiddleware:
    """Logs a person out when their session was idle for SESSION_IDLE_TIMEOUT
    or began SESSION_ABSOLUTE_TIMEOUT ago, whatever the cookie says. Activity
    is written to the session at most every SESSION_ACTIVITY_RESOLUTION, so
    a busy page does not write its session on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            ended = self._ended(request)
            if ended is not None:
                return ended
        return self.get_response(request)

    def _ended(self, request):
        now = timezone.now()
        started = _parse(request.session.get(AUTH_AT))
        last = _parse(request.session.get(LAST_ACTIVE))
        if started is None or last is None:
            # A session from before these limits: they start counting now.
            session_started(request)
            return None
        if now - started >= settings.SESSION_ABSOLUTE_TIMEOUT:
            hours = int(settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds() // 3600)
            message = f"Your session reached its {hours}-hour limit. Please log in again."
        elif now - last >= settings.SESSION_IDLE_TIMEOUT:
            minutes = int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60)
            message = (
                f"You were logged out after {minutes} minutes without activity. "
                "Please log in again."
            )
        else:
            if now - last >= settings.SESSION_ACTIVITY_RESOLUTION:
                _touch(request, now.isoformat())
            return None
        logout(request)
        messages.info(request, message)
        return redirect_to_login(request.get_full_path())
