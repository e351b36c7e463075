"""docs/BEHAVIOUR.md: a step-up (the code asked before disabling account 2FA, turning your
own 2FA off, or changing where codes go) stays fresh for 5 minutes: another
Save within them asks for no new code."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from enterprise.models import Enterprise
from tests.code_step import T0, page_text, twofactor_on, verified_login
from tests.fixtures import last_code
from twofactor.models import CodeDevice

PHONE = "+13035551299"  # carl's, where his codes go
NEW_EMAIL = "carl@new.example"


@pytest.fixture
def verified_phone_change(client, coworker, acme, outbox, time_machine):
    """The co-worker changed their email address: a step-up code went to the
    phone their codes use (by SMS), and they entered it. The phone is still
    where their codes go, so the proof stays fresh for 5 minutes."""
    twofactor_on(acme, coworker, channel="sms")
    time_machine.move_to(T0, tick=False)
    verified_login(client, coworker)
    data = {"email": NEW_EMAIL, "phone": PHONE, "twofactor": "on"}
    response = client.post(reverse("accounts:settings"), data)
    assert response.url == reverse("twofactor:verify")
    assert outbox[-1]["to"] == PHONE
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    coworker.refresh_from_db()
    assert coworker.email == NEW_EMAIL
    return client


def turn_off(client, user):
    return client.post(
        reverse("accounts:settings"), {"email": NEW_EMAIL, "phone": PHONE}, follow=True
    )


def test_turning_2fa_off_right_after_needs_no_new_code(
    verified_phone_change, coworker, outbox, time_machine
):
    time_machine.shift(timedelta(minutes=4, seconds=59))
    sent = len(outbox)

    response = turn_off(verified_phone_change, coworker)

    assert response.redirect_chain == [(reverse("accounts:settings"), 302)]
    assert "Two-factor authentication is now disabled for your login." in page_text(response)
    assert len(outbox) == sent
    assert CodeDevice.objects.get(user=coworker).enrolled is False


def test_after_five_minutes_it_asks_for_a_code_again(
    verified_phone_change, coworker, outbox, time_machine
):
    time_machine.shift(timedelta(minutes=5))
    sent = len(outbox)

    response = turn_off(verified_phone_change, coworker)

    assert response.redirect_chain == [(reverse("twofactor:verify"), 302)]
    assert len(outbox) == sent + 1
    assert CodeDevice.objects.get(user=coworker).enrolled is True


def test_the_step_up_belongs_to_the_session_that_proved_it(verified_phone_change, coworker, outbox):
    other = Client()
    verified_login(other, coworker)
    sent = len(outbox)

    response = turn_off(other, coworker)

    assert response.redirect_chain == [(reverse("twofactor:verify"), 302)]
    assert len(outbox) == sent + 1
    assert CodeDevice.objects.get(user=coworker).enrolled is True


def test_an_administrator_saves_twice_within_five_minutes_with_one_code(
    client, admin_user, acme, outbox, time_machine
):
    twofactor_on(acme, admin_user, channel="email")
    time_machine.move_to(T0, tick=False)
    verified_login(client, admin_user)
    tab = reverse("enterprise:twofactor")

    # Disable: the code pop-up first, and the change applies only after Verify.
    response = client.post(tab, {"channel": "email"})
    assert response.url == reverse("twofactor:verify")
    assert Enterprise.objects.get().twofactor_enabled is True
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert Enterprise.objects.get().twofactor_enabled is False
    client.post(tab, {"status": "on", "channel": "email"})
    sent = len(outbox)

    time_machine.shift(timedelta(minutes=4))
    within = client.post(tab, {"channel": "email"})
    assert within.url == tab and len(outbox) == sent
    assert Enterprise.objects.get().twofactor_enabled is False
    client.post(tab, {"status": "on", "channel": "email"})

    time_machine.shift(timedelta(minutes=1))
    after = client.post(tab, {"channel": "email"})
    assert after.url == reverse("twofactor:verify") and len(outbox) == sent + 1
    assert Enterprise.objects.get().twofactor_enabled is True
