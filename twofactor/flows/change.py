"""A change that waits for codes: My Account, Enterprise Settings, a password.

The page decides which codes the change needs (twofactor/stepup.py) and
starts a ChangeFlow with them, in order: usually a step-up (a code to where
the person's codes go now), then the proof of a new destination. Each code
accepted is remembered in the flow; a step-up is also remembered in the
session (it stays fresh a few minutes). After the last code, the change is
worked out again and applied by the action its app registered."""

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, get_user_model, logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login

from accounts.sessions import CODE_PROVEN, TRUSTED_BY, Ended, session_keep, sessions_end
from enterprise.audit import client_ip
from twofactor import app, codes, passkeys, recovery
from twofactor.destinations import Destination
from twofactor.devices import current_destination, device_get
from twofactor.flows.base import Flow, Verified, now_iso
from twofactor.models import Challenge, CodeDevice

if TYPE_CHECKING:
    from accounts.models import User

STEP_UP_KEY = "twofactor_step_up"


@dataclass(frozen=True)
class CodeNeeded:
    purpose: str
    destination: Destination


@dataclass(frozen=True)
class ChangeContext:
    """What an action knows of the change it applies."""

    actor: Any
    ip: str | None
    # The session that made the change: it survives "end the other sessions".
    session_key: str | None
    # Destinations a code was entered for during this change.
    proven: frozenset[str]
    # Filled by end_other_sessions(): this session then joins the new
    # generation of the person's sessions (accounts.sessions.session_keep).
    ended: list[Ended] = field(default_factory=list)
    # The session itself, for a change whose result the next page shows
    # (new recovery codes are drawn when that page is shown).
    session: Any = None
    # A fresh step-up of the person's current factor stands behind this
    # change (a code in this change, or one in this session in the last
    # TWOFACTOR_STEP_UP_TTL): an action re-checks under its row lock whether
    # it still needs one, against what is saved now.
    stepped_up: bool = False

    def end_other_sessions(self, user: Any) -> Ended:
        ended = sessions_end(user=user, keep=self.session_key)
        self.ended.append(ended)
        return ended


@dataclass(frozen=True)
class ChangeAction:
    # needed(request, user, **payload) -> the codes the change needs now.
    needed: Callable[..., list[CodeNeeded]]
    # apply(ctx, **payload) -> the message the person reads.
    apply: Callable[..., str]
    # describe(user, **payload) -> what the code confirms, one line per
    # purpose, read by the person above the code field ("Confirm: turn off
    # two-factor authentication"), against what is saved now.
    describe: Callable[..., list[str]] | None = None


_actions: dict[str, ChangeAction] = {}


def action_register(
    name: str,
    *,
    needed: Callable[..., list[CodeNeeded]],
    apply: Callable[..., str],
    describe: Callable[..., list[str]] | None = None,
) -> None:
    """An app names a change it lets pages make: which codes it needs, how
    it is applied once they are entered, and how the pop-up says what the
    code confirms (every action should say it: a test walks them). Nothing
    here names the apps."""
    _actions[name] = ChangeAction(needed=needed, apply=apply, describe=describe)


def actions_registered() -> dict[str, ChangeAction]:
    """Every change action the apps registered (tests walk them)."""
    return dict(_actions)


def change_describe(user: Any, *, action: str, payload: dict[str, Any]) -> list[str]:
    """What a change's code confirms, as the person reads it: one line per
    purpose, never none (a change that says nothing gets a plain line)."""
    describe = _actions[action].describe
    lines = [str(line) for line in describe(user, **payload) if line] if describe else []
    return lines or [gettext("Confirm: save your changes")]


def change_needed(
    request: HttpRequest, *, action: str, payload: dict[str, Any]
) -> list[CodeNeeded]:
    return _actions[action].needed(request, request.user, **payload)


def change_apply(
    request: HttpRequest,
    *,
    action: str,
    payload: dict[str, Any],
    proven: list[str] | None = None,
) -> str:
    """Apply a change whose codes were entered. What it needs is worked out
    again first, with the person's code-step row locked, and the change is
    applied under that same lock: a change begun before the person's 2FA or
    destination changed (in another session, or by a request in flight at
    the same moment) may now need codes it never asked for, and then it
    applies nothing. Every change of a person's 2FA takes this lock, so two
    of them never cross."""
    proven = proven or []
    actor = cast("User", request.user)
    row = device_get(actor)
    with transaction.atomic():
        CodeDevice.objects.select_for_update().filter(pk=row.pk).first()
        missing = [
            needed
            for needed in change_needed(request, action=action, payload=payload)
            if needed.destination.address not in proven
        ]
        if missing:
            raise codes.CodeError(
                gettext(
                    "Your 2FA settings changed while this change waited for its code. "
                    "Nothing was changed: please make it again."
                )
            )
        current = current_destination(actor)
        ctx = ChangeContext(
            actor=request.user,
            ip=client_ip(request),
            session_key=request.session.session_key,
            proven=frozenset(proven),
            session=request.session,
            stepped_up=current is not None
            and (current.address in proven or proof_fresh(request, user=actor, current=current)),
        )
        message = _actions[action].apply(ctx, **payload)
    user = get_user_model().objects.get(pk=ctx.actor.pk)
    # This session stays, under a new key (a stolen copy of its cookie
    # dies); if the change ended the other sessions (a password change
    # among them), it joins their new generation with the new password's
    # hash, unless someone ended it meanwhile.
    ended = ctx.ended[-1] if ctx.ended else None
    if not session_keep(request, ended):
        logout(request)
        raise codes.CodeError(gettext("Your sessions were logged out. Please log in again."))
    if ended is not None:
        request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # A code went to where the person's codes go now (a step-up, or turning
    # 2FA on with their own destination): this session is verified by it.
    device = CodeDevice.objects.filter(user=user, enrolled=True, confirmed=True).first()
    current = current_destination(user)
    if current is not None and current.address in proven:
        request.session[CODE_PROVEN] = True
        request.session.pop(TRUSTED_BY, None)
        if device is not None:
            otp_login(request, device)
    return message


def proof_record(request: HttpRequest, *, user: Any, destination: Destination) -> None:
    """A step-up code was entered: remember where it went, and when."""
    request.session[STEP_UP_KEY] = {
        "user_id": user.pk,
        "at": timezone.now().isoformat(),
        "channel": destination.channel,
        "address": destination.address,
    }
    # A code to the person's own current factor: the session is verified by
    # it, and no longer rests on a remembered browser's trust.
    request.session[CODE_PROVEN] = True
    request.session.pop(TRUSTED_BY, None)
    device = CodeDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        otp_login(request, device)


def proof_fresh(request: HttpRequest, *, user: Any, current: Destination | None) -> bool:
    """This session proved, in the last TWOFACTOR_STEP_UP_TTL, a code sent to
    `current` (where the person's codes go now)."""
    proof = proof_of(request, user=user)
    if proof is None or current is None:
        return False
    if timezone.now() >= datetime.fromisoformat(proof["at"]) + settings.TWOFACTOR_STEP_UP_TTL:
        return False
    # The destination, not the channel: an SMS and a call to one phone prove
    # the same possession.
    return bool(current.address == proof["address"])


def proof_of(request: HttpRequest, *, user: Any) -> dict[str, Any] | None:
    """The step-up this session proved for `user`, if any (stepup judges it)."""
    proof: dict[str, Any] | None = request.session.get(STEP_UP_KEY)
    if not proof or proof.get("user_id") != user.pk:
        return None
    return proof


class ChangeFlow(Flow):
    type = "change"
    # Each code of a change is valid for TWOFACTOR_CODE_TTL; the clock
    # starts again with the second code.
    ttl_setting = "TWOFACTOR_CODE_TTL"
    verify_url_name = "twofactor:verify"
    resend_url_name = "twofactor:resend"
    passkey_options_url_name = "twofactor:passkey_options"
    passkey_verify_url_name = "twofactor:passkey_verify"
    app_instead_url_name = "twofactor:app_instead"
    template = "twofactor/verify_change.html"
    restart_url_name = "home"
    expired_message = _("There is no change waiting for a code. Please make it again.")

    @property
    def start_url(self) -> str:
        url: str = self.data["return_url"]
        return url

    def belongs_here(self) -> bool:
        return bool(self.data.get("user_id") == self.request.user.pk)

    @classmethod
    def begin(
        cls,
        request: HttpRequest,
        *,
        action: str,
        payload: dict[str, Any],
        needed: list[CodeNeeded],
        return_url: str,
    ) -> "ChangeFlow":
        """Start a change that applies after `needed` codes are entered, in
        order. Sends the first."""
        user = cast("User", request.user)
        flow = cls(
            request,
            {
                "type": cls.type,
                "user_id": user.pk,
                "action": action,
                "payload": payload,
                "return_url": return_url,
                "account_channel": user.enterprise.twofactor_channel,
                "pending": [(n.purpose, asdict(n.destination)) for n in needed[1:]],
                "steps": len(needed),
                "proven": [],
                "started_at": now_iso(),
            },
        )
        first = needed[0]
        step_up = first.purpose == Challenge.Purpose.STEP_UP
        if step_up and passkeys.passkeys_of(user):
            # The strongest method first: a passkey, then the person's app;
            # nothing is sent unless they ask ("Send a code ... instead").
            flow.answer_with_app(
                purpose=first.purpose, destination=first.destination, method="passkey"
            )
        elif step_up and app.app_device(user) is not None:
            flow.answer_with_app(purpose=first.purpose, destination=first.destination)
        else:
            flow.issue(
                user=user, purpose=first.purpose, destination=first.destination, flow=uuid.uuid4()
            )
        flow.save()
        return flow

    def step_note(self) -> str:
        steps: int = self.data["steps"]
        if steps < 2:
            return ""
        done = steps - len(self.data["pending"])
        if self.purpose == Challenge.Purpose.STEP_UP:
            return gettext(
                "Step %(done)s of %(steps)s: first confirm it's you, with a code "
                "sent where your codes go now."
            ) % {"done": done, "steps": steps}
        if "@" in self.destination.address:
            return gettext("Step %(done)s of %(steps)s: now confirm the new email address.") % {
                "done": done,
                "steps": steps,
            }
        return gettext("Step %(done)s of %(steps)s: now confirm the new phone number.") % {
            "done": done,
            "steps": steps,
        }

    def purpose_lines(self) -> list[str]:
        """What this code confirms: the proof of a new phone number or email
        names it; a step-up says what the change does."""
        if self.purpose == Challenge.Purpose.PROVE:
            masked = self.destination.masked
            if "@" in self.destination.address:
                return [gettext("Confirm your new email address %(email)s") % {"email": masked}]
            return [gettext("Confirm your new phone number %(number)s") % {"number": masked}]
        return change_describe(
            self.user(), action=self.data["action"], payload=self.data["payload"]
        )

    def recovery_allowed(self) -> bool:
        return (
            self.purpose == Challenge.Purpose.STEP_UP
            and recovery.recovery_left(self.data["user_id"]) > 0
        )

    def app_allowed_here(self) -> bool:
        """A step-up may be answered by the person's active app."""
        return self.purpose == Challenge.Purpose.STEP_UP and app.app_device(self.user()) is not None

    def app_available(self) -> bool:
        return self.app_allowed_here()

    def verified(self, user: Any, *, by_code: bool = True) -> Verified:
        if self.purpose == Challenge.Purpose.STEP_UP:
            proof_record(self.request, user=user, destination=self.destination)
        self.data["proven"].append(self.destination.address)
        if self.data["pending"]:
            purpose, destination = self.data["pending"].pop(0)
            self.data["started_at"] = now_iso()
            try:
                self.issue(
                    user=user,
                    purpose=purpose,
                    destination=Destination(**destination),
                    flow=uuid.uuid4(),
                )
            except codes.CodeError:
                self.clear()
                raise
            self.save()
            return Verified(self.verify_url, more=True)
        self.clear()
        message = change_apply(
            self.request,
            action=self.data["action"],
            payload=self.data["payload"],
            proven=self.data["proven"],
        )
        return Verified(self.data["return_url"], message)
