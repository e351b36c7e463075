"""Code steps waiting in the session: a login, or a change that needs codes.

One flow lives in the session at a time, under FLOW_KEY. Each type owns its
lifetime, its URLs and what happens when its code is accepted, so nothing
outside branches on which one it is:

- LoginFlow: the password was accepted and a code is required. The session
  holds no authenticated user, only this flow; Django's login() runs when
  the code is accepted, which also cycles the session key.
- ChangeFlow: a change (My Account, Enterprise Settings, a password) waits
  for one or two codes: a step-up to the destination the person's login
  uses now, then a code that proves a new destination. The change applies
  after the last one (twofactor/stepup.py)."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from django_otp import login as otp_login

from enterprise.audit import Action, audit_record, client_ip
from twofactor import codes, devices
from twofactor.channels import CHANNEL_LABELS
from twofactor.destinations import NO_PHONE, Destination, mask_destination
from twofactor.models import Challenge, CodeDevice

FLOW_KEY = "twofactor_flow"

NO_PROVEN_DETAIL = (
    "We can't send you a code: your email address and phone number were both changed "
    "without being confirmed. Ask your administrator for help."
)
DETOURS = {
    NO_PHONE: "Your account sends codes by {account}, but your login has no phone number, "
    "so this code went by email. Add a phone number on My Account.",
    "phone_unproven": "Your account sends codes by {account}, but your phone number isn't "
    "confirmed yet, so this code went by email. Save it on My Account to confirm it.",
    "email_unproven": "Your account sends codes by email, but your email address isn't "
    "confirmed yet, so this code went by SMS. Save it on My Account to confirm it.",
}


class FlowExpired(codes.CodeError):
    pass


@dataclass(frozen=True)
class Verified:
    """What follows an accepted code: where to go and what to say. `more`:
    another code of the same flow is on its way (the pop-up asks again)."""

    url: str
    message: str = ""
    more: bool = False


def _now() -> str:
    return timezone.now().isoformat()


class Flow:
    type: ClassVar[str]
    # The setting that says how long the flow waits for its code.
    ttl_setting: ClassVar[str]
    verify_url_name: ClassVar[str]
    resend_url_name: ClassVar[str]
    template: ClassVar[str]
    # Where a person goes when the flow has ended before its code.
    restart_url_name: ClassVar[str]
    expired_message: ClassVar[str]

    def __init__(self, request, data: dict):
        self.request = request
        self.data = data

    # --- the session ------------------------------------------------------------

    @classmethod
    def get(cls, request):
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
    def require(cls, request):
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
        return self.data["stage"]["purpose"]

    def user(self):
        user = (
            get_user_model()
            .objects.select_related("enterprise")
            .filter(pk=self.data["user_id"], is_active=True)
            .first()
        )
        if user is None:
            raise FlowExpired("This code step can no longer continue. Please start again.")
        return user

    def _issue(self, *, user, purpose: str, destination: Destination, flow: uuid.UUID) -> None:
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

    @sensitive_variables("code")  # an error report must not show the code
    def verify(self, code: str) -> Verified:
        user = self.user()
        codes.code_verify(
            challenge_id=self.data["challenge_id"], user=user, code=code, ip=client_ip(self.request)
        )
        return self.verified(user)

    def verified(self, user) -> Verified:
        raise NotImplementedError

    def resend(self) -> None:
        user = self.user()
        self._issue(
            user=user,
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

    def prompt(self) -> dict:
        """What the pop-up says: channel, masked destination, delivery status."""
        challenge = Challenge.objects.filter(pk=self.data["challenge_id"]).first()
        delivery = challenge.get_delivery_display() if challenge else ""
        failure = (
            challenge.delivery_detail
            if challenge and challenge.delivery in (Challenge.Delivery.FAILED, "undelivered")
            else ""
        )
        destination = self.destination
        account = CHANNEL_LABELS.get(self.data.get("account_channel"), "")
        detour = DETOURS.get(destination.detour, "").format(account=account)
        return {
            "kind": self.type,
            "minutes": int(settings.TWOFACTOR_CODE_TTL.total_seconds() // 60),
            "channel": destination.channel,
            "channel_label": CHANNEL_LABELS.get(destination.channel, destination.channel),
            "destination": mask_destination(destination.address),
            "delivery": delivery,
            "failure": failure,
            "detour": detour,
            "step_note": self.step_note(),
            "verify_url": self.verify_url,
            "resend_url": self.resend_url,
            "status_url": reverse("twofactor:status", args=[self.type]),
            "cancel_url": self.start_url,
        }


class LoginFlow(Flow):
    type = "login"
    ttl_setting = "TWOFACTOR_PENDING_LOGIN_TTL"
    verify_url_name = "login_verify"
    resend_url_name = "login_resend"
    template = "twofactor/verify_login.html"
    restart_url_name = "login"
    expired_message = "Your login has expired. Please log in again."

    @property
    def start_url(self) -> str:
        return reverse("login")

    @classmethod
    def begin(cls, request, user, *, backend: str, next_url: str) -> "LoginFlow":
        """Password accepted and a code is required: send one, log nobody in yet."""
        destination = devices.current_destination(user)
        if destination is None:
            raise codes.CodeError(NO_PROVEN_DETAIL)
        # A new key for the half-logged-in session: a fixated key gains nothing.
        request.session.cycle_key()
        flow = cls(
            request,
            {
                "type": cls.type,
                "user_id": user.pk,
                "backend": backend,
                "next": next_url,
                "account_channel": user.enterprise.twofactor_channel,
                "session_epoch": user.session_epoch,
                "started_at": _now(),
            },
        )
        flow._issue(
            user=user, purpose=Challenge.Purpose.LOGIN, destination=destination, flow=uuid.uuid4()
        )
        flow.save()
        return flow

    def user(self):
        """The person logging in, unless their sessions were ended since the
        password was accepted (a password change, Log out other sessions, a
        new phone or email, an Unlock): then this login is void too."""
        user = super().user()
        if user.session_epoch != self.data["session_epoch"]:
            self.clear()
            raise FlowExpired("This login can no longer continue. Please log in again.")
        return user

    def verified(self, user) -> Verified:
        self.clear()
        # The person proved a code on the account's current channel: they are
        # Enabled again if a channel change had asked them to verify.
        CodeDevice.objects.filter(user=user, enrolled=True).update(confirmed=True)
        device = CodeDevice.objects.get(user=user)
        auth_login(self.request, user, backend=self.data["backend"])
        otp_login(self.request, device)
        audit_record(
            Action.LOGIN_SUCCEEDED,
            actor=user,
            target=user,
            ip=client_ip(self.request),
            detail="with code",
        )
        return Verified(self.data["next"])


class ChangeFlow(Flow):
    type = "change"
    # Each code of a change is valid for TWOFACTOR_CODE_TTL; the clock
    # starts again with the second code.
    ttl_setting = "TWOFACTOR_CODE_TTL"
    verify_url_name = "twofactor:verify"
    resend_url_name = "twofactor:resend"
    template = "twofactor/verify_change.html"
    restart_url_name = "home"
    expired_message = "There is no change waiting for a code. Please make it again."

    @property
    def start_url(self) -> str:
        return self.data["return_url"]

    def belongs_here(self) -> bool:
        return self.data.get("user_id") == self.request.user.pk

    @classmethod
    def begin(
        cls, request, *, action: str, payload: dict, needed: list, return_url: str
    ) -> "ChangeFlow":
        """Start a change that applies after `needed` codes (stepup.CodeNeeded,
        in order) are entered. Sends the first."""
        user = request.user
        flow = cls(
            request,
            {
                "type": cls.type,
                "user_id": user.pk,
                "action": action,
                "payload": payload,
                "return_url": return_url,
                "account_channel": user.enterprise.twofactor_channel,
                "pending": [(n.purpose, n.destination.__dict__) for n in needed[1:]],
                "steps": len(needed),
                "proven": [],
                "started_at": _now(),
            },
        )
        first = needed[0]
        flow._issue(
            user=user, purpose=first.purpose, destination=first.destination, flow=uuid.uuid4()
        )
        flow.save()
        return flow

    def step_note(self) -> str:
        if self.data["steps"] < 2:
            return ""
        done = self.data["steps"] - len(self.data["pending"])
        if self.purpose == Challenge.Purpose.STEP_UP:
            return (
                f"Step {done} of {self.data['steps']}: first confirm it's you, with a code "
                "sent where your codes go now."
            )
        return (
            f"Step {done} of {self.data['steps']}: now confirm the new "
            f"{'email address' if '@' in self.destination.address else 'phone number'}."
        )

    def verified(self, user) -> Verified:
        from twofactor import stepup

        if self.purpose == Challenge.Purpose.STEP_UP:
            stepup.step_up_record(self.request, user=user, destination=self.destination)
        self.data["proven"].append(self.destination.address)
        if self.data["pending"]:
            purpose, destination = self.data["pending"].pop(0)
            self.data["started_at"] = _now()
            try:
                self._issue(
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
        message = stepup.change_apply(
            self.request,
            action=self.data["action"],
            payload=self.data["payload"],
            proven=self.data["proven"],
        )
        return Verified(self.data["return_url"], message)


FLOWS = {flow.type: flow for flow in (LoginFlow, ChangeFlow)}
