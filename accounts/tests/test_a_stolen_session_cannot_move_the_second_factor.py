"""docs/SECURITY.md: a step-up counts only when its code went to the destination
the person's login uses now; proving a new destination is never a step-up.

The thief holds a copy of a logged-in session and a phone of their own, and
enters every code that reaches that phone. Before the fix, the thief moved
the codes to their phone, proved it, and then turned 2FA off."""

from django.urls import reverse

from tests.code_step import twofactor_on, verified_login
from tests.fixtures import last_code
from twofactor.models import CodeDevice

OWNER_PHONE = "+13035551299"
THIEF_PHONE = "+13035550666"


def thief_saves(client, outbox, data, url=None):
    """Save, then enter any code that reached the thief's phone, as often as asked."""
    url = url or reverse("accounts:settings")
    response = client.post(url, data)
    for _ in range(3):
        if response.status_code != 302 or response.url != reverse("twofactor:verify"):
            return response
        if not outbox or outbox[-1]["to"] != THIEF_PHONE:
            return response  # the code went to the owner: the thief is stuck
        response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    return response


def test_a_thief_cannot_move_the_codes_to_their_phone(client, coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)

    thief_saves(client, outbox, {"email": coworker.email, "phone": THIEF_PHONE, "twofactor": "on"})

    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == OWNER_PHONE
    # The first code asked went to the phone the login uses now.
    assert outbox[0]["to"] == OWNER_PHONE
    assert all(message["to"] != THIEF_PHONE for message in outbox)


def test_a_thief_cannot_turn_2fa_off_after_trying_to_move_it(client, coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)
    thief_saves(client, outbox, {"email": coworker.email, "phone": THIEF_PHONE, "twofactor": "on"})

    thief_saves(client, outbox, {"email": coworker.email, "phone": THIEF_PHONE})

    device = CodeDevice.objects.get(user=coworker)
    assert device.enrolled and device.confirmed


def test_proving_a_new_number_is_not_a_step_up(client, coworker, acme, outbox):
    """Even the owner, right after moving to a new phone: turning 2FA off asks
    for a code on the phone the login uses now (the new one), not nothing."""
    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)
    new_phone = "+13035550177"
    data = {"email": coworker.email, "phone": new_phone, "twofactor": "on"}
    response = client.post(reverse("accounts:settings"), data)
    assert outbox[-1]["to"] == OWNER_PHONE  # step-up on the phone in use
    response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert outbox[-1]["to"] == new_phone  # then the new phone proves itself
    response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert response.url == reverse("accounts:settings")
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == new_phone
    sent = len(outbox)

    response = client.post(reverse("accounts:settings"), {"email": coworker.email})

    assert response.url == reverse("twofactor:verify")
    assert len(outbox) == sent + 1 and outbox[-1]["to"] == new_phone
    assert CodeDevice.objects.get(user=coworker).enrolled


def test_a_change_begun_before_2fa_was_on_applies_nothing_after(coworker, acme, outbox):
    """While carl's 2FA is off, a thief with his password begins turning it
    on with their phone. Carl turns it on with his own. The thief's code,
    entered then, applies nothing: the change now needs a step-up to carl's
    phone (found by a red-team review)."""
    from django.test import Client

    from tests.fixtures import password_step

    acme.twofactor_enabled, acme.twofactor_channel = True, "sms"
    acme.save()
    thief, carl = Client(), Client()
    password_step(thief, coworker)
    password_step(carl, coworker)
    thief.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": THIEF_PHONE, "twofactor": "on"},
    )
    # The thief's first code is a step-up to carl's own phone, not theirs.
    assert outbox[-1]["to"] == OWNER_PHONE
    carl.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": OWNER_PHONE, "twofactor": "on"},
    )
    carl.post(reverse("twofactor:verify"), {"code": last_code(outbox, to=OWNER_PHONE)})

    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == OWNER_PHONE
    assert CodeDevice.objects.get(user=coworker).enrolled
    assert all(message["to"] != THIEF_PHONE for message in outbox)
