"""docs/SECURITY.md: a Content-Security-Policy without inline script or style and
with frame-ancestors 'none'; Cache-Control: no-store on every page behind
login and on the code step; __Host- cookie names in production.

Before the fix there was no CSP and logged-in pages could be cached."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.code_step import twofactor_on
from tests.fixtures import log_in, password_step

BASE = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict((part.strip() + " ").split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.parametrize("url", ["/login/", "/", "/account/settings/", "/account/security/"])
def test_every_page_has_a_strict_policy(client, coworker, url):
    log_in(client, coworker)
    if url == "/login/":
        client.logout()

    directives = policy(client.get(url))

    assert directives["frame-ancestors"].strip() == "'none'"
    assert directives["script-src"].strip() == "'self'"
    assert directives["style-src"].strip() == "'self'"
    assert "unsafe" not in client.get(url)["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url", ["/", "/account/settings/", "/account/security/", "/enterprise/settings/two-factor/"]
)
def test_pages_behind_login_are_never_stored(client, admin_user, url):
    log_in(client, admin_user)

    assert "no-store" in client.get(url)["Cache-Control"]


def test_the_code_step_is_never_stored(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    response = password_step(client, coworker)

    assert "no-store" in response["Cache-Control"]
    assert "no-store" in client.get(response.url)["Cache-Control"]


def test_production_cookies_use_the_host_prefix():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings", DJANGO_SECRET_KEY="k" * 60)
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=BASE, capture_output=True, text=True, timeout=60
    )

    assert out.stdout.split() == ["__Host-sessionid", "__Host-csrftoken", "True"], out.stderr
