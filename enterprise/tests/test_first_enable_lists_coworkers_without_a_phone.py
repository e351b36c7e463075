"""Turning 2FA on for the account by SMS or Voice lists the co-workers who
have no phone number first, as a channel change does; a second Save
confirms. The words are singular or plural as the count says."""

import pytest
from django.urls import reverse

from enterprise.models import Enterprise
from tests.code_step import page_text
from tests.fixtures import log_in

TAB = reverse("enterprise:twofactor")


@pytest.fixture
def ada(client, admin_user, coworker):
    log_in(client, admin_user)
    return client


def test_turning_it_on_by_sms_lists_who_has_no_phone_and_saves_nothing(ada, acme, make_user):
    make_user("dora", acme)
    make_user("eve", acme)

    response = ada.post(TAB, {"status": "on", "channel": "sms"})

    text = page_text(response)
    assert response.status_code == 200
    assert (
        "2 co-workers cannot receive codes by SMS because they have no phone number. "
        "They need to add one on My Account before they can turn on two-factor authentication."
    ) in text
    assert "dora (dora)" in text and "eve (eve)" in text and "carl (carl)" not in text
    assert "Click Save again to turn on two-factor authentication by SMS anyway." in text
    assert Enterprise.objects.get().twofactor_enabled is False


def test_the_second_save_turns_it_on(ada, acme, make_user):
    make_user("dora", acme)

    response = ada.post(
        TAB, {"status": "on", "channel": "voice", "confirm_unreachable": "on"}, follow=True
    )

    assert "Two-factor authentication is enabled for the account, by Voice." in page_text(response)
    acme.refresh_from_db()
    assert (acme.twofactor_enabled, acme.twofactor_channel) == (True, "voice")


def test_one_coworker_reads_singular(ada, acme, make_user):
    make_user("dora", acme)

    text = page_text(ada.post(TAB, {"status": "on", "channel": "voice"}))

    assert "1 co-worker cannot receive codes by Voice because they have no phone number." in text
    assert "1 co-workers" not in text


def test_inactive_coworkers_are_not_listed(ada, acme, make_user):
    dora = make_user("dora", acme)
    dora.is_active = False
    dora.save()

    response = ada.post(TAB, {"status": "on", "channel": "sms"})

    assert response.status_code == 302  # nobody to list: saved at once
    assert Enterprise.objects.get().twofactor_enabled is True


def test_by_email_nobody_is_listed(ada, acme, make_user):
    make_user("dora", acme)

    response = ada.post(TAB, {"status": "on", "channel": "email"})

    assert response.status_code == 302
    assert Enterprise.objects.get().twofactor_enabled is True


def test_everyone_with_a_phone_saves_at_once(ada, acme):
    response = ada.post(TAB, {"status": "on", "channel": "sms"})

    assert response.status_code == 302
    assert Enterprise.objects.get().twofactor_channel == "sms"
