"""docs/BEHAVIOUR.md: no resend within 30 seconds of the previous code for the same login
or change; a new login or change starts its own code at once."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse

from tests.code_step import T0, is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from twofactor.models import Challenge


def test_a_resend_within_thirty_seconds_is_refused_and_nothing_is_sent(
    waiting, outbox, time_machine
):
    code = last_code(outbox)
    time_machine.shift(timedelta(seconds=20))

    response = waiting.post(reverse("login_resend"))

    assert response.status_code == 429
    message = "A code was just sent. You can ask for a new one in 10 seconds."
    assert page_text(response).count(message) == 1
    assert response["Retry-After"] == "10"
    assert len(outbox) == 1
    assert Challenge.objects.count() == 1
    # The code already sent still works.
    assert waiting.post(reverse("login_verify"), {"code": code}).status_code == 302
    assert is_logged_in(waiting)


def test_the_pop_up_is_told_when_to_retry(waiting, outbox, time_machine):
    time_machine.shift(timedelta(seconds=29))

    response = waiting.post(reverse("login_resend"), HTTP_ACCEPT="application/json")

    assert response.status_code == 429
    assert response.json() == {
        "ok": False,
        "message": "A code was just sent. You can ask for a new one in 1 second.",
    }
    assert response["Retry-After"] == "1"
    assert len(outbox) == 1


def test_a_resend_at_thirty_seconds_is_sent(waiting, outbox, time_machine):
    time_machine.shift(timedelta(seconds=30))

    response = waiting.post(reverse("login_resend"))

    assert response.status_code == 302
    assert len(outbox) == 2


def test_a_new_login_starts_its_own_code_at_once(waiting, coworker, outbox, time_machine):
    time_machine.shift(timedelta(seconds=5))
    other = Client()

    response = password_step(other, coworker)

    assert response.status_code == 302 and response.url == reverse("login_verify")
    assert len(outbox) == 2
    verify = other.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert verify.status_code == 302 and is_logged_in(other)


def test_the_cooldown_applies_to_a_change_too(client, coworker, acme, outbox, time_machine):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    verified_login(client, coworker)
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": ""})
    time_machine.shift(timedelta(seconds=10))

    refused = client.post(reverse("twofactor:resend"))
    # Making the change again is a new change: its code goes at once.
    again = client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": ""})

    assert refused.status_code == 429
    assert "You can ask for a new one in 20 seconds." in page_text(refused)
    assert again.status_code == 302 and again.url == reverse("twofactor:verify")
    assert len(outbox) == 2
