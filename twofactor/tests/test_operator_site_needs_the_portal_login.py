"""docs/BEHAVIOUR.md: /admin/ is reached only through the portal's own login (password,
then code where required), never by a password alone."""

import pytest
from django.urls import reverse

from tests.code_step import is_logged_in, page_text, twofactor_on
from tests.fixtures import PASSWORD, last_code, password_step
from twofactor.devices import devices_require_verification


@pytest.fixture
def operator(make_user, acme):
    user = make_user("olga", acme)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def ends_at(client, url: str) -> str:
    """Where a browser lands after following the redirects from `url`."""
    response = client.get(url, follow=True)
    assert response.status_code == 200
    return response.redirect_chain[-1][0] if response.redirect_chain else url


def test_an_anonymous_visitor_is_sent_to_the_portal_login(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1] == ("/login/?next=%2Fadmin%2F", 302)
    assert b'name="username"' in response.content


def test_the_admin_password_form_logs_nobody_in(client, operator):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": operator.username, "password": PASSWORD}
    )

    assert response.status_code == 302 and response.url.startswith("/login/")
    assert not is_logged_in(client)
    assert ends_at(client, "/admin/").startswith("/login/")


def test_a_password_alone_does_not_open_admin_when_a_code_is_required(
    client, operator, acme, outbox
):
    twofactor_on(acme, operator)

    password_step(client, operator, next="/admin/")

    assert ends_at(client, "/admin/").startswith("/login/")
    assert ends_at(client, "/admin/accounts/user/").startswith("/login/")


def test_with_the_code_the_operator_reaches_admin(client, operator, acme, outbox):
    twofactor_on(acme, operator)
    password_step(client, operator, next="/admin/")

    response = client.post(reverse("login_verify"), {"code": last_code(outbox)})

    assert response.url == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert b"Customer Portal operations" in page.content


def test_a_session_verified_on_the_old_channel_loses_admin(
    client, operator, acme, outbox, admin_user
):
    twofactor_on(acme, operator)
    password_step(client, operator)
    client.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert client.get("/admin/").status_code == 200

    # The administrator changes the channel: every co-worker verifies again.
    devices_require_verification(enterprise_id=acme.pk)

    # Logged out, to log in again with a code on the new channel.
    assert ends_at(client, "/admin/").startswith(reverse("login"))
    assert not is_logged_in(client)


def test_a_password_alone_never_opens_admin(client, operator):
    """The attack: a superuser who has not turned on their own 2FA (it is
    opt-in) opened /admin/, and every enterprise's users, with a password."""
    password_step(client, operator)

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:settings")
    assert "Operators need two-factor authentication" in page_text(response)
    assert client.get("/admin/accounts/user/").status_code == 302


def test_an_operator_who_has_not_turned_2fa_on_is_told_to(client, operator, acme):
    twofactor_on(acme)  # the account has it on; the operator has not opted in

    password_step(client, operator)

    assert ends_at(client, "/admin/") == reverse("accounts:settings")
    assert client.get("/admin/accounts/user/").status_code == 302


def test_a_coworker_who_is_not_staff_is_sent_home(client, coworker):
    password_step(client, coworker)

    assert ends_at(client, "/admin/") == reverse("home")


def test_a_password_alone_cannot_enrol_a_phone_and_reach_admin(client, operator, acme, outbox):
    """The operator has not turned 2FA on. With the password alone, an
    attacker ticks Status with a phone of their own: the first code goes to
    the operator's own phone, so the attacker gets no further (found by a
    red-team review: before, the only code went to the attacker's phone)."""
    attacker_phone = "+13035550666"
    operator.phone = "+13035551234"
    operator.save()
    twofactor_on(acme, channel="sms")
    password_step(client, operator)

    client.post(
        reverse("accounts:settings"),
        {"email": operator.email, "phone": attacker_phone, "twofactor": "on"},
    )

    assert [m["to"] for m in outbox] == ["+13035551234"]
    assert ends_at(client, "/admin/") == reverse("accounts:settings")
