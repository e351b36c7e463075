from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from twofactor.vocabulary import Channel


def daily_phone_limit_default() -> int:
    return int(settings.TWOFACTOR_DAILY_PHONE_LIMIT)


class Enterprise(models.Model):
    """A customer organisation and its two-factor policy. The channel is kept
    while 2FA is off, so turning it back on with the same channel wakes every
    co-worker's dormant enrolment as it was."""

    name = models.CharField(max_length=200, unique=True)
    twofactor_enabled = models.BooleanField(_("status"), default=False)
    twofactor_channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    # Rolling out (docs/BEHAVIOUR.md): with `twofactor_required`, every
    # co-worker must turn 2FA on; after `twofactor_deadline` (the last day,
    # UTC) nothing but setting it up opens for them.
    twofactor_required = models.BooleanField(_("require for every co-worker"), default=False)
    twofactor_deadline = models.DateField(_("deadline"), null=True, blank=True)
    # Allowed methods (docs/BEHAVIOUR.md, "Stronger factors"): beside the
    # channel, co-workers may add these on My Account > Security.
    allow_authenticator_app = models.BooleanField(_("authenticator app"), default=False)
    allow_passkey = models.BooleanField(_("passkey"), default=False)
    # Require a phishing-resistant method (docs/BEHAVIOUR.md, "Stronger
    # factors"): after `passkeys_deadline` (the last day, UTC, any other
    # method logs in) only a passkey does; with `passkey_recovery`, a code by
    # the channel or a recovery code still logs in, to add a new passkey.
    passkeys_required = models.BooleanField(_("require a phishing-resistant method"), default=False)
    passkeys_deadline = models.DateField(_("last day for other methods"), null=True, blank=True)
    passkey_recovery = models.BooleanField(_("allow codes for recovery"), default=False)
    # Reaching people (docs/BEHAVIOUR.md): SMS and voice go only to numbers of
    # these countries; none chosen is every country.
    sms_countries = CountryField(
        _("allowed countries for SMS and voice"), multiple=True, blank=True
    )
    allow_fallback = models.BooleanField(
        _("allow other channels when a code does not arrive"), default=False
    )
    daily_phone_limit = models.PositiveIntegerField(
        _("daily SMS and voice limit"), default=daily_phone_limit_default
    )
    # 0: a browser is never remembered.
    remember_browser_days = models.PositiveSmallIntegerField(_("remember browsers for"), default=0)

    def __str__(self) -> str:
        return self.name

    @property
    def sms_regions(self) -> list[str]:
        """The allowed countries' ISO codes; empty: every country."""
        return [country.code for country in self.sms_countries]


class AuditEvent(models.Model):
    """One security decision. Never holds a secret: no code, no password."""

    class Action(models.TextChoices):
        ACCOUNT_2FA_ENABLED = "account_2fa_enabled", _("Account 2FA enabled")
        ACCOUNT_2FA_DISABLED = "account_2fa_disabled", _("Account 2FA disabled")
        ACCOUNT_CHANNEL_CHANGED = "account_channel_changed", _("Account channel changed")
        USER_2FA_ENABLED = "user_2fa_enabled", _("User 2FA enabled")
        USER_2FA_DISABLED = "user_2fa_disabled", _("User 2FA disabled")
        DESTINATION_CHANGED = "destination_changed", _("Codes moved to a new email or phone number")
        CODE_SENT = "code_sent", _("Code sent")
        DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
        CODE_ACCEPTED = "code_accepted", _("Code accepted")
        CODE_REFUSED = "code_refused", _("Code refused")
        CODE_STEP_LOCKED = "code_step_locked", _("2FA locked")
        LOGIN_SUCCEEDED = "login_succeeded", _("Login succeeded")
        LOGIN_FAILED = "login_failed", _("Login failed")
        ACCESS_DENIED = "access_denied", _("Access denied")
        COWORKERS_NOTIFIED = "coworkers_notified", _("Co-workers notified")
        CONTACT_CHANGED = "contact_changed", _("Email or phone number changed")
        NAME_CHANGED = "name_changed", _("Name changed")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_CHANGE_REFUSED = "password_change_refused", _("Password change refused")
        SESSIONS_ENDED = "sessions_ended", _("Other sessions logged out")
        CODE_STEP_UNLOCKED = "code_step_unlocked", _("2FA unlocked")
        LIMIT_REACHED = "limit_reached", _("Limit reached")
        AUDIT_EXPORTED = "audit_exported", _("Audit log exported")
        ROLLOUT_CHANGED = "rollout_changed", _("Roll-out settings changed")
        COWORKERS_EXPORTED = "coworkers_exported", _("Co-workers exported")
        REMINDER_SENT = "reminder_sent", _("Roll-out reminder sent")
        BROWSER_TRUSTED = "browser_trusted", _("Browser remembered")
        BROWSER_TRUST_ENDED = "browser_trust_ended", _("Trusted browser revoked")
        RECOVERY_CODES_GENERATED = "recovery_codes_generated", _("Recovery codes generated")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        TWOFACTOR_RESET = "twofactor_reset", _("Two-factor authentication reset")
        FACTOR_ADDED = "factor_added", _("Sign-in method added")
        FACTOR_REMOVED = "factor_removed", _("Sign-in method removed")
        CODE_FALLBACK = "code_fallback", _("Code sent by another channel")

    enterprise = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    detail = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Identical denials repeated within AUDIT_REPEAT_WINDOW are this one row:
    # how many, and when the last one was.
    count = models.PositiveIntegerField(default=1)
    last_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "-created_at"]),
            models.Index(fields=["target", "action", "created_at"]),
            models.Index(fields=["actor", "action", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action}"


class RolloutReminder(models.Model):
    """A roll-out reminder sent: one row per person, kind, deadline and
    milestone (days before). The unique constraint makes "send once" hold
    with two beat processes, or a restart, sending the same day."""

    class Kind(models.TextChoices):
        TWOFACTOR = "twofactor", _("Turn on two-factor authentication")
        PASSKEY = "passkey", _("Add a passkey")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TWOFACTOR)
    deadline = models.DateField()
    milestone = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "deadline", "milestone"], name="enterprise_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"reminder {self.milestone} days before {self.deadline}"
