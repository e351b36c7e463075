"""After the password step the session holds no user; the session key
changes when the password is accepted and again when the code is."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.sessions import SessionStore
from tests.code_step import is_logged_in, twofactor_on
from tests.fixtures import last_code, log_in, password_step

PROTECTED = ["/", "/account/settings/", "/account/profile/", "/enterprise/settings/"]


@pytest.fixture
def session_before_login(client):
    """The visitor already had a session (a cookie an attacker may have planted)."""
    session = client.session
    session["visited"] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


def test_after_the_password_step_the_session_holds_no_user(client, admin_user, acme, outbox):
    twofactor_on(acme, admin_user)

    response = password_step(client, admin_user)

    assert response.url == reverse("login_verify")
    assert "_auth_user_id" not in client.session
    assert "otp_device_id" not in client.session
    for url in PROTECTED:
        page = client.get(url)
        assert page.status_code == 302, url
        assert page.url.startswith(f"{reverse('login')}?next="), url


def test_the_key_changes_when_the_password_and_again_when_the_code_is_accepted(
    client, coworker, acme, outbox, session_before_login
):
    twofactor_on(acme, coworker)

    password_step(client, coworker)
    after_password = client.session.session_key
    client.post(reverse("login_verify"), {"code": last_code(outbox)})
    after_code = client.session.session_key

    assert len({session_before_login, after_password, after_code}) == 3
    assert not SessionStore().exists(session_before_login)
    assert not SessionStore().exists(after_password)
    assert is_logged_in(client) and client.session["otp_device_id"]


def test_a_planted_session_key_does_not_log_the_attacker_in(
    client, coworker, acme, outbox, session_before_login
):
    twofactor_on(acme, coworker)
    log_in(client, coworker, outbox)

    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = session_before_login
    response = attacker.get(reverse("accounts:settings"))

    assert response.status_code == 302
    assert not is_logged_in(attacker)


def test_without_a_code_the_key_still_changes_at_login(client, coworker, session_before_login):
    password_step(client, coworker)

    assert is_logged_in(client)
    assert client.session.session_key != session_before_login
    assert not SessionStore().exists(session_before_login)


def test_log_out_ends_the_session(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    log_in(client, coworker, outbox)
    key = client.session.session_key

    client.post(reverse("logout"))

    assert not SessionStore().exists(key)
    assert client.get(reverse("accounts:settings")).status_code == 302
