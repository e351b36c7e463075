import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, VerifyNotAllowed

from twofactor.vocabulary import Channel


@dataclass(frozen=True)
class Lock:
    """The code step is locked: until a time, or (`until` None) until an
    administrator unlocks it."""

    until: datetime | None

    @property
    def needs_administrator(self) -> bool:
        return self.until is None


class CodeDevice(ThrottlingMixin, Device):
    """A co-worker's own two-factor login: one per user.

    `enrolled` is the co-worker's choice (the Status box on My Account).
    `confirmed` (django-otp's field) says the co-worker has proven a code on the
    account's *current* channel; a channel change clears it for everyone in one
    UPDATE, which is what "Verification required" means. django-otp's
    OTPMiddleware only trusts confirmed devices, so a session verified on the
    old channel stops counting as verified.

    `email_unproven` / `phone_unproven`: that contact detail was changed
    without a code proving it (while 2FA was off, or the email while codes
    went by phone). An unproven detail never receives a login code or a
    step-up until a code sent to it has been entered (docs/SECURITY.md).

    Throttling reuses django-otp's failure counter as the count of
    consecutive failed codes, with the behaviour's rules instead of its exponential
    back-off: every TWOFACTOR_LOCKOUT_FAILURES-th failure locks the code step
    for TWOFACTOR_LOCKOUT_DURATION; TWOFACTOR_LONG_LOCK_FAILURES lock it until
    an administrator unlocks it. Only a correct code or an unlock resets the
    count; a lock running out does not."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="twofactor_device"
    )
    enrolled = models.BooleanField(default=False)
    confirmed = models.BooleanField(default=False)
    email_unproven = models.BooleanField(default=False)
    phone_unproven = models.BooleanField(default=False)
    # SHA-256 of the one-time grant a step-up for new recovery codes left in
    # the person's session (twofactor.recovery): claimed by exactly one page.
    recovery_grant = models.CharField(max_length=64, blank=True)

    class State(models.TextChoices):
        OFF = "off", _("Disabled")
        ENABLED = "enabled", _("Enabled")
        VERIFICATION_REQUIRED = "verification_required", _("Verification required")

    def state(self) -> "CodeDevice.State":
        if not self.enrolled:
            return self.State.OFF
        return self.State.ENABLED if self.confirmed else self.State.VERIFICATION_REQUIRED

    def get_throttle_factor(self) -> int:
        return 1

    def lock(self) -> Lock | None:
        """The lock on the code step now, or None."""
        failures = self.throttling_failure_count
        if failures >= settings.TWOFACTOR_LONG_LOCK_FAILURES:
            return Lock(until=None)
        if not failures or failures % settings.TWOFACTOR_LOCKOUT_FAILURES:
            return None
        if self.throttling_failure_timestamp is None:
            return None
        until = self.throttling_failure_timestamp + settings.TWOFACTOR_LOCKOUT_DURATION
        return Lock(until=until) if until > timezone.now() else None

    def verify_is_allowed(self) -> tuple[bool, dict[str, Any] | None]:
        lock = self.lock()
        if lock is not None:
            return False, {
                "reason": VerifyNotAllowed.N_FAILED_ATTEMPTS,
                "failure_count": self.throttling_failure_count,
                "locked_until": lock.until,
            }
        return True, None


class Challenge(models.Model):
    """One code sent for one flow (a login, or a change that needs a code).

    The code is drawn by the worker that sends it and only its keyed hash is
    stored here, so neither the web process, the broker message nor the
    database ever holds the plaintext."""

    class Purpose(models.TextChoices):
        # A login, or a step-up: the code goes to the destination the
        # person's login uses now, and counts against that destination.
        LOGIN = "login", _("log in")
        STEP_UP = "step_up", _("confirm it's you")
        # Proving a destination not yet proven: counted against whoever asks,
        # never against the destination's owner.
        PROVE = "prove", _("confirm a new email or phone number")

    class Status(models.TextChoices):
        ACTIVE = "active"
        USED = "used"
        SUPERSEDED = "superseded"
        KILLED = "killed"

    class Delivery(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Undelivered")
        FAILED = "failed", _("Failed")

    # What the pop-up shows as "the code did not arrive".
    NOT_DELIVERED = (Delivery.UNDELIVERED, Delivery.FAILED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="challenges"
    )
    flow = models.UUIDField(default=uuid.uuid4, db_index=True)
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    destination = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=128, blank=True)
    salt = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    delivery = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.QUEUED)
    delivery_detail = models.CharField(max_length=300, blank=True)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    # Who asked for the code, from where: the worker that sends it has no
    # request, and the audit log names an IP for every decision.
    requested_ip = models.GenericIPAddressField(null=True, blank=True)
    # The language of the request that asked for it: the message goes in it.
    language = models.CharField(max_length=8, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["destination", "purpose", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"challenge {self.pk} ({self.purpose}, {self.channel})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class DeliveryReport(models.Model):
    """One status a provider reported for one message (a Twilio status
    callback). Recorded once per (provider id, status): a replayed callback
    finds its row and changes nothing. The challenge with that provider id
    shows the most advanced status reported."""

    provider_id = models.CharField(max_length=64)
    status = models.CharField(max_length=20)
    delivery = models.CharField(max_length=12, choices=Challenge.Delivery.choices)
    error_code = models.CharField(max_length=10, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider_id", "status"], name="twofactor_deliveryreport_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.status}"


class PasswordFailure(models.Model):
    """One refused password: the counters of the password throttle
    (twofactor/throttle.py), kept apart from the audit log so that pruning
    the log never changes what an attacker may try.

    `subject` is a keyed hash of who was guessed at (the user the login form
    resolves, or the normalised name when there is no such user): the name
    typed is never stored, since people type passwords into it."""

    subject = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["subject", "ip", "created_at"]),
            models.Index(fields=["ip", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"password failure {self.created_at:%Y-%m-%d %H:%M:%S}"


class RecoveryCode(models.Model):
    """One of a person's recovery codes (`xxxx-xxxx`): only its keyed hash is
    stored; each works once. Generating new ones deletes the old."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=128)
    salt = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code {self.pk}"


class TrustedBrowser(models.Model):
    """A browser a person asked to remember after a code ("Remember this
    browser for N days"): that person logs in there with the password alone
    until `expires_at`, or until the enterprise's days are lowered below its
    age. The browser holds a random token in a signed cookie; only its
    SHA-256 is stored here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trusted_browsers"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # What the trust was granted under (twofactor.trust.binding): the
    # password, and the channel and destination of the person's codes. Any
    # change of them, by any path (an operator in /admin/ too), ends it.
    binding = models.CharField(max_length=64)
    user_agent = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"trusted browser {self.pk}"


class Passkey(models.Model):
    """A WebAuthn credential a person added (a passkey), user verification
    required. The relying party is PORTAL_BASE_URL's host. Only the public
    key is here; the private key never leaves the person's authenticator."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys"
    )
    name = models.CharField(max_length=60)
    # base64url of the credential id, as the browser sends it.
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"passkey {self.pk}"


class DailyUsage(models.Model):
    """SMS and voice codes sent in one UTC day, for one enterprise (scope
    "enterprise:<id>") or the whole portal (scope "portal"): the daily
    limits' counters (twofactor/budget.py). `warned`: the enterprise's
    administrators were emailed at the warning share today."""

    scope = models.CharField(max_length=40)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)
    warned = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "day"], name="twofactor_dailyusage_once")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.day}: {self.count}"


class DeliveryDay(models.Model):
    """Delivery insight (docs/BEHAVIOUR.md, "Reaching people"): one
    enterprise's codes of one channel on one UTC day, counted as they happen
    (twofactor/insight.py), so the chart of the last 30 days reads at most
    90 rows however many challenges there are."""

    enterprise = models.ForeignKey(
        "enterprise.Enterprise", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    sent = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    fallbacks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "day", "channel"], name="twofactor_deliveryday_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel}: {self.sent} sent"
