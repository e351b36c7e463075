"""docs/BEHAVIOUR.md: a code is single use, even when the same code reaches two sessions."""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.code_step import is_logged_in, page_text, twofactor_on
from tests.fixtures import last_code, password_step
from twofactor.flows import FLOW_KEY
from twofactor.models import Challenge


def test_it_refuses_a_code_that_was_already_used(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    password_step(client, coworker)
    code = last_code(outbox)
    # Someone copied the waiting login (a stolen cookie, a restored session
    # store): a second session holds the very same code step.
    other = Client()
    copied = other.session
    copied[FLOW_KEY] = client.session[FLOW_KEY]
    copied.save()
    other.cookies[settings.SESSION_COOKIE_NAME] = copied.session_key

    first = client.post(reverse("login_verify"), {"code": code})
    replay = other.post(reverse("login_verify"), {"code": code})

    assert first.status_code == 302 and is_logged_in(client)
    assert replay.status_code == 400
    assert "This code was already used" in page_text(replay)
    assert not is_logged_in(other)
    assert Challenge.objects.get().status == Challenge.Status.USED


def test_the_same_session_cannot_use_its_code_twice(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    password_step(client, coworker)
    code = last_code(outbox)
    client.post(reverse("login_verify"), {"code": code})
    client.post(reverse("logout"))

    replay = client.post(reverse("login_verify"), {"code": code}, follow=True)

    assert "Your login has expired. Please log in again." in page_text(replay)
    assert not is_logged_in(client)


def test_the_old_session_cookie_is_dead_after_the_code_is_accepted(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    password_step(client, coworker)
    half_logged_in_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("login_verify"), {"code": last_code(outbox)})

    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = half_logged_in_key
    response = attacker.get(reverse("accounts:settings"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert attacker.post(reverse("login_verify"), {"code": "000000"}).status_code == 302
    assert not is_logged_in(attacker)
