"""Password guessing limits (docs/SECURITY.md, "Throttles").

Keyed on who is guessed at as the login form understands it: the user the
form resolves whatever spelling it accepts (Django's form strips and
NFKC-normalises the username), or, for a name no user has, that normalised
name, so a 429 says nothing about whether the name exists. Three limits:
per person and address; per address across every name (one password
sprayed over many logins); per person across every address (ASVS 2.2.1: no
more than 100 failed attempts an hour on one account). An IPv6 address counts
as its /64 network.

The counters are PasswordFailure rows of their own: pruning the audit log
never changes what an attacker may try."""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UsernameField
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import salted_hmac

from twofactor.models import PasswordFailure

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User

MAX_USERNAME = 150


def username_normalise(value: object) -> str | None:
    """The username as the login form cleans it (the whole value stripped,
    then NFKC), or None when no user can have it. Nothing is cut before the
    strip: the form authenticates 600 spaces and "carl" as carl, so the
    throttle must count it against carl. (A NUL byte is refused by
    PostgreSQL in any query.)"""
    try:
        name = UsernameField().to_python(str(value))
    except ValidationError:
        return None
    if not isinstance(name, str) or not name or "\x00" in name or len(name) > MAX_USERNAME:
        return None
    return name


def address_key(ip: str | None) -> str | None:
    """The address a limit counts: an IPv4 address, or the /64 network of an
    IPv6 one (one host usually holds a whole /64, 2**64 addresses)."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False).network_address)
    return str(address)


def user_resolve(username: object) -> tuple["User | None", str | None]:
    """(the user the login form would authenticate, the normalised name)."""
    name = username_normalise(username)
    if name is None:
        return None, None
    user = get_user_model().objects.filter(username=name).only("id", "enterprise_id").first()
    return user, name


def _subject(*, user: "User | None" = None, name: str | None = None) -> str:
    key = f"user:{user.pk}" if user is not None else f"name:{name}"
    return salted_hmac("twofactor.throttle", key, algorithm="sha256").hexdigest()


def _retry_at(
    failures: "QuerySet[PasswordFailure]", limit: int, now: datetime, window: timedelta
) -> datetime | None:
    recent = list(
        failures.filter(created_at__gt=now - window)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    return recent[-1] + window if len(recent) >= limit else None


@dataclass
class Attempt:
    """One password about to be checked. It counts as a failure from the
    moment it starts, so requests racing each other cannot all pass the
    limit before any of them is counted: of N at once, at most the limit
    get their password checked. A correct password takes it back."""

    retry_at: datetime | None
    row: PasswordFailure | None = None

    def succeeded(self) -> None:
        """The password was right: this attempt and the earlier failures for
        this person from this address no longer count (NIST SP 800-63B
        §5.2.2)."""
        if self.row is not None:
            PasswordFailure.objects.filter(subject=self.row.subject, ip=self.row.ip).delete()
            self.row = None


def password_attempt(
    *, ip: str | None, user: "User | None" = None, name: str | None = None
) -> Attempt:
    """Start checking a password for `user` (or the normalised `name` no
    user has) from `ip`. `retry_at` is set when the limit is reached: then
    nothing is counted and the password must not be checked."""
    subject = _subject(user=user, name=name or "")
    ip = address_key(ip)
    row = PasswordFailure.objects.create(subject=subject, ip=ip)
    now = timezone.now()
    others = PasswordFailure.objects.exclude(pk=row.pk)
    window = settings.LOGIN_FAILURE_WINDOW
    checks = [
        _retry_at(others.filter(subject=subject, ip=ip), settings.LOGIN_MAX_FAILURES, now, window),
        _retry_at(others.filter(ip=ip), settings.LOGIN_MAX_FAILURES_PER_IP, now, window),
        _retry_at(
            others.filter(subject=subject),
            settings.LOGIN_MAX_FAILURES_PER_ACCOUNT,
            now,
            settings.LOGIN_ACCOUNT_WINDOW,
        ),
    ]
    waits = [wait for wait in checks if wait is not None]
    if waits:
        row.delete()
        return Attempt(retry_at=max(waits))
    return Attempt(retry_at=None, row=row)
