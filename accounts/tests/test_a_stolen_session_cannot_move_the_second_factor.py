"""SPEC Security: a step-up counts only when its code went to the destination
the person's login uses now; proving a new destination is never a step-up.

The thief holds a copy of a logged-in session and a phone of their own, and
enters every code that reaches that phone. Before the fix, the thief moved
the codes to their phone, proved it, and then turned 2FA off."""

from django.urls import reverse

from tests.code_step import twofactor_on
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
    client.force_login(coworker)

    thief_saves(client, outbox, {"email": coworker.email, "phone": THIEF_PHONE, "twofactor": "on"})

    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == OWNER_PHONE
    # The first code asked went to the phone the login uses now.
    assert outbox[0]["to"] == OWNER_PHONE
    assert all(message["to"] != THIEF_PHONE for message in outbox)


def test_a_thief_cannot_turn_2fa_off_after_trying_to_move_it(client, coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    client.force_login(coworker)
    thief_saves(client, outbox, {"email": coworker.email, "phone": THIEF_PHONE, "twofactor": "on"})

    thief_saves(client, outbox, {"email": coworker.email, "phone": THIEF_PHONE})

    device = CodeDevice.objects.get(user=coworker)
    assert device.enrolled and device.confirmed


def test_proving_a_new_number_is_not_a_step_up(client, coworker, acme, outbox):
    """Even the owner, right after moving to a new phone: turning 2FA off asks
    for a code on the phone the login uses now (the new one), not nothing."""
    twofactor_on(acme, coworker, channel="sms")
    client.force_login(coworker)
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
