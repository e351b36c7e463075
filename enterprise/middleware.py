"""The roll-out's deadline, kept (docs/BEHAVIOUR.md, "Rolling out"): once it
has passed, a co-worker without 2FA can open nothing but turning it on."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from enterprise.rollout import requirement_of

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
        if not request.user.is_authenticated:
            return None
        requirement = requirement_of(request.user)
        request.rollout = requirement  # type: ignore[attr-defined]
        if requirement is None or not requirement.overdue:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_WHILE_OVERDUE:
            return None
        message = (
            "Turn on two-factor authentication here (tick Status, then enter the code we "
            "send) to open the rest of the portal."
        )
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"ok": False, "message": message}, status=403)
        messages.warning(request, message)
        return redirect("accounts:settings")


def rollout(request: HttpRequest) -> dict[str, Any]:
    """Template context: the roll-out banner's facts, or None."""
    return {"rollout": getattr(request, "rollout", None)}
