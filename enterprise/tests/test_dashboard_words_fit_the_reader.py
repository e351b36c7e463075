"""While the account's 2FA is off, the dashboard tells an administrator what
they can do about it, and a co-worker who can do it."""

from django.test import Client
from django.urls import reverse

from tests.code_step import page_text
from tests.fixtures import log_in


def test_an_administrator_reads_that_they_can_turn_it_on(client, admin_user):
    log_in(client, admin_user)

    response = client.get(reverse("home"))

    text = page_text(response)
    assert "Two-factor authentication is off for Acme. Turn it on in Enterprise Settings ." in text
    assert "Your administrator has not turned on" not in text
    assert f'<a href="{reverse("enterprise:twofactor")}">Enterprise Settings</a>' in (
        response.content.decode()
    )


def test_a_coworker_reads_that_their_administrator_has_not(client, coworker):
    log_in(client, coworker)

    text = page_text(client.get(reverse("home")))

    assert "Your administrator has not turned on two-factor authentication for Acme." in text
    assert "Turn it on in Enterprise Settings" not in text


def test_my_account_tells_an_administrator_where_to_turn_it_on(client, admin_user, coworker):
    log_in(client, admin_user)
    text = client.get(reverse("accounts:settings")).content.decode()
    assert "Your administrator has not turned on" not in text
    assert "Two-factor authentication is off for your account. Turn it on in" in text
    assert f'href="{reverse("enterprise:twofactor")}"' in text

    other = Client()
    log_in(other, coworker)
    text = other.get(reverse("accounts:settings")).content.decode()
    assert (
        "Your administrator has not turned on two-factor authentication for your account." in text
    )
