"""The login's code step. The password was accepted and a code is required:
the session holds no authenticated user, only this flow; Django's login()
runs when the code is accepted, which also cycles the session key."""

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_stubs_ext import StrOrPromise

from accounts.sessions import CODE_PROVEN, PASSKEY_PROVEN
from enterprise.audit import Action, audit_record, client_ip
from twofactor import app, budget, codes, devices, insight, passkeys, recovery, signals, trust
from twofactor.destinations import Destination, email_address, phone_allowed, phone_e164
from twofactor.flows.base import NO_PROVEN_DETAIL, Flow, FlowExpired, Verified, now_iso
from twofactor.models import Challenge, CodeDevice
from twofactor.vocabulary import Channel

# Past the enterprise's date, only passkeys log in (docs/BEHAVIOUR.md).
NO_PASSKEY = _(
    "Your administrator now accepts only passkeys to log in, and your login has none. "
    "Ask your administrator to reset your two-factor authentication; you can then log in "
    "and add a passkey."
)
PASSKEYS_ONLY = _(
    "Your administrator now accepts only passkeys to log in. Use your passkey; if you "
    "lost it, ask your administrator to reset your two-factor authentication."
)
RECOVERY_NOTE = _(
    "Your administrator now accepts only passkeys. This code logs you in only to add a "
    "new passkey on My Account > Security."
)


FALLBACK_LABELS: dict[str, StrOrPromise] = {
    Channel.VOICE: _("Call me instead"),
    Channel.EMAIL: _("Email me instead"),
}


class LoginFlow(Flow):
    type = "login"
    ttl_setting = "TWOFACTOR_PENDING_LOGIN_TTL"
    verify_url_name = "login_verify"
    resend_url_name = "login_resend"
    passkey_options_url_name = "passkey_options"
    passkey_verify_url_name = "passkey_verify"
    app_instead_url_name = "login_app_instead"
    template = "twofactor/verify_login.html"
    restart_url_name = "login"
    expired_message = _("Your login has expired. Please log in again.")

    @property
    def start_url(self) -> str:
        return reverse("login")

    @classmethod
    def begin(cls, request: HttpRequest, user: Any, *, backend: str, next_url: str) -> "LoginFlow":
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
                "password": user.get_session_auth_hash(),
                "started_at": now_iso(),
                # Where the person's codes go: a fallback sends elsewhere,
                # but a move of this voids the login.
                "origin": destination.address,
            },
        )
        only_passkeys = passkeys.passkeys_only(user.enterprise)
        if passkeys.passkeys_of(user):
            # The strongest method first: a passkey, then the app; no
            # message sent unless they ask for one (Try another way).
            flow.answer_with_app(
                purpose=Challenge.Purpose.LOGIN, destination=destination, method="passkey"
            )
        elif only_passkeys and not passkeys.recovery_by_channel(user.enterprise):
            raise codes.CodeError(NO_PASSKEY)
        elif app.app_device(user) is not None and not only_passkeys:
            flow.answer_with_app(purpose=Challenge.Purpose.LOGIN, destination=destination)
        else:
            flow.issue(
                user=user,
                purpose=Challenge.Purpose.LOGIN,
                destination=destination,
                flow=uuid.uuid4(),
            )
        flow.save()
        return flow

    # --- Allow other channels when a code does not arrive ---------------------------

    def fallbacks(self, user: Any) -> list[Destination]:
        """The other ways the person's code can travel now (a voice call to
        their proven phone, an email to their proven address), when the
        administrator allows them and this stage is a code sent by a channel."""
        enterprise = user.enterprise
        if not enterprise.allow_fallback or self.method != "code":
            return []
        device = devices.device_peek(user)
        here = self.destination
        ways = []
        phone = phone_e164(user)
        if (
            phone
            and not device.phone_unproven
            and here.channel != Channel.VOICE
            and phone_allowed(phone, enterprise.sms_regions)
            and budget.phone_budget_left(enterprise)
        ):
            ways.append(Destination(Channel.VOICE, phone))
        if user.email and not device.email_unproven and here.channel != Channel.EMAIL:
            ways.append(Destination(Channel.EMAIL, email_address(user.email)))
        return ways

    def _challenge(self) -> Challenge | None:
        challenge_id = self.data.get("challenge_id")
        return Challenge.objects.filter(pk=challenge_id).first() if challenge_id else None

    def _reported_undelivered(self) -> bool:
        challenge = self._challenge()
        return challenge is not None and challenge.delivery in Challenge.NOT_DELIVERED

    def fallback_due(self) -> bool:
        """The code did not arrive: the provider said so, or it was sent
        TWOFACTOR_FALLBACK_AFTER ago and no code has been entered."""
        challenge = self._challenge()
        if challenge is None:
            return False
        if challenge.delivery in Challenge.NOT_DELIVERED:
            return True
        return timezone.now() >= challenge.created_at + settings.TWOFACTOR_FALLBACK_AFTER

    def fallback_send(self, channel: str) -> Destination:
        """Send a fresh code by `channel` instead (the earlier one dies);
        it counts toward the same limits. Raises CodeError if not offered."""
        user = self.user()
        way = next((d for d in self.fallbacks(user) if d.channel == channel), None)
        if way is None or not self.fallback_due():
            raise codes.CodeError(
                gettext("That way is not offered now. Enter the code, or click Resend.")
            )
        missed = self.data["challenge_id"]  # the code that did not arrive
        self.issue(
            user=user,
            purpose=Challenge.Purpose.LOGIN,
            destination=way,
            flow=uuid.UUID(self.data["flow"]),
            # The provider said the last one did not arrive: no need to wait.
            cooldown=not self._reported_undelivered(),
        )
        self.save()
        # Counted on the channel that did not deliver (delivery insight).
        insight.challenge_tally(missed, "fallbacks")
        audit_record(
            Action.CODE_FALLBACK,
            actor=user,
            target=user,
            ip=client_ip(self.request),
            detail=f"login code by {way.channel} instead",
        )
        return way

    def prompt(self) -> dict[str, Any]:
        prompt = self._prompt()
        if prompt.get("method", "code") != "code":
            return prompt
        person = get_user_model().objects.select_related("enterprise").get(pk=self.data["user_id"])
        ways = self.fallbacks(person)
        prompt["fallbacks"] = [
            {"channel": d.channel, "label": str(FALLBACK_LABELS[d.channel])} for d in ways
        ]
        prompt["fallback_now"] = bool(ways) and self.fallback_due()
        prompt["fallback_url"] = reverse("login_fallback")
        return prompt

    def user(self) -> Any:
        """The person logging in, unless since the password was accepted
        their sessions were ended (a password change, Log out other sessions,
        a new phone or email, an Unlock), their password changed (an operator
        reset it), the account's channel changed (the code must come by
        the new one), or the person's codes now go elsewhere: then this
        login is void too."""
        user = super().user()
        current = devices.current_destination(user)
        if (
            user.session_epoch != self.data["session_epoch"]
            or user.get_session_auth_hash() != self.data["password"]
            or user.enterprise.twofactor_channel != self.data["account_channel"]
            # Codes moved meanwhile (a detail proven elsewhere): a code sent
            # to where they used to go no longer logs in.
            or current is None
            or current.address != self.data.get("origin", self.data["stage"]["address"])
        ):
            self.clear()
            raise FlowExpired(gettext("This login can no longer continue. Please log in again."))
        return user

    def refusal(self, how: str) -> str:
        """Past the enterprise's date only a passkey logs in; a code by the
        channel or a recovery code too if the administrator allows them
        for recovery. Read from the database at each answer: a date that
        passes while the pop-up is open holds."""
        enterprise = self._enterprise()
        if enterprise is None or not passkeys.passkeys_only(enterprise):
            return ""
        if how in ("code", "recovery") and passkeys.recovery_by_channel(enterprise):
            return ""
        return str(PASSKEYS_ONLY)

    def purpose_lines(self) -> list[str]:
        return [gettext("Log in as %(username)s") % {"username": self.person().get_username()}]

    def step_note(self) -> str:
        enterprise = self._enterprise()
        if self.method == "code" and enterprise and passkeys.passkeys_only(enterprise):
            return str(RECOVERY_NOTE)
        return ""

    def _enterprise(self) -> Any:
        """The person's enterprise as saved now (what the pop-up shows
        reads it without voiding the login; an answer goes through user())."""
        person = (
            get_user_model()
            .objects.select_related("enterprise")
            .filter(pk=self.data["user_id"])
            .first()
        )
        return person.enterprise if person else None

    def app_available(self) -> bool:
        return app.app_device(self.user()) is not None and not self.refusal("app")

    def recovery_allowed(self) -> bool:
        return recovery.recovery_left(self.data["user_id"]) > 0 and not self.refusal("recovery")

    def accept_options(self, post: Any) -> None:
        self.data["remember"] = post.get("remember") == "on"

    def _prompt(self) -> dict[str, Any]:
        prompt = super().prompt()
        user = get_user_model().objects.select_related("enterprise").get(pk=self.data["user_id"])
        prompt["remember_days"] = trust.trust_days(user)
        return prompt

    def verified(self, user: Any, *, by_code: bool = True) -> Verified:
        # The session Django makes now notes `user.session_epoch` as loaded
        # before the code was checked: if the person's sessions were ended
        # meanwhile, the middleware refuses it at its first request.
        self.clear()
        if by_code:
            # The person proved a code on the account's current channel: they
            # are Enabled again if a channel change had asked them to verify.
            CodeDevice.objects.filter(user=user, enrolled=True).update(confirmed=True)
        device = CodeDevice.objects.get(user=user)
        auth_login(self.request, user, backend=self.data["backend"])
        otp_login(self.request, device)
        self.request.session[CODE_PROVEN] = True
        if self.answered_by == "passkey":
            self.request.session[PASSKEY_PROVEN] = True
        audit_record(
            Action.LOGIN_SUCCEEDED,
            actor=user,
            target=user,
            ip=client_ip(self.request),
            detail={
                "app": "with the authenticator app",
                "passkey": "with a passkey",
                "recovery": "with a recovery code",
            }.get(self.answered_by, "with code"),
        )
        signals.login_ended.send(
            sender=None,
            result="succeeded",
            factor=self.answered_by or "code",
            seconds=(
                timezone.now() - datetime.fromisoformat(self.data["started_at"])
            ).total_seconds(),
        )
        # Only a factor the person holds now (a code sent now, their app, a
        # passkey) remembers a browser, never a single-use recovery code; and
        # only for someone Enabled (not "Verification required").
        if not (
            self.answered_by in ("code", "app", "passkey")
            and self.data.get("remember")
            and trust.trust_days(user)
            and trust.is_confirmed(user)
        ):
            return Verified(self.data["next"])
        token = trust.trust_grant(request=self.request, user=user, ip=client_ip(self.request))
        return Verified(self.data["next"], trust_token=token)
