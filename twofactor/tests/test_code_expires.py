"""docs/BEHAVIOUR.md: a code is valid for 10 minutes."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.code_step import T0, is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from twofactor.models import Challenge


@pytest.fixture
def at_code_step(client, coworker, acme, outbox, time_machine):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    response = password_step(client, coworker)
    assert response.url == reverse("login_verify")
    return last_code(outbox)


def test_it_accepts_the_code_until_just_before_ten_minutes(client, at_code_step, time_machine):
    time_machine.shift(timedelta(minutes=9, seconds=59))

    response = client.post(reverse("login_verify"), {"code": at_code_step})

    assert response.status_code == 302
    assert is_logged_in(client)


def test_it_refuses_the_code_after_ten_minutes(client, at_code_step, time_machine, settings):
    # Let the login itself wait longer, so only the code's own age can refuse it.
    settings.TWOFACTOR_PENDING_LOGIN_TTL = timedelta(hours=1)
    time_machine.shift(timedelta(minutes=10))

    response = client.post(reverse("login_verify"), {"code": at_code_step})

    assert response.status_code == 400
    assert "This code has expired. Click Resend for a new one." in page_text(response)
    assert not is_logged_in(client)
    challenge = Challenge.objects.get()
    assert challenge.status == Challenge.Status.ACTIVE and challenge.used_at is None


def test_after_expiry_resend_brings_a_code_that_works(
    client, at_code_step, time_machine, settings, outbox
):
    settings.TWOFACTOR_PENDING_LOGIN_TTL = timedelta(hours=1)
    time_machine.shift(timedelta(minutes=11))
    client.post(reverse("login_verify"), {"code": at_code_step})

    client.post(reverse("login_resend"))
    response = client.post(reverse("login_verify"), {"code": last_code(outbox)})

    assert response.status_code == 302
    assert is_logged_in(client)


def test_a_code_for_a_change_expires_too(client, coworker, acme, outbox, time_machine):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    verified_login(client, coworker)
    # Turning your own 2FA off asks for a code first.
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": ""})
    code = last_code(outbox)
    time_machine.shift(timedelta(minutes=10))

    response = client.post(reverse("twofactor:verify"), {"code": code}, follow=True)

    assert "There is no change waiting for a code" in page_text(response)
    coworker.twofactor_device.refresh_from_db()
    assert coworker.twofactor_device.enrolled is True
