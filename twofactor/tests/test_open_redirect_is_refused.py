"""?next= only ever leads to a page of the portal, with or without a code."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

from tests.code_step import twofactor_on, verified_login
from tests.fixtures import last_code, password_step

ELSEWHERE = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "http://testserver@evil.example/",
    " https://evil.example/",
    "\thttps://evil.example/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://testserver.evil.example/",
]


def where_a_browser_goes(location: str) -> tuple[str, str]:
    """(scheme, host) a browser would open for this Location header on
    http://testserver/login/: it trims spaces and control characters,
    drops tabs and newlines, and reads a backslash as a slash."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("\x00\x01\x02\x03\x04 \x1f")
    cleaned = cleaned.replace("\\", "/")
    absolute = urljoin("http://testserver/login/", cleaned)
    parts = urlsplit(absolute)
    return parts.scheme, parts.hostname or ""


def assert_stays_home(response):
    assert response.status_code == 302
    assert where_a_browser_goes(response.url) == ("http", "testserver"), response.url


@pytest.mark.parametrize("target", ELSEWHERE)
def test_log_in_never_leaves_the_portal(client, coworker, target):
    response = client.post(
        f"{reverse('login')}?next={target}",
        {"username": coworker.username, "password": "correct-horse-battery-7"},
    )
    assert_stays_home(response)


@pytest.mark.parametrize("target", ELSEWHERE)
def test_next_in_the_form_never_leaves_the_portal(client, coworker, target):
    assert_stays_home(password_step(client, coworker, next=target))


@pytest.mark.parametrize("target", ELSEWHERE[:4])
def test_after_the_code_it_never_leaves_the_portal(client, coworker, acme, outbox, target):
    twofactor_on(acme, coworker)
    password_step(client, coworker, next=target)

    response = client.post(reverse("login_verify"), {"code": last_code(outbox)})
    again = client.get(reverse("login"), {"next": target})

    assert_stays_home(response)
    assert_stays_home(again)


def test_a_page_of_the_portal_is_where_it_leads(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    password_step(client, coworker, next="/account/settings/?tab=account")

    response = client.post(reverse("login_verify"), {"code": last_code(outbox)})

    assert response.url == "/account/settings/?tab=account"


def test_a_logged_in_visitor_is_not_bounced_elsewhere(client, coworker):
    verified_login(client, coworker)
    for target in ELSEWHERE:
        assert_stays_home(client.get(reverse("login"), {"next": target}))


@pytest.mark.parametrize("target", ["nonsense", "-1", "logout", "admin:index"])
def test_a_next_that_is_not_a_path_leads_home(client, coworker, target):
    response = password_step(client, coworker, next=target)
    again = client.get(reverse("login"), {"next": target})

    assert response.status_code == 302 and response.url == reverse("home")
    assert again.status_code == 302 and again.url == reverse("home")
