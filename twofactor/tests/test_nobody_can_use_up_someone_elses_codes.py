"""docs/SECURITY.md: codes asked for a destination the requester has not proven
are limited per requester and never count against that destination's owner.

Before the fix, a co-worker of another enterprise put a victim's number on
their own login and ticked Status ten times: the victim's own login was then
answered 429 "Too many codes" for an hour."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from tests.code_step import T0, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from twofactor.models import Challenge, CodeDevice

VICTIM_PHONE = "+13035551299"


def test_ticking_status_with_a_victims_number_does_not_lock_the_victim_out(
    client, coworker, make_enterprise, make_user, acme, outbox, time_machine
):
    twofactor_on(acme, coworker, channel="sms")
    other = make_enterprise("Elsewhere", enabled=True, channel="sms")
    mallory = make_user("mallory", other)
    time_machine.move_to(T0, tick=False)
    verified_login(client, mallory)
    refused = None
    for _ in range(12):
        time_machine.shift(timedelta(seconds=31))
        response = client.post(
            reverse("accounts:settings"),
            {"email": mallory.email, "phone": VICTIM_PHONE, "twofactor": "on"},
        )
        refused = refused or (response.status_code == 429 and page_text(response))
    sent_for_mallory = Challenge.objects.filter(user=mallory).count()

    victim = client.__class__()
    login = password_step(victim, coworker)

    assert refused, "mallory is limited like anyone asking for codes"
    assert sent_for_mallory == 10
    assert login.status_code == 302 and login.url == reverse("login_verify")
    assert outbox[-1]["to"] == VICTIM_PHONE
    assert victim.post(reverse("login_verify"), {"code": last_code(outbox)}).status_code == 302


def test_nobody_can_stop_the_owner_proving_their_own_number(
    client, coworker, make_enterprise, make_user, acme, outbox, time_machine
):
    """Two users elsewhere confirm their own email, then ask codes to prove
    carl's number as theirs until refused; carl can still turn 2FA on with
    his number at once (found by a red-team review: his own enrolment drew
    on the pool of proofs they had used up)."""
    acme.twofactor_enabled, acme.twofactor_channel = True, "sms"
    acme.save()
    other = make_enterprise("Elsewhere", enabled=True, channel="sms")
    time_machine.move_to(T0, tick=False)
    for name in ("mallory", "mike"):
        attacker = make_user(name, other)
        verified_login(client, attacker)
        for _ in range(10):
            time_machine.shift(timedelta(seconds=31))
            client.post(
                reverse("accounts:settings"),
                {"email": attacker.email, "phone": VICTIM_PHONE, "twofactor": "on"},
            )
            if outbox and outbox[-1]["to"] == attacker.email:
                client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    proofs = Challenge.objects.filter(destination=VICTIM_PHONE, purpose="prove").count()
    assert proofs == settings.TWOFACTOR_MAX_PROOFS_PER_DESTINATION

    carl = client.__class__()
    verified_login(carl, coworker)
    response = carl.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": VICTIM_PHONE, "twofactor": "on"},
    )

    assert response.status_code == 302 and outbox[-1]["to"] == VICTIM_PHONE
    carl.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert CodeDevice.objects.get(user=coworker).enrolled


def test_an_email_in_other_letters_is_the_same_mailbox(
    client, make_enterprise, make_user, outbox, time_machine
):
    """Found by a second red-team review: CARL@EXAMPLE.COM got a pool of its
    own, so a mailbox could receive more than the hourly limit of proofs."""
    victim = "carl@example.com"
    other = make_enterprise("Elsewhere", enabled=True, channel="email")
    time_machine.move_to(T0, tick=False)
    for n, name in enumerate(("mallory", "mike")):
        attacker = make_user(name, other, phone=f"+1303555077{n}")
        verified_login(client, attacker)
        for spelling in ("carl@example.com", "Carl@example.com", "CARL@EXAMPLE.COM"):
            for _ in range(3):
                time_machine.shift(timedelta(seconds=31))
                client.post(
                    reverse("accounts:settings"),
                    {"email": spelling, "phone": attacker.phone.as_e164, "twofactor": "on"},
                )
                if outbox and outbox[-1]["to"] == attacker.email:
                    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    to_victim = [m for m in outbox if m["to"].lower() == victim]
    assert len(to_victim) == settings.TWOFACTOR_MAX_PROOFS_PER_DESTINATION
