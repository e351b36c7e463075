"""Remembered browsers (docs/BEHAVIOUR.md, "Remember this browser").

After a code, a person may ask the browser to be remembered for the days
their administrator allows: that person, in that browser, then logs in with
the password alone until the days pass. The browser holds random tokens in
one signed cookie (one per person who asked, so two people on one browser
stay apart); the server keeps only their SHA-256, so a database copy holds
nothing a browser could present. Operators (staff) always enter a code."""

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Least
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from enterprise.audit import Action, audit_record
from twofactor.models import CodeDevice, TrustedBrowser
from twofactor.passkeys import passkeys_only

if TYPE_CHECKING:
    from accounts.models import User

SALT = "twofactor.trust"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def binding(user: "User") -> str:
    """A keyed hash of what a remembered browser is bound to: the person's
    password (its session hash), and the channel and destination their codes
    go to now. None of them can be read back from it."""
    from twofactor.devices import current_destination

    destination = current_destination(user)
    where = f"{destination.channel}:{destination.address}" if destination else "-"
    value = f"{user.get_session_auth_hash()}|{where}"
    return salted_hmac("twofactor.trust.binding", value, algorithm="sha256").hexdigest()


def is_confirmed(user: "User") -> bool:
    """Enabled, not "Verification required": a browser never skips the proof
    a channel change asks for."""
    return CodeDevice.objects.filter(user=user, enrolled=True, confirmed=True).exists()


def trust_days(user: "User") -> int:
    """How many days this person may have a browser remembered: 0 = never
    (staff; or their enterprise accepts only passkeys now, and a remembered
    browser would skip the passkey)."""
    if user.is_staff or passkeys_only(user.enterprise):
        return 0
    return int(user.enterprise.remember_browser_days)


def _tokens(request: HttpRequest) -> list[str]:
    value = request.get_signed_cookie(settings.TWOFACTOR_TRUST_COOKIE, default="", salt=SALT)
    return [token for token in (value or "").split() if token][
        : settings.TWOFACTOR_TRUST_PER_BROWSER
    ]


def browser_trusted(request: HttpRequest, user: "User") -> TrustedBrowser | None:
    """This browser is remembered for this person, now: a token of theirs in
    the cookie, not expired, and younger than the days the enterprise
    allows today (lowering the days shortens every trust at once)."""
    days = trust_days(user)
    tokens = _tokens(request)
    if not days or not tokens:
        return None
    now = timezone.now()
    trusted = (
        TrustedBrowser.objects.filter(
            user=user,
            token_hash__in=[_hash(token) for token in tokens],
            expires_at__gt=now,
            created_at__gt=now - timedelta(days=days),
            binding=binding(user),
        )
        .order_by("-created_at")
        .first()
    )
    if trusted is not None and not is_confirmed(user):
        return None
    if trusted is not None:
        TrustedBrowser.objects.filter(pk=trusted.pk).update(last_used_at=now)
    return trusted


def trust_grant(*, request: HttpRequest, user: "User", ip: str | None) -> str:
    """Remember this browser for this person: returns the token for the
    cookie (trust_cookie_add). The person is told by email."""
    from twofactor import notices

    days = trust_days(user)
    token = secrets.token_urlsafe(32)
    user_agent = request.headers.get("User-Agent", "")[:300]
    TrustedBrowser.objects.create(
        user=user,
        token_hash=_hash(token),
        binding=binding(user),
        user_agent=user_agent,
        ip=ip,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(Action.BROWSER_TRUSTED, actor=user, target=user, ip=ip, detail=f"for {days} days")
    from accounts.sessions import browser_name

    notices.notice_send(
        notices.BROWSER_TRUSTED,
        user=user,
        context={"browser": browser_name(user_agent), "days": days},
    )
    return token


def trust_cookie_add(request: HttpRequest, response: HttpResponse, token: str) -> None:
    """The browser's cookie with `token` first; the oldest dropped past
    TWOFACTOR_TRUST_PER_BROWSER people."""
    tokens = [token, *[t for t in _tokens(request) if t != token]]
    response.set_signed_cookie(
        settings.TWOFACTOR_TRUST_COOKIE,
        " ".join(tokens[: settings.TWOFACTOR_TRUST_PER_BROWSER]),
        salt=SALT,
        max_age=int(timedelta(days=settings.TWOFACTOR_REMEMBER_MAX_DAYS).total_seconds()),
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Lax",
    )


def trusted_browsers_of(user: "User") -> list[TrustedBrowser]:
    now = timezone.now()
    days = trust_days(user)
    return list(
        TrustedBrowser.objects.filter(
            user=user,
            expires_at__gt=now,
            created_at__gt=now - timedelta(days=days),
            binding=binding(user),
        ).order_by("-created_at")
    )


def still_trusted(*, user: "User", trusted_id: int) -> bool:
    """The remembered browser a session was opened by is still remembered
    (a session it opened ends with it: Revoke, or anything that ends trust)."""
    now = timezone.now()
    return TrustedBrowser.objects.filter(
        pk=trusted_id,
        user=user,
        expires_at__gt=now,
        created_at__gt=now - timedelta(days=trust_days(user)),
        binding=binding(user),
    ).exists()


def is_this_browser(request: HttpRequest, trusted: TrustedBrowser) -> bool:
    return trusted.token_hash in {_hash(token) for token in _tokens(request)}


def trust_revoke(*, user: "User", trusted_id: int | None, ip: str | None, why: str) -> int:
    """Forget one of the person's browsers (or all, with None). Returns how
    many were forgotten; audited when any was."""
    rows = TrustedBrowser.objects.filter(user=user)
    if trusted_id is not None:
        rows = rows.filter(pk=trusted_id)
    count, _ = rows.delete()
    if count:
        audit_record(
            Action.BROWSER_TRUST_ENDED,
            actor=user,
            target=user,
            ip=ip,
            detail=f"{count} browser{'s' if count != 1 else ''}: {why}",
        )
    return count


def trust_end(*, user: Any, why: str, actor: Any = None, ip: str | None = None) -> int:
    """Every remembered browser of the person ends (a password change, 2FA
    off, a new email or phone, an administrator's reset)."""
    count, _ = TrustedBrowser.objects.filter(user_id=user.pk).delete()
    if count:
        audit_record(
            Action.BROWSER_TRUST_ENDED,
            actor=actor or user,
            target=user,
            ip=ip,
            detail=f"{count} browser{'s' if count != 1 else ''}: {why}",
        )
    return count


def trust_shorten(*, enterprise_id: int, days: int) -> int:
    """The administrator lowered the days: trust older than the new days
    ends now (all of it at 0), and none outlives the new limit."""
    now = timezone.now()
    rows = TrustedBrowser.objects.filter(user__enterprise_id=enterprise_id)
    if not days:
        count, _ = rows.delete()
        return count
    count, _ = rows.filter(created_at__lte=now - timedelta(days=days)).delete()
    # Raising the days again later revives nothing.
    rows.update(expires_at=Least(F("expires_at"), F("created_at") + timedelta(days=days)))
    return count
