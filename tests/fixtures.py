"""Shared fixtures: enterprises, users, the locmem channel outbox, and
helpers that take the steps a person takes (log in, read the code, verify)."""

import re

import pytest
from django.urls import reverse

from accounts.services import portal_user_create
from enterprise.models import Enterprise
from twofactor.channels import locmem

PASSWORD = "correct-horse-battery-7"
LOCMEM = {"BACKEND": "twofactor.channels.locmem.LocmemChannel", "OPTIONS": {}}
CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
SPOKEN_RE = re.compile(r"code is ((?:\d, ){5}\d)")


@pytest.fixture(autouse=True)
def _portal_test_settings(settings):
    settings.TWOFACTOR_CHANNELS = {"email": LOCMEM, "sms": LOCMEM, "voice": LOCMEM}
    # Tests create many users: a fast hasher here; production uses Argon2id.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from portal.celery import app

    app.conf.task_always_eager = True
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()
    # A request in the test client leaves its language active in this thread
    # (each real request activates its own): the next test starts in English.
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def outbox():
    return locmem.outbox


@pytest.fixture
def make_enterprise(db):
    def make(name="Acme", *, enabled=False, channel="email"):
        return Enterprise.objects.create(
            name=name, twofactor_enabled=enabled, twofactor_channel=channel
        )

    return make


@pytest.fixture
def make_user(db):
    def make(username, enterprise, *, admin=False, phone="", email=None):
        return portal_user_create(
            username=username,
            enterprise=enterprise,
            email=email or f"{username}@example.com",
            password=PASSWORD,
            phone=phone,
            admin=admin,
        )

    return make


@pytest.fixture
def acme(make_enterprise):
    return make_enterprise("Acme")


@pytest.fixture
def admin_user(make_user, acme):
    return make_user("ada", acme, admin=True, phone="+13035551212")


@pytest.fixture
def coworker(make_user, acme):
    return make_user("carl", acme, phone="+13035551299")


def last_code(outbox, to=None) -> str:
    """The code in the newest message (to `to`, if given), as the person reads it."""
    messages = [m for m in outbox if to is None or m["to"] == to]
    assert messages, f"no message was sent{f' to {to}' if to else ''}"
    body = messages[-1]["body"]
    spoken = SPOKEN_RE.search(body)
    if spoken:
        return spoken.group(1).replace(", ", "")
    return CODE_RE.search(body).group(1)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def password_step(client, user, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": user.username, "password": password, **extra})


def log_in(client, user, outbox=None):
    """Log in as the guide says: password, then the code if one is asked."""
    response = password_step(client, user)
    assert response.status_code == 302, response.content
    if response.url == reverse("login_verify"):
        response = client.post(reverse("login_verify"), {"code": last_code(outbox)})
        assert response.status_code == 302, response.content
    return response


@pytest.fixture
def waiting(client, coworker, acme, outbox, time_machine):
    """A co-worker with 2FA on whose password was accepted at T0 (time frozen):
    the login now waits for its code."""
    from tests.code_step import T0, twofactor_on

    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    password_step(client, coworker)
    return client
