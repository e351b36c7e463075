"""Sessions that know their person: Django's database session engine over
accounts.models.Session (SESSION_ENGINE = "accounts.sessions"), and the reads
and writes that list and end a person's sessions.

The middleware (accounts/middleware.py) keeps the session's IP, browser and
last activity in the session data; this engine copies them into columns when
it saves, so they can be queried without decoding every session."""

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Session

# Session data keys written by the middleware and login.
AUTH_AT = "_auth_at"
# The generation of the person's sessions this one belongs to (User.session_epoch).
EPOCH = "_session_epoch"
# This session passed a code step: a login with a code, or a code to where
# the person's codes go. A session without it is refused once their login
# needs a code.
CODE_PROVEN = "_code_proven"
# The remembered browser (twofactor.models.TrustedBrowser id) whose trust
# opened this session without a code: the session ends when that trust does.
TRUSTED_BY = "_trusted_by"
# This session was opened with a passkey, or proved or added one since: once
# its enterprise accepts only passkeys, a session without it opens nothing but
# adding one (enterprise/middleware.py).
PASSKEY_PROVEN = "_passkey_proven"
LAST_ACTIVE = "_last_active"
IP = "_ip"
USER_AGENT = "_user_agent"


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        return Session

    def create_model_instance(self, data):
        session = cast(Session, super().create_model_instance(data))
        user_id = data.get("_auth_user_id")
        session.user_id = int(user_id) if user_id is not None else None
        session.ip = data.get(IP) or None
        session.user_agent = (data.get(USER_AGENT) or "")[:300]
        last = data.get(LAST_ACTIVE)
        session.last_active = datetime.fromisoformat(last) if last else None
        return session


def sessions_of(user) -> list[Session]:
    """The person's live sessions, the most recently active first."""
    return list(
        Session.objects.filter(user=user, expire_date__gt=timezone.now())
        .order_by("-last_active", "-expire_date")
        .only("session_key", "ip", "user_agent", "last_active", "expire_date")
    )


@dataclass(frozen=True)
class Ended:
    """What sessions_end did: how many sessions it ended, and the generation
    it moved the person's sessions from and to."""

    count: int
    old_epoch: int
    new_epoch: int


def session_keep(request, ended: Ended | None) -> bool:
    """After a change made in this session: it stays, under a new key (a
    stolen copy of its cookie dies). If this request ended the person's
    other sessions (`ended`), it joins the new generation, but only if it
    belonged to the one just ended: a session ended by someone else while
    this request ran stays ended. False when it must log out."""
    if ended is not None:
        if request.session.get(EPOCH) != ended.old_epoch:
            return False
        request.session[EPOCH] = ended.new_epoch
    request.session.cycle_key()
    return True


def sessions_end(*, user, keep: str | None = None) -> Ended:
    """End every session of the person but `keep` (a session key), and every
    login of theirs still waiting for its code. Deleting the row is enough:
    its cookie then names nothing. The person's row is locked while the
    generation moves on, so two ends at once count as two."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    with transaction.atomic():
        old = users.select_for_update().values_list("session_epoch", flat=True).get(pk=user.pk)
        users.filter(pk=user.pk).update(session_epoch=old + 1)
        sessions = Session.objects.filter(user=user)
        if keep:
            sessions = sessions.exclude(session_key=keep)
        deleted, _by_model = sessions.delete()
    return Ended(count=deleted, old_epoch=old, new_epoch=old + 1)


def browser_name(user_agent: str) -> str:
    """ "Chrome on Linux": enough to tell one's own sessions apart."""
    agent = user_agent or ""
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"),
                ("Safari/", "Safari"),
            )
            if token in agent
        ),
        "",
    )
    system = next(
        (
            name
            for token, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )
            if token in agent
        ),
        "",
    )
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown browser")
