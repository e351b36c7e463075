"""Step-up: the codes a change asks for before it applies, in one place.

SPEC Security: a step-up proof counts only when its code went to the
destination the person's login uses *now*; proving a new destination is
never a step-up. A proof stays fresh for TWOFACTOR_STEP_UP_TTL in the
session that made it, and only while the login still uses that destination.

Pages call require_code() with the change and the codes it needs; the
change is applied by the action its app registered (action_register), now
or after the last code is accepted."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.shortcuts import redirect
from django.utils import timezone
from django_otp import login as otp_login

from enterprise.audit import client_ip
from twofactor import codes, devices
from twofactor.destinations import Destination
from twofactor.flows import NO_PROVEN_DETAIL, ChangeFlow
from twofactor.models import Challenge, CodeDevice
from twofactor.pages import code_step_redirect

STEP_UP_KEY = "twofactor_step_up"


@dataclass(frozen=True)
class CodeNeeded:
    purpose: str
    destination: Destination


@dataclass(frozen=True)
class ChangeContext:
    """What an action knows of the change it applies."""

    actor: object
    ip: str | None
    # The session that made the change: it survives "end the other sessions".
    session_key: str | None
    # Destinations proven by a code during this change.
    proven: frozenset[str]


@dataclass(frozen=True)
class ChangeAction:
    # needed(request, user, **payload) -> the codes the change needs now.
    needed: Callable[..., list[CodeNeeded]]
    # apply(ctx, **payload) -> the message the person reads.
    apply: Callable[..., str]


_actions: dict[str, ChangeAction] = {}


def action_register(name: str, *, needed: Callable, apply: Callable) -> None:
    """An app names a change it lets pages make: which codes it needs, and
    how it is applied once they are entered."""
    _actions[name] = ChangeAction(needed=needed, apply=apply)


# --- proofs ------------------------------------------------------------------------


def step_up_record(request, *, user, destination: Destination) -> None:
    request.session[STEP_UP_KEY] = {
        "user_id": user.pk,
        "at": timezone.now().isoformat(),
        "channel": destination.channel,
        "address": destination.address,
    }
    # A code to the person's own current factor: the session is verified by it.
    device = CodeDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        otp_login(request, device)


def step_up_fresh(request, *, user) -> bool:
    proof = request.session.get(STEP_UP_KEY)
    if not proof or proof.get("user_id") != user.pk:
        return False
    if timezone.now() >= datetime.fromisoformat(proof["at"]) + settings.TWOFACTOR_STEP_UP_TTL:
        return False
    # The destination, not the channel: an SMS and a call to one phone prove
    # the same possession.
    current = devices.current_destination(user)
    return current is not None and current.address == proof["address"]


def step_up(request, *, user) -> list[CodeNeeded]:
    """The step-up a change needs now: none when a fresh proof of the
    person's current factor is in this session, else a code to it."""
    if step_up_fresh(request, user=user):
        return []
    current = devices.current_destination(user)
    if current is None:
        raise codes.CodeError(NO_PROVEN_DETAIL)
    return [CodeNeeded(Challenge.Purpose.STEP_UP, current)]


def prove(destination: Destination) -> list[CodeNeeded]:
    """A code that proves a destination not yet proven (never a step-up)."""
    return [CodeNeeded(Challenge.Purpose.PROVE, destination)]


# --- changes --------------------------------------------------------------------------


def change_needed(request, *, action: str, payload: dict) -> list[CodeNeeded]:
    return _actions[action].needed(request, request.user, **payload)


def change_apply(request, *, action: str, payload: dict, proven=()) -> str:
    """Apply a change whose codes were entered. What it needs is worked out
    again first: a change begun before the person's 2FA or destination
    changed (in another session, say) may now need codes it never asked
    for, and then it applies nothing."""
    missing = [
        needed
        for needed in change_needed(request, action=action, payload=payload)
        if needed.destination.address not in proven
    ]
    if missing:
        raise codes.CodeError(
            "Your two-factor settings changed while this change waited for its code. "
            "Nothing was changed: please make it again."
        )
    ctx = ChangeContext(
        actor=request.user,
        ip=client_ip(request),
        session_key=request.session.session_key,
        proven=frozenset(proven),
    )
    message = _actions[action].apply(ctx, **payload)
    # A changed password would end this session too; a new key after any
    # change that mattered enough to ask for codes costs nothing.
    update_session_auth_hash(request, get_user_model().objects.get(pk=request.user.pk))
    return message


def require_code(request, *, action: str, payload: dict, needed: list[CodeNeeded], return_url: str):
    """Apply the change now if it needs no code, else start the code step.
    Returns the response to send, or the CodeError to show in the page's form."""
    if not needed:
        messages.success(request, change_apply(request, action=action, payload=payload))
        return redirect(return_url)
    try:
        ChangeFlow.begin(
            request, action=action, payload=payload, needed=needed, return_url=return_url
        )
    except codes.CodeError as exc:
        return exc
    return code_step_redirect(request, return_url, ChangeFlow)
