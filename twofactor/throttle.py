"""Password guessing limits (SPEC Security, "Throttles").

Keyed on who is guessed at as the login form understands it: the user the
form resolves whatever spelling it accepts (Django's form strips and
NFKC-normalises the username), or, for a name no user has, that normalised
name, so a 429 says nothing about whether the name exists. Per address too,
and per address across every name (one password sprayed over many logins).

The counters are PasswordFailure rows of their own: pruning the audit log
never changes what an attacker may try."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UsernameField
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import salted_hmac

from twofactor.models import PasswordFailure

MAX_USERNAME = 150


def username_normalise(value) -> str | None:
    """The username as the login form cleans it, or None when no user can
    have it. (A NUL byte is refused by PostgreSQL in any query.)"""
    try:
        name = UsernameField().to_python(str(value)[: MAX_USERNAME * 4])
    except ValidationError:
        return None
    if not name or "\x00" in name or len(name) > MAX_USERNAME:
        return None
    return name


def user_resolve(username) -> tuple[object | None, str | None]:
    """(the user the login form would authenticate, the normalised name)."""
    name = username_normalise(username)
    if name is None:
        return None, None
    user = get_user_model().objects.filter(username=name).only("id", "enterprise_id").first()
    return user, name


def _subject(*, user=None, name: str | None = None) -> str:
    key = f"user:{user.pk}" if user is not None else f"name:{name}"
    return salted_hmac("twofactor.throttle", key, algorithm="sha256").hexdigest()


def _retry_at(failures, limit: int, now: datetime) -> datetime | None:
    window = settings.LOGIN_FAILURE_WINDOW
    recent = list(
        failures.filter(created_at__gt=now - window)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    return recent[-1] + window if len(recent) >= limit else None


def password_throttled(*, ip: str | None, user=None, username=None) -> datetime | None:
    """When a password may be tried again for this person (or name) from this
    address, or None if it may be tried now."""
    if user is None:
        user, name = user_resolve(username)
        if user is None and name is None:
            name = ""  # an impossible name: only the address counts
    else:
        name = None
    now = timezone.now()
    own = PasswordFailure.objects.filter(subject=_subject(user=user, name=name), ip=ip)
    everyone = PasswordFailure.objects.filter(ip=ip)
    waits = [
        _retry_at(own, settings.LOGIN_MAX_FAILURES, now),
        _retry_at(everyone, settings.LOGIN_MAX_FAILURES_PER_IP, now),
    ]
    waits = [wait for wait in waits if wait is not None]
    return max(waits) if waits else None


def password_failed(*, ip: str | None, user=None, username=None):
    """Count one refused password. Returns the user it was for, if any."""
    name = None
    if user is None:
        user, name = user_resolve(username)
        name = name or ""
    PasswordFailure.objects.create(subject=_subject(user=user, name=name), ip=ip)
    return user
