"""Shared steps for the red-team tests (redteam12)."""

import datetime as dt
import re
import threading

from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from tests.code_step import is_logged_in, twofactor_on, verified_login  # noqa: F401
from tests.fixtures import PASSWORD, last_code, password_step  # noqa: F401
from twofactor.models import TrustedBrowser

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
COOKIE = settings.TWOFACTOR_TRUST_COOKIE
RECOVERY_RE = re.compile(r"<li>([a-z0-9]{4}-[a-z0-9]{4})</li>")


def password_only_login(client, user, outbox, password=PASSWORD) -> bool:
    """Log out, then the password alone: True if that logged in with no code sent."""
    client.post(reverse("logout"))
    sent = len(outbox)
    response = password_step(client, user, password=password)
    if response.status_code != 302 or response.url == reverse("login_verify"):
        return False
    return len(outbox) == sent and is_logged_in(client)


def remember_with_code(client, user, outbox):
    """Log in with the sent code, Remember ticked: the browser is trusted."""
    password_step(client, user)
    response = client.post(reverse("login_verify"), {"code": last_code(outbox), "remember": "on"})
    assert response.status_code == 302 and is_logged_in(client), response
    assert TrustedBrowser.objects.filter(user=user).exists()
    return response


def copy_of(client) -> Client:
    clone = Client()
    clone.cookies = client.cookies.__class__(client.cookies)
    return clone


def at_once(requests: list) -> list:
    """Each callable in its own thread, released together (PostgreSQL races)."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(i, request):
        try:
            barrier.wait()
            results[i] = request()
        except Exception as exc:  # noqa: BLE001
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
