"""A passkey or an app code approves only the step its pop-up showed. A
step answered by a passkey or an app sends nothing, so a second change
started in the same session (a thief with a copy of the session cookie,
or another tab) would otherwise be approved by the factor the person used
for the first. Every form of the pop-up names its step (`flow`); an answer
naming another is refused (409) and nothing changes. Found by a review
(docs/SECURITY.md)."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.code_step import verified_login
from tests.fixtures import password_step
from tests.softkey import SoftKey
from twofactor.tests import test_passkeys_only_after_a_date as passkeys_only
from twofactor.tests.test_passkeys_only_after_a_date import AFTER, passkey_login, policy

# Acme requires passkeys after a date (the fixture of that module).
acme_passkeys = passkeys_only.acme_passkeys


def copy_of(client) -> Client:
    """A thief's browser holding a copy of `client`'s session cookie."""
    thief = Client()
    name = settings.SESSION_COOKIE_NAME
    thief.cookies[name] = client.cookies[name].value
    return thief


def shown_step(client) -> str:
    """The step the person's pop-up shows (its forms' hidden `flow`)."""
    page = client.get(reverse("twofactor:verify")).content.decode()
    return re.search(r'name="flow" value="([^"]+)"', page).group(1)


@pytest.fixture
def admin_with_passkey(acme_passkeys, admin_user, time_machine):
    key = SoftKey()
    key.store(admin_user)
    time_machine.move_to(AFTER, tick=False)
    return key


@pytest.mark.parametrize("swap", ["after the options", "before the options"])
def test_her_passkey_for_one_change_does_not_approve_the_thiefs(
    client, acme_passkeys, admin_user, admin_with_passkey, swap
):
    key = admin_with_passkey
    password_step(client, admin_user)
    passkey_login(client, key)
    thief = copy_of(client)
    client.post(reverse("accounts:passkey_add"), {"name": "Spare"})
    step = shown_step(client)  # her pop-up: Add a passkey, "Use your passkey"
    options_url = f"{reverse('twofactor:passkey_options')}?flow={step}"
    if swap == "after the options":
        challenge = client.post(options_url).json()["challenge"]
        thief.post(reverse("enterprise:twofactor"), policy(require_passkeys=None))
    else:
        thief.post(reverse("enterprise:twofactor"), policy(require_passkeys=None))
        options = client.post(options_url)
        assert options.status_code == 409
        challenge = "x" * 43

    answer = client.post(
        f"{reverse('twofactor:passkey_verify')}?flow={step}",
        data=key.assert_(challenge),
        content_type="application/json",
    )

    assert answer.status_code == 409 and "no longer waiting" in answer.json()["message"]
    acme_passkeys.refresh_from_db()
    assert acme_passkeys.passkeys_required


def test_her_app_code_for_one_change_does_not_approve_the_thiefs(client, acme_passkeys, admin_user):
    acme_passkeys.allow_authenticator_app = True
    acme_passkeys.save(update_fields=["allow_authenticator_app"])
    device = TOTPDevice.objects.create(user=admin_user, name="App", confirmed=True)
    verified_login(client, admin_user)
    thief = copy_of(client)
    client.post(reverse("accounts:passkey_add"), {"name": "Spare"})  # her step-up: the app
    step = shown_step(client)

    thief.post(reverse("enterprise:twofactor"), policy(require_passkeys=None))
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    answer = client.post(
        reverse("twofactor:verify"),
        {"code": f"{totp.token():06d}", "flow": step},
        HTTP_ACCEPT="application/json",
    )

    assert answer.status_code == 409
    acme_passkeys.refresh_from_db()
    assert acme_passkeys.passkeys_required


def test_send_a_code_instead_on_her_pop_up_sends_nothing_for_the_thiefs_step(
    client, acme_passkeys, admin_user, admin_with_passkey, outbox
):
    password_step(client, admin_user)
    passkey_login(client, admin_with_passkey)
    thief = copy_of(client)
    client.post(reverse("accounts:passkey_add"), {"name": "Spare"})
    step = shown_step(client)
    thief.post(reverse("enterprise:twofactor"), policy(require_passkeys=None))
    sent = len(outbox)

    answer = client.post(
        reverse("twofactor:resend"), {"flow": step}, HTTP_ACCEPT="application/json"
    )

    assert answer.status_code == 409 and len(outbox) == sent


def test_her_passkey_does_not_move_her_codes_to_the_thiefs_phone(
    client, acme_passkeys, coworker, outbox, time_machine
):
    key = SoftKey()
    key.store(coworker)
    time_machine.move_to(AFTER, tick=False)
    password_step(client, coworker)
    passkey_login(client, key)
    thief = copy_of(client)
    client.post(reverse("accounts:passkey_add"), {"name": "Spare"})
    step = shown_step(client)
    challenge = client.post(f"{reverse('twofactor:passkey_options')}?flow={step}").json()[
        "challenge"
    ]

    thief.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035550166", "twofactor": "on"},
    )
    client.post(
        f"{reverse('twofactor:passkey_verify')}?flow={step}",
        data=key.assert_(challenge),
        content_type="application/json",
    )

    assert not [m for m in outbox if m["to"] == "+13035550166"]
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == "+13035551299"


def test_the_pop_up_that_is_still_current_is_answered(
    client, acme_passkeys, admin_user, admin_with_passkey
):
    """The control: with no swap, the same answer is taken."""
    password_step(client, admin_user)
    passkey_login(client, admin_with_passkey)
    client.post(reverse("accounts:passkey_add"), {"name": "Spare"})
    step = shown_step(client)
    challenge = client.post(f"{reverse('twofactor:passkey_options')}?flow={step}").json()[
        "challenge"
    ]

    answer = client.post(
        f"{reverse('twofactor:passkey_verify')}?flow={step}",
        data=admin_with_passkey.assert_(challenge),
        content_type="application/json",
    )

    assert answer.json() == {"ok": True, "redirect": reverse("accounts:passkey_new")}
