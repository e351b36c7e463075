from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class User(AbstractUser):
    """A portal user. Every user belongs to exactly one enterprise account;
    `is_enterprise_admin` lets them change that enterprise's settings."""

    enterprise = models.ForeignKey(
        "enterprise.Enterprise", on_delete=models.PROTECT, related_name="users"
    )
    is_enterprise_admin = models.BooleanField(_("administrator"), default=False)
    email = models.EmailField(_("email address"))
    phone = PhoneNumberField(_("phone number"), blank=True)
    # Moves on whenever the person's sessions are ended: a login still waiting
    # for its code (a session with no user yet) started before then is void.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # The person's Language on My Account; empty: their browser's.
    # When "Email every co-worker" last wrote to them (once a day at most:
    # COWORKERS_NOTIFY_AGAIN_AFTER).
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)

    REQUIRED_FIELDS = ["email"]

    class Meta:
        indexes = [models.Index(fields=["enterprise", "username"])]

    def __str__(self) -> str:
        return self.username


class Session(AbstractBaseSession):
    """A database session that knows whose it is, from where and since when,
    so a person's sessions can be listed and ended (My Account > Security,
    and every change that ends the other sessions). accounts.sessions fills
    the extra columns when the session is saved."""

    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    last_active = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "expire_date"])]

    @classmethod
    def get_session_store_class(cls):
        from accounts.sessions import SessionStore

        return SessionStore
