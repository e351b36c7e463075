"""binding(): is trust bound to where the code really went, and does it end
only when it should?"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.sessions import TRUSTED_BY
from tests.code_step import is_logged_in, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from tests.second_factor_review.helpers import NOW, password_only_login, remember_with_code
from twofactor.devices import current_destination
from twofactor.models import CodeDevice, TrustedBrowser

PHONE = "+13035551299"


@pytest.fixture
def sms_account_phone_unproven(acme, coworker, time_machine):
    """Acme sends codes by SMS and remembers browsers 30 days. Carl has 2FA on,
    but his phone number is not proven yet: his codes go by email (the
    PHONE_UNPROVEN detour)."""
    twofactor_on(acme, coworker, channel="sms")
    acme.remember_browser_days = 30
    acme.save()
    CodeDevice.objects.filter(user=coworker).update(phone_unproven=True)
    time_machine.move_to(NOW, tick=False)
    coworker.refresh_from_db()
    assert current_destination(coworker).address == coworker.email
    return acme


def owner_moves_codes_to_the_phone(coworker, outbox):
    """Carl, in his own session, proves his phone on My Account: a step-up to
    his email, then a code to the phone. His codes now go by SMS."""
    owner = Client()
    verified_login(owner, coworker)
    data = {"email": coworker.email, "phone": PHONE, "twofactor": "on"}
    assert owner.post(reverse("accounts:settings"), data).url == reverse("twofactor:verify")
    owner.post(reverse("twofactor:verify"), {"code": last_code(outbox, to=coworker.email)})
    response = owner.post(reverse("twofactor:verify"), {"code": last_code(outbox, to=PHONE)})
    assert response.status_code == 302
    coworker.refresh_from_db()
    assert current_destination(coworker).address == PHONE
    return owner


def test_a_login_code_sent_before_the_codes_moved_remembers_a_browser_on_the_new_phone(
    sms_account_phone_unproven, coworker, outbox
):
    """FINDING. A thief holds Carl's password and reads his mailbox (where his
    codes go while his phone is unproven). The thief's login is waiting for
    its email code when Carl proves his phone to move his codes off the
    mailbox. Proving a detail ends no session and no waiting login (only a
    changed detail does), code_verify never asks whether the challenge's
    destination is still where the codes go, and trust_grant() computes the
    binding at the moment of the grant: the old mailbox's code logs the thief
    in AND remembers the thief's browser bound to Carl's *new* phone. From
    then on the password alone logs the thief in, 30 days, though no code
    ever went to the phone."""
    thief = Client()
    assert password_step(thief, coworker).url == reverse("login_verify")
    mailbox_code = last_code(outbox, to=coworker.email)

    owner_moves_codes_to_the_phone(coworker, outbox)

    response = thief.post(reverse("login_verify"), {"code": mailbox_code, "remember": "on"})
    logged_in = response.status_code == 302 and is_logged_in(thief)
    gained = password_only_login(thief, coworker, outbox)
    assert not gained, (
        "the mailbox's code bought a remembered browser bound to the new phone: "
        "password-alone logins for 30 days"
    )
    assert not logged_in, "a code sent to the old destination logged in after the codes moved"


def test_the_owner_proving_the_phone_ends_a_trust_granted_under_email(
    sms_account_phone_unproven, coworker, outbox
):
    """Defeated: a browser remembered under the email detour ends when the
    codes move to the proven phone (binding changes)."""
    browser = Client()
    remember_with_code(browser, coworker, outbox)
    owner_moves_codes_to_the_phone(coworker, outbox)
    assert not password_only_login(browser, coworker, outbox)


@pytest.fixture
def remembering(acme, coworker, time_machine):
    twofactor_on(acme, coworker)
    acme.remember_browser_days = 30
    acme.save()
    time_machine.move_to(NOW, tick=False)
    return acme


def test_an_email_in_other_letters_keeps_trust(remembering, coworker, outbox):
    """Defeated (harmless event): an operator writing the same mailbox in
    capitals keeps the trust (destination in lower case)."""
    browser = Client()
    remember_with_code(browser, coworker, outbox)
    type(coworker).objects.filter(pk=coworker.pk).update(email=coworker.email.upper())
    assert password_only_login(browser, coworker, outbox)


def test_a_new_phone_on_an_email_account_keeps_trust(remembering, coworker, outbox):
    """Defeated (harmless event): the phone changes in the database, codes go
    by email: the trust stays (only where codes go is bound)."""
    browser = Client()
    remember_with_code(browser, coworker, outbox)
    type(coworker).objects.filter(pk=coworker.pk).update(phone="+13035551288")
    assert password_only_login(browser, coworker, outbox)


def test_no_phone_detour_then_a_phone_added_behind_the_pages_ends_trust(
    acme, make_user, outbox, time_machine
):
    """Defeated: SMS account, no phone: codes go by email (NO_PHONE). A phone
    written straight to the row (as /admin/ or a shell would) moves the codes
    to SMS: the email-bound trust ends."""
    dora = make_user("dora", acme)
    twofactor_on(acme, dora, channel="sms")
    acme.remember_browser_days = 30
    acme.save()
    time_machine.move_to(NOW, tick=False)
    browser = Client()
    remember_with_code(browser, dora, outbox)
    type(dora).objects.filter(pk=dora.pk).update(phone="+13035551266")
    assert not password_only_login(browser, dora, outbox)


def test_an_unproven_phone_flip_on_an_sms_account_ends_trust(remembering, acme, coworker, outbox):
    """Defeated: SMS account, trust granted under the phone; the phone is
    flagged unproven (codes fall back to email): trust ends."""
    acme.twofactor_channel = "sms"
    acme.save()
    browser = Client()
    remember_with_code(browser, coworker, outbox)
    CodeDevice.objects.filter(user=coworker).update(phone_unproven=True)
    assert not password_only_login(browser, coworker, outbox)


def test_a_session_opened_by_a_browser_is_logged_out_by_its_own_password_change(
    remembering, coworker, outbox
):
    """FINDING (a harmless event ends the person's own session). Carl logs in
    on his remembered laptop, then changes his password on Security and
    enters the step-up code. The change keeps 'this session' (session_keep,
    new key, new generation), but trust_end() deletes the browser the
    session was opened by, and the session still carries _trusted_by: its
    next request logs him out ('This browser is no longer remembered'). The
    same happens after changing his email or phone with codes."""
    laptop = Client()
    remember_with_code(laptop, coworker, outbox)
    assert password_only_login(laptop, coworker, outbox)
    assert TRUSTED_BY in laptop.session

    response = laptop.post(
        reverse("accounts:password"),
        {
            "current_password": "correct-horse-battery-7",
            "new_password": "another-long-passphrase-9",
            "confirm_password": "another-long-passphrase-9",
        },
    )
    assert response.url == reverse("twofactor:verify")
    laptop.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert is_logged_in(laptop)

    response = laptop.get(reverse("accounts:security"))
    assert response.status_code == 200 and is_logged_in(laptop), (
        "the session that changed the password, with a code, was logged out at its next page"
    )
    assert TrustedBrowser.objects.filter(user=coworker).count() == 0
