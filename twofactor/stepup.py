"""Step-up: the codes a change asks for before it applies, in one place.

docs/SECURITY.md: a step-up proof counts only when its code went to the
destination the person's login uses *now*; proving a new destination is
never a step-up. A proof stays fresh for TWOFACTOR_STEP_UP_TTL in the
session that made it, and only while the login still uses that destination.

An app registers each change its pages make (action_register: which codes it
needs, how it applies); a page calls require_code() with the change, and it
applies now or after the last code of a ChangeFlow."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from twofactor import codes, devices
from twofactor.destinations import Destination
from twofactor.flows import (
    NO_PROVEN_DETAIL,
    ChangeContext,
    ChangeFlow,
    CodeNeeded,
    action_register,
    change_apply,
    change_needed,
    proof_fresh,
)
from twofactor.models import Challenge
from twofactor.pages import code_step_redirect

__all__ = [
    "ChangeContext",
    "CodeNeeded",
    "action_register",
    "prove",
    "require_code",
    "step_up",
    "step_up_fresh",
]


def step_up_fresh(request: HttpRequest, *, user: Any, current: Destination | None = None) -> bool:
    """This session proved, in the last TWOFACTOR_STEP_UP_TTL, a code sent to
    where the person's codes go now (`current`, if the caller has it)."""
    return proof_fresh(request, user=user, current=current or devices.current_destination(user))


def step_up(request: HttpRequest, *, user: Any) -> list[CodeNeeded]:
    """The step-up a change needs now: none when a fresh proof of the
    person's current factor is in this session, else a code to it."""
    current = devices.current_destination(user)
    if current is None:
        raise codes.CodeError(NO_PROVEN_DETAIL)
    if step_up_fresh(request, user=user, current=current):
        return []
    return [CodeNeeded(Challenge.Purpose.STEP_UP, current)]


def prove(destination: Destination) -> list[CodeNeeded]:
    """A code that proves a destination not yet proven (never a step-up)."""
    return [CodeNeeded(Challenge.Purpose.PROVE, destination)]


def require_code(
    request: HttpRequest, *, action: str, payload: dict[str, Any], return_url: str
) -> HttpResponse | codes.CodeError:
    """The step-up sequence, for every page: work out the codes the change
    needs; apply it now if none, else start the code step (the pop-up, or its
    page without JS). Returns the response to send, or the CodeError to show
    in the page's form."""
    try:
        needed = change_needed(request, action=action, payload=payload)
        if not needed:
            message = change_apply(request, action=action, payload=payload)
            if message:
                messages.success(request, message)
            return redirect(return_url)
        ChangeFlow.begin(
            request, action=action, payload=payload, needed=needed, return_url=return_url
        )
    except codes.CodeError as exc:
        return exc
    return code_step_redirect(request, return_url, ChangeFlow)
