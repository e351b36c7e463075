"""Issue 15: the pop-up says first what the code confirms, one line per
purpose, in the words a person reads (with and without JavaScript)."""

import re

import pytest
from django.urls import reverse

from tests.code_step import page_text, twofactor_on, verified_login
from tests.fixtures import PASSWORD, last_code
from twofactor.flows.change import actions_registered, change_describe


def purpose(response) -> list[str]:
    """The lines under the heading, before anything else the pop-up says."""
    block = re.search(
        r'<div id="code-purpose" class="purpose">(.*?)</div>', response.content.decode()
    )
    assert block, "the pop-up has no purpose line"
    return re.findall(r"<p>(.*?)</p>", block.group(1))


def test_a_login_says_whose_login_it_is(waiting):
    page = waiting.get(reverse("login_verify"))

    assert purpose(page) == ["Log in as carl"]
    # First: right after the guide's heading.
    assert page_text(page).index("Two-Factor Authentication Log in as carl") >= 0


def test_with_javascript_the_dialog_says_the_same(waiting):
    page = waiting.get(reverse("login") + "?step=code")

    assert purpose(page) == ["Log in as carl"]
    assert 'aria-describedby="code-purpose code-sent"' in page.content.decode()


def test_turning_2fa_on(client, coworker, acme, outbox):
    acme.twofactor_enabled = True
    acme.save()
    verified_login(client, coworker)

    client.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035551299", "twofactor": "on"},
    )

    assert purpose(client.get(reverse("twofactor:verify"))) == [
        "Confirm: turn on two-factor authentication"
    ]


def test_turning_2fa_off(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    verified_login(client, coworker)

    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035551299"})

    assert purpose(client.get(reverse("twofactor:verify"))) == [
        "Confirm: turn off two-factor authentication"
    ]


def test_the_administrator_turning_the_accounts_2fa_off(client, admin_user, acme, outbox):
    twofactor_on(acme, admin_user)
    verified_login(client, admin_user)

    client.post(reverse("enterprise:twofactor"), {"channel": "email"})

    assert purpose(client.get(reverse("twofactor:verify"))) == [
        "Confirm: turn off two-factor authentication for everyone at Acme"
    ]


def test_the_administrator_changing_the_channel(client, admin_user, acme, outbox):
    twofactor_on(acme, admin_user, channel="sms")
    verified_login(client, admin_user)

    client.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "voice"})

    assert purpose(client.get(reverse("twofactor:verify"))) == [
        "Confirm: send codes by Voice instead of SMS"
    ]


def test_a_new_phone_number_first_the_change_then_the_number(client, coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)
    data = {"email": coworker.email, "phone": "+13035550199", "twofactor": "on"}

    client.post(reverse("accounts:settings"), data)
    step_up = client.get(reverse("twofactor:verify"))
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    proof = client.get(reverse("twofactor:verify"))

    assert purpose(step_up) == ["Confirm: change your phone number to +1••••••0199"]
    assert purpose(proof) == ["Confirm your new phone number +1••••••0199"]
    assert "We sent a verification code by SMS to +1••••••0199" in page_text(proof)


def test_a_new_email_address(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    verified_login(client, coworker)
    data = {"email": "carl.new@example.org", "phone": "+13035551299", "twofactor": "on"}

    client.post(reverse("accounts:settings"), data)
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    assert purpose(client.get(reverse("twofactor:verify"))) == [
        "Confirm your new email address c•••••••@example.org"
    ]


def test_turning_2fa_off_and_a_new_phone_say_both(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    verified_login(client, coworker)

    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035550199"})

    assert purpose(client.get(reverse("twofactor:verify"))) == [
        "Confirm: turn off two-factor authentication",
        "Confirm: change your phone number to +1••••••0199",
    ]


def test_a_password_change(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    verified_login(client, coworker)

    new = "a much longer new passphrase 42"
    client.post(
        reverse("accounts:password"),
        {"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )

    assert purpose(client.get(reverse("twofactor:verify"))) == ["Confirm: change your password"]


# A sample of each action's payload: a new action without a line (or
# without a sample here) fails, so the pop-up never confirms in silence.
SAMPLES = {
    "account.settings": (
        {"email": "carl@example.com", "phone": "+13035551299", "twofactor": False},
        ["Confirm: turn off two-factor authentication"],
    ),
    "account.password": ({"password_hash": "x"}, ["Confirm: change your password"]),
    "account.recovery_codes": (
        {},
        ["Confirm: make new recovery codes (the old ones stop working)"],
    ),
    "account.app_setup": ({}, ["Confirm: set up an authenticator app"]),
    "account.app_remove": ({}, ["Confirm: remove your authenticator app"]),
    "account.passkey_add": ({"name": "Work laptop"}, ["Confirm: add the passkey “Work laptop”"]),
    "account.passkey_remove": ({"passkey_id": 0}, ["Confirm: remove a passkey"]),
    "enterprise.policy": (
        {"enabled": True, "channel": "voice"},
        ["Confirm: send codes by Voice instead of Email"],
    ),
    "enterprise.reset": (
        {"coworker_id": 0, "reason": "lost phone"},
        ["Confirm: reset two-factor authentication for "],
    ),
}


@pytest.mark.parametrize("action", sorted(actions_registered()))
def test_every_change_action_says_what_its_code_confirms(action, coworker, acme):
    twofactor_on(acme, coworker)
    registered = actions_registered()[action]

    assert registered.describe is not None, f"{action} registers no describe=: what it confirms"
    assert action in SAMPLES, f"add a sample payload of {action} to SAMPLES"
    payload, words = SAMPLES[action]
    assert change_describe(coworker, action=action, payload=payload) == words
