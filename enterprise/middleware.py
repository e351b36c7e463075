"""The roll-out's deadlines, kept (docs/BEHAVIOUR.md, "Rolling out" and
"Stronger factors"): once the 2FA deadline has passed, a co-worker without
2FA can open nothing but turning it on; once the enterprise accepts only
passkeys, a session not opened by one opens nothing but adding one."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.sessions import PASSKEY_PROVEN
from enterprise.rollout import requirement_of
from twofactor.flows import FLOW_KEY
from twofactor.passkeys import passkey_requirement_of

# What a person who must turn 2FA on may still open: My Account (where it
# is turned on), its code step, logging in and out, development's outbox.
OPEN_WHILE_OVERDUE = frozenset(
    {
        "accounts:settings",
        "twofactor:verify",
        "twofactor:resend",
        "twofactor:status",
        "twofactor:twilio_status",
        "login",
        "login_verify",
        "login_resend",
        "logout",
        "dev_outbox",
    }
)


# ... and, once only passkeys log in, what a session not opened by one may
# open: the same, its Security tab and adding a passkey (with its step-up).
OPEN_WHILE_PASSKEY_NEEDED = OPEN_WHILE_OVERDUE | {
    "accounts:security",
    "accounts:passkey_add",
    "accounts:passkey_new",
    "accounts:passkey_options",
    "accounts:passkey_register",
    "twofactor:passkey_options",
    "twofactor:passkey_verify",
    "twofactor:app_instead",
}


class RolloutMiddleware:
    """Notes on the request what the roll-out asks of the person (the banner
    reads it) and, past the deadline, sends them to My Account. Read on every
    request, so a deadline moved earlier holds at the next one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        request.rollout = None  # type: ignore[attr-defined]
        request.passkey_need = None  # type: ignore[attr-defined]
        if not request.user.is_authenticated:
            return None
        requirement = requirement_of(request.user)
        request.rollout = requirement  # type: ignore[attr-defined]
        match = request.resolver_match
        view_name = match.view_name if match is not None else ""
        if requirement is not None and requirement.overdue:
            if view_name in OPEN_WHILE_OVERDUE:
                return _only_allowed_changes(request)
            return _kept(
                request,
                _(
                    "Turn on two-factor authentication here (tick Status, then enter the code "
                    "we send) to open the rest of the portal."
                ),
                "accounts:settings",
            )
        need = passkey_requirement_of(request.user)
        # A passkey this session proved counts while the person still has one.
        proven = bool(request.session.get(PASSKEY_PROVEN)) and bool(need and need.has_passkey)
        if need is not None and (not need.has_passkey or (need.overdue and not proven)):
            request.passkey_need = need  # type: ignore[attr-defined]
        if need is None or not need.overdue or proven:
            return None
        if view_name in OPEN_WHILE_PASSKEY_NEEDED:
            return _only_allowed_changes(request)
        if requirement is not None:  # 2FA still off: that first
            return _kept(
                request,
                _(
                    "Your administrator now accepts only passkeys: turn on two-factor "
                    "authentication here (tick Status, then enter the code we send), then add "
                    "a passkey on Security."
                ),
                "accounts:settings",
            )
        # The page's banner says why (no message of its own: it would say it twice).
        return _kept(
            request,
            _(
                "Your administrator now accepts only passkeys: add one on My Account > "
                "Security to open the rest of the portal."
            ),
            "accounts:security",
            flash=False,
        )


# The changes a kept session may still make (and finish): My Account's
# Save (turning 2FA on) and adding a passkey. A change begun before the
# session was kept (a password, the enterprise's settings) is dropped.
ALLOWED_WHILE_KEPT = frozenset({"account.settings", "account.passkey_add"})


def _only_allowed_changes(request: HttpRequest) -> HttpResponse | None:
    flow = request.session.get(FLOW_KEY)
    if not flow or flow.get("type") != "change" or flow.get("action") in ALLOWED_WHILE_KEPT:
        return None
    request.session.pop(FLOW_KEY, None)
    return _kept(
        request,
        _(
            "That change can't be made now: your administrator's deadline has passed. "
            "Nothing was changed."
        ),
        "accounts:settings" if requirement_of(request.user) else "accounts:security",
    )


def _kept(request: HttpRequest, message: str, url_name: str, *, flash=True) -> HttpResponse:
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"ok": False, "message": message}, status=403)
    if flash:
        messages.warning(request, message)
    return redirect(url_name)


def rollout(request: HttpRequest) -> dict[str, Any]:
    """Template context: the roll-out banners' facts, or None."""
    return {
        "rollout": getattr(request, "rollout", None),
        "passkey_need": getattr(request, "passkey_need", None),
    }
