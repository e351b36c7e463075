"""Security notices by email (docs/SECURITY.md): what happened to a person's
login, sent to them (or to every administrator), never with a code or a
link that logs in, always saying what to do if it wasn't them.

Queued to the worker like codes: a slow mail server never slows a page."""

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

CODE_STEP_LOCKED = "code_step_locked"
CODE_STEP_UNLOCKED = "code_step_unlocked"
TWOFACTOR_ON = "twofactor_on"
TWOFACTOR_OFF = "twofactor_off"
EMAIL_CHANGED = "email_changed"
PHONE_CHANGED = "phone_changed"
PASSWORD_CHANGED = "password_changed"  # a notice name  # noqa: S105  # nosec B105
SESSIONS_ENDED = "sessions_ended"
ACCOUNT_2FA_DISABLED = "account_2fa_disabled"
ACCOUNT_CHANNEL_CHANGED = "account_channel_changed"
RECOVERY_CODE_USED = "recovery_code_used"
RECOVERY_CODES_GENERATED = "recovery_codes_generated"
TWOFACTOR_RESET = "twofactor_reset"
BROWSER_TRUSTED = "browser_trusted"
FACTOR_ADDED = "factor_added"
FACTOR_REMOVED = "factor_removed"
DAILY_LIMIT_NEAR = "daily_limit_near"
PASSKEY_RULE_CHANGED = "passkey_rule_changed"

# Read in the recipient's language when the notice is sent; %(name)s: a key
# of the notice's data (notice_deliver).
SUBJECTS: dict[str, StrOrPromise] = {
    CODE_STEP_LOCKED: _("Customer Portal: too many wrong verification codes"),
    CODE_STEP_UNLOCKED: _("Customer Portal: an administrator unlocked your verification codes"),
    TWOFACTOR_ON: _("Customer Portal: two-factor authentication turned on"),
    TWOFACTOR_OFF: _("Customer Portal: two-factor authentication turned off"),
    EMAIL_CHANGED: _("Customer Portal: your email address was changed"),
    PHONE_CHANGED: _("Customer Portal: your phone number was changed"),
    PASSWORD_CHANGED: _("Customer Portal: your password was changed"),
    SESSIONS_ENDED: _("Customer Portal: your other sessions were logged out"),
    RECOVERY_CODE_USED: _("Customer Portal: a recovery code was used"),
    RECOVERY_CODES_GENERATED: _("Customer Portal: new recovery codes were generated"),
    TWOFACTOR_RESET: _("Customer Portal: an administrator reset your two-factor authentication"),
    FACTOR_ADDED: _("Customer Portal: a way to log in was added to your login"),
    FACTOR_REMOVED: _("Customer Portal: a way to log in was removed from your login"),
    BROWSER_TRUSTED: _("Customer Portal: a browser was remembered for your login"),
    DAILY_LIMIT_NEAR: _(
        "Customer Portal: %(enterprise)s has used %(count)s of its %(limit)s SMS and voice "
        "codes today"
    ),
    PASSKEY_RULE_CHANGED: _("Customer Portal: the passkey requirement of %(enterprise)s changed"),
    ACCOUNT_2FA_DISABLED: _(
        "Customer Portal: two-factor authentication was turned off for %(enterprise)s"
    ),
    ACCOUNT_CHANNEL_CHANGED: _(
        "Customer Portal: the 2FA channel of %(enterprise)s changed to %(new)s"
    ),
}


def notice_send(
    kind: str, *, user: "User", to: list[str] | None = None, context: dict[str, Any] | None = None
) -> None:
    """Queue notice `kind` about `user`, to `to` (default: their email).
    `context` must be plain data (it travels through the broker). The notice
    reads only what is already committed: the person and their enterprise."""
    if kind not in SUBJECTS:
        raise ValueError(f"unknown notice {kind!r}")
    addresses = [a for a in (to if to is not None else [user.email]) if a]
    if not addresses:
        return
    from twofactor.tasks import security_notice_send

    try:
        security_notice_send.delay(kind, user.pk, addresses, context or {})
    except Exception as exc:  # a broker that is down; the change itself stands
        logger.error("could not queue the %s notice for user %s: %r", kind, user.pk, exc)


def administrators_tell(kind: str, *, enterprise_id: int, context: dict[str, Any]) -> None:
    """Queue notice `kind` to each active administrator of the enterprise
    (each gets their own, addressed to them)."""
    administrators = get_user_model().objects.filter(
        enterprise_id=enterprise_id, is_enterprise_admin=True, is_active=True
    )
    for administrator in administrators.only("id", "email"):
        notice_send(kind, user=administrator, context=context)


def _readable(data: dict[str, Any]) -> dict[str, Any]:
    """The notice's data in the active language: channels by their name, a
    passkey rule as a sentence (numbers stay numbers: templates group them).
    Callers send plain values; the recipient's language decides the words."""
    from twofactor.passkeys import passkey_rule_sentence
    from twofactor.vocabulary import Channel

    readable = {}
    for key, value in data.items():
        if key in ("old", "new") and value in Channel.values:
            value = str(Channel(value).label)
        readable[key] = value
    if "rule" in data:
        readable["rule"] = passkey_rule_sentence(data["rule"], data.get("was_rule", data["rule"]))
    return readable


def notice_deliver(*, kind: str, user_id: int, to: list[str], context: dict[str, Any]) -> None:
    """Render and send one notice, one message per address (an old and a new
    email address never see each other)."""
    user = get_user_model().objects.select_related("enterprise").get(pk=user_id)
    data = {
        "name": user.get_full_name() or user.username,
        "username": user.username,
        "enterprise": user.enterprise.name,
        "portal_url": settings.PORTAL_BASE_URL,
        **context,
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        data = _readable(data)
        subject = str(SUBJECTS[kind]) % {
            key: number_format(value, force_grouping=True) if type(value) is int else value
            for key, value in data.items()
        }
        body = render_to_string(f"twofactor/notices/{kind}.txt", data, using="plain").strip() + "\n"
    messages = [EmailMessage(subject=subject, body=body, to=[address]) for address in to]
    get_connection().send_messages(messages)
