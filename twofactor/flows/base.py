"""A code step waiting in the session: what every flow shares.

One flow lives in the session at a time, under FLOW_KEY. Each type (a
subclass, registered in FLOWS by its `type`) owns its lifetime, its URLs and
what happens when its code is accepted, so nothing outside branches on which
one it is."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_stubs_ext import StrOrPromise

from accounts.sessions import PASSKEY_PROVEN
from enterprise.audit import client_ip
from twofactor import app, codes, devices, passkeys, recovery
from twofactor.destinations import (
    DAILY_LIMIT,
    EMAIL_UNPROVEN,
    NO_PHONE,
    PHONE_NOT_ALLOWED,
    PHONE_UNPROVEN,
    Destination,
)
from twofactor.flows import guidance
from twofactor.models import Challenge
from twofactor.vocabulary import CHANNEL_LABELS, PHONE_CHANNELS

FLOW_KEY = "twofactor_flow"

NO_PROVEN_DETAIL = _(
    "We can't send you a code: your email address and phone number were both changed "
    "without being confirmed. Ask your administrator to have the portal's operators "
    "confirm them."
)
# Why this code went elsewhere; %(account)s: the account's channel, as in
# CHANNEL_LABELS.
DETOURS: dict[str, StrOrPromise] = {
    NO_PHONE: _(
        "Your account sends codes by %(account)s, but your login has no phone number, "
        "so this code went by email. Add a phone number on My Account."
    ),
    PHONE_UNPROVEN: _(
        "Your account sends codes by %(account)s, but your phone number isn't "
        "confirmed yet, so this code went by email. Save it on My Account to confirm it."
    ),
    PHONE_NOT_ALLOWED: _(
        "Your account sends codes by %(account)s, but your administrator doesn't "
        "allow SMS and voice to your phone number's country, so this code went by email. "
        "Change the number on My Account."
    ),
    DAILY_LIMIT: _(
        "Your account sends codes by %(account)s, but it has sent all the SMS and voice "
        "codes its administrator allows today, so this code went by email. SMS and voice start "
        "again at midnight UTC."
    ),
    EMAIL_UNPROVEN: _(
        "Your account sends codes by email, but your email address isn't "
        "confirmed yet, so this code went by SMS. Save it on My Account to confirm it."
    ),
}


NO_APP = _(
    "Your authenticator app can no longer be used here (removed, or no longer allowed). "
    "Click “Send a code … instead”."
)


class FlowExpired(codes.CodeError):
    pass


STALE = _(
    "This pop-up belongs to a step that is no longer waiting: another one was started "
    "(in another tab or window). Nothing was changed. Close it and try again."
)


class StaleAnswer(codes.CodeError):
    """The answer names a stage that is no longer the session's."""

    status = 409


class MethodRefused(codes.CodeError):
    """The answer's kind is not accepted here (passkeys only)."""

    status = 403


@dataclass(frozen=True)
class Verified:
    """What follows an accepted code: where to go and what to say. `more`:
    another code of the same flow is on its way (the pop-up asks again)."""

    url: str
    message: str = ""
    more: bool = False
    # A browser to remember for the person (twofactor.trust): the cookie's token.
    trust_token: str = ""


def now_iso() -> str:
    return timezone.now().isoformat()


FLOWS: dict[str, type["Flow"]] = {}


class Flow:
    type: ClassVar[str]
    # The setting that says how long the flow waits for its code.
    ttl_setting: ClassVar[str]
    verify_url_name: ClassVar[str]
    resend_url_name: ClassVar[str]
    # A stage answered by a passkey: its options, its answer; and the switch
    # from a passkey to the app (Try another way).
    passkey_options_url_name: ClassVar[str]
    passkey_verify_url_name: ClassVar[str]
    app_instead_url_name: ClassVar[str]
    template: ClassVar[str]
    # Where a person goes when the flow has ended before its code.
    restart_url_name: ClassVar[str]
    # Lazy: str() it where it leaves for JSON.
    expired_message: ClassVar[StrOrPromise]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        FLOWS[cls.type] = cls

    def __init__(self, request: HttpRequest, data: dict[str, Any]) -> None:
        self.request = request
        self.data = data
        # What the person answered with: "code", "app", "passkey", "recovery".
        self.answered_by = ""

    # --- the session ------------------------------------------------------------

    @classmethod
    def get(cls, request: HttpRequest) -> Self | None:
        """The session's flow of this type if it is still alive, else None."""
        data = request.session.get(FLOW_KEY)
        if not data or data.get("type") != cls.type:
            return None
        flow = cls(request, data)
        if not flow.belongs_here():
            return None
        ttl: timedelta = getattr(settings, cls.ttl_setting)
        if timezone.now() >= datetime.fromisoformat(data["started_at"]) + ttl:
            flow.clear()
            return None
        return flow

    @classmethod
    def require(cls, request: HttpRequest) -> Self:
        flow = cls.get(request)
        if flow is None:
            raise FlowExpired(cls.expired_message)
        return flow

    def belongs_here(self) -> bool:
        return True

    def save(self) -> None:
        self.request.session[FLOW_KEY] = self.data

    def clear(self) -> None:
        self.request.session.pop(FLOW_KEY, None)

    # --- what it is about -----------------------------------------------------------

    @property
    def destination(self) -> Destination:
        stage = self.data["stage"]
        return Destination(stage["channel"], stage["address"], stage.get("detour", ""))

    @property
    def purpose(self) -> str:
        purpose: str = self.data["stage"]["purpose"]
        return purpose

    def user(self) -> Any:
        user = (
            get_user_model()
            .objects.select_related("enterprise")
            .filter(pk=self.data["user_id"], is_active=True)
            .first()
        )
        if user is None:
            raise FlowExpired(
                gettext("This verification can no longer continue. Please start again.")
            )
        return user

    def issue(
        self,
        *,
        user: Any,
        purpose: str,
        destination: Destination,
        flow: uuid.UUID,
        cooldown: bool = True,
    ) -> None:
        """Send a code for this flow's current stage (a fresh one on Resend).
        When today's SMS and voice codes ran out meanwhile, a login or a
        step-up code goes where the person's codes go now (email); a new
        phone number's proof cannot."""
        try:
            challenge = codes.challenge_issue(
                user=user,
                purpose=purpose,
                destination=destination,
                flow=flow,
                ip=client_ip(self.request),
                cooldown=cooldown,
            )
        except codes.PhoneBudgetSpent:
            now = devices.current_destination(user)
            if purpose == Challenge.Purpose.PROVE or now is None or now.channel in PHONE_CHANNELS:
                raise
            destination = now
            challenge = codes.challenge_issue(
                user=user,
                purpose=purpose,
                destination=destination,
                flow=flow,
                ip=client_ip(self.request),
            )
        self.data["flow"] = str(challenge.flow)
        self.data["challenge_id"] = challenge.pk
        self.data["stage"] = {
            "purpose": purpose,
            "channel": destination.channel,
            "address": destination.address,
            "detour": destination.detour,
        }

    # --- the person's steps ---------------------------------------------------------------

    @property
    def method(self) -> str:
        """How this stage is answered: "code" (sent by a channel) or "app"."""
        method: str = self.data["stage"].get("method", "code")
        return method

    def answers(self, flow_id: str | None) -> bool:
        """An answer names the stage its pop-up showed (`flow_id`, sent by
        every form of ours): it answers this flow only if that is the one
        waiting now. Another change started meanwhile in the same session
        (another tab, or a thief with a copy of the cookie) is never
        approved by a factor the person used for the one they saw."""
        return not flow_id or flow_id == self.data.get("flow")

    def refusal(self, how: str) -> str:
        """Why this stage no longer takes an answer by `how` ("code": a code
        sent by the channel, "app", "recovery"), or "" if it does. A passkey
        is never refused here."""
        return ""

    def _refuse(self, how: str) -> None:
        reason = self.refusal(how)
        if reason:
            raise MethodRefused(reason)

    @sensitive_variables("code")  # an error report must not show the code
    def verify(self, code: str) -> Verified:
        user = self.user()
        if self.method == "app":
            return self._answer_with_app(user, code)
        self._refuse("code")
        self.answered_by = "code"
        codes.code_verify(
            challenge_id=self.data["challenge_id"], user=user, code=code, ip=client_ip(self.request)
        )
        return self.verified(user)

    def passkey_options(self) -> str:
        """The options for navigator.credentials.get(); the challenge is kept
        in this flow, so only this flow takes the assertion."""
        options, challenge = passkeys.authentication_options(self.user())
        self.data["passkey_challenge"] = challenge
        self.save()
        return options

    def verify_passkey(self, credential: str) -> Verified:
        """A passkey's assertion answers a stage asked of a passkey (a login
        or a step-up), against the challenge this flow gave out (once)."""
        challenge = self.data.pop("passkey_challenge", None)
        self.save()
        if not challenge:
            raise codes.CodeError(gettext("Click “Use your passkey” again."))
        user = self.user()
        if self.method != "passkey":
            raise codes.CodeError(gettext("This step does not ask for a passkey."))
        if not passkeys.passkeys_of(user):
            raise codes.CodeError(
                gettext(
                    "Your administrator no longer allows passkeys. Click “Send a code … instead”."
                )
            )
        passkeys.authentication_verify(
            user=user, credential=credential, challenge=challenge, ip=client_ip(self.request)
        )
        self.answered_by = "passkey"
        self.request.session[PASSKEY_PROVEN] = True
        return self.verified(user, by_code=False)

    def app_allowed_here(self) -> bool:
        """The person's authenticator app may answer this stage instead of
        the code sent (a step-up; never the proof of a new destination)."""
        return False

    @sensitive_variables("code")
    def verify_app(self, code: str) -> Verified:
        user = self.user()
        if not self.app_allowed_here():
            raise codes.CodeError(
                gettext(
                    "Your authenticator app can't confirm a new phone number or email. "
                    "Enter the code sent to it."
                )
            )
        return self._answer_with_app(user, code)

    @sensitive_variables("code")
    def _answer_with_app(self, user: Any, code: str) -> Verified:
        """The person's active app (still allowed) answers this stage."""
        if app.app_device(user) is None:
            raise codes.CodeError(NO_APP)
        self._refuse("app")
        app.app_verify(user=user, code=code, ip=client_ip(self.request))
        self.answered_by = "app"
        return self.verified(user, by_code=False)

    def verified(self, user: Any, *, by_code: bool = True) -> Verified:
        """The code was accepted; `by_code` False: the answer was the
        person's app or a recovery code, not a code sent by the channel."""
        raise NotImplementedError

    def accept_options(self, post: Any) -> None:
        """Choices the pop-up posts beside the code (Remember this browser)."""

    def recovery_allowed(self) -> bool:
        """A recovery code may answer this stage (a login or a step-up;
        never the proof of a new destination)."""
        return False

    @sensitive_variables("code")
    def verify_recovery(self, code: str) -> Verified:
        user = self.user()
        self._refuse("recovery")
        if not self.recovery_allowed():
            raise codes.CodeError(
                gettext(
                    "A recovery code can't confirm a new phone number or email. "
                    "Enter the code sent to it."
                )
            )
        recovery.recovery_verify(user=user, code=code, ip=client_ip(self.request))
        self.answered_by = "recovery"
        return self.verified(user, by_code=False)

    def resend(self) -> None:
        self._refuse("code")
        self.issue(
            user=self.user(),
            purpose=self.purpose,
            destination=self.destination,
            flow=uuid.UUID(self.data["flow"]),
        )
        self.save()

    # --- pages ---------------------------------------------------------------------------

    @property
    def verify_url(self) -> str:
        return reverse(self.verify_url_name)

    @property
    def resend_url(self) -> str:
        return reverse(self.resend_url_name)

    @property
    def start_url(self) -> str:
        raise NotImplementedError

    def step_note(self) -> str:
        return ""

    def purpose_lines(self) -> list[str]:
        """What the code confirms, first in the pop-up: one line per purpose
        ("Log in as alice", "Confirm: turn off two-factor authentication")."""
        raise NotImplementedError

    def person(self) -> Any:
        """The person this flow is for, as saved now: for what the pop-up
        shows (an answer goes through user(), which may end the flow)."""
        return get_user_model().objects.select_related("enterprise").get(pk=self.data["user_id"])

    def timing(self, challenge: Challenge | None) -> dict[str, Any]:
        """The clocks the pop-up shows: the code's expiry, when Resend may
        send again, and what stops the person now (a lock, the hourly
        limit), with whom to ask."""
        person = self.person()
        lock = devices.device_peek(person).lock()
        resend_at, hourly = codes.resend_ready_at(
            user=person,
            purpose=self.purpose,
            address=self.destination.address,
            flow=uuid.UUID(self.data["flow"]),
        )
        expires_in = guidance.seconds_until(challenge.expires_at) if challenge else 0
        return {
            "expires_in": expires_in,
            # Whole minutes, rounded up, for the page without JavaScript.
            "expires_minutes": -(-expires_in // 60),
            "expired": challenge is not None and expires_in <= 0,
            "resend_in": guidance.seconds_until(resend_at) if resend_at and not hourly else 0,
            "resend_at": guidance.time_html(resend_at) if resend_at and not hourly else "",
            "blocked": guidance.blocked(
                person, lock=lock, hourly_until=resend_at if hourly else None
            ),
        }

    def prompt(self) -> dict[str, Any]:
        """What the pop-up says: channel, masked destination, delivery status."""
        if self.method in ("app", "passkey"):
            return self.app_prompt()
        challenge = Challenge.objects.filter(pk=self.data["challenge_id"]).first()
        delivery = str(challenge.get_delivery_display()) if challenge else ""
        failure = (
            challenge.delivery_detail
            if challenge and challenge.delivery in Challenge.NOT_DELIVERED
            else ""
        )
        if failure:
            # Stored in English (the worker and Twilio's callbacks have no
            # reader); read in the language of whoever reads the pop-up.
            failure = gettext(failure)
        destination = self.destination
        account = str(CHANNEL_LABELS.get(self.data.get("account_channel", ""), ""))
        detour = DETOURS.get(destination.detour)
        return {
            **self.timing(challenge),
            "purpose_lines": self.purpose_lines(),
            "kind": self.type,
            "minutes": int(settings.TWOFACTOR_CODE_TTL.total_seconds() // 60),
            "channel": destination.channel,
            "channel_label": destination.channel_label,
            "destination": destination.masked,
            "delivery": delivery,
            "failure": failure,
            "detour": str(detour) % {"account": account} if detour else "",
            "step_note": self.step_note(),
            "verify_url": self.verify_url,
            "resend_url": self.resend_url,
            "status_url": reverse("twofactor:status", args=[self.type]),
            "cancel_url": self.start_url,
            "recovery": self.recovery_allowed(),
            "app": self.app_allowed_here(),
            "flow_id": self.data["flow"],
        }

    def app_prompt(self) -> dict[str, Any]:
        """The pop-up of a stage answered by the person's app: no code was
        sent; another way is offered."""
        return {
            "purpose_lines": self.purpose_lines(),
            "kind": self.type,
            "method": self.method,
            "minutes": 0,
            "delivery": "",
            "failure": "",
            "detour": "",
            "step_note": self.step_note(),
            "verify_url": self.verify_url,
            "resend_url": self.resend_url,
            "status_url": reverse("twofactor:status", args=[self.type]),
            "cancel_url": self.start_url,
            "recovery": self.recovery_allowed(),
            "app": False,
            "send_instead": "" if self.refusal("code") else self.send_instead_label(),
            "app_instead": self.method == "passkey" and self.app_available(),
            "passkey_options_url": reverse(self.passkey_options_url_name),
            "passkey_verify_url": reverse(self.passkey_verify_url_name),
            "app_instead_url": reverse(self.app_instead_url_name),
            "flow_id": self.data["flow"],
        }

    def app_available(self) -> bool:
        """The person's app may answer instead of the passkey asked for."""
        return False

    def use_app_instead(self) -> None:
        """From the passkey stage: answer with the app instead."""
        self.data["stage"]["method"] = "app"
        self.save()

    def send_instead_label(self) -> str:
        destination = self.destination
        return gettext("Send a code by %(channel)s to %(destination)s instead") % {
            "channel": destination.channel_label,
            "destination": destination.masked,
        }

    def answer_with_app(
        self, *, purpose: str, destination: Destination, method: str = "app"
    ) -> None:
        """This stage is answered by the person's app (or passkey, `method`):
        nothing is sent (Resend, "Send a code ... instead", sends the code to
        `destination`)."""
        self.data["flow"] = str(uuid.uuid4())
        self.data["challenge_id"] = None
        self.data["stage"] = {
            "purpose": purpose,
            "channel": destination.channel,
            "address": destination.address,
            "detour": destination.detour,
            "method": method,
        }
