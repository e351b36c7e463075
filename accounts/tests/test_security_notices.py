"""docs/SECURITY.md: security notices by email, never with a code or a link that
logs in, each saying what to do "if this wasn't you".

Before the fix, nothing told the owner when 2FA was turned off or their
phone or email changed."""

import re

from django.core import mail
from django.urls import reverse

from tests.code_step import twofactor_on, verified_login
from tests.fixtures import last_code
from twofactor.destinations import mask_destination

PHONE = "+13035551299"  # carl's


def notices(to=None):
    return [m for m in mail.outbox if to is None or to in m.to]


def assert_safe(message):
    assert "If this wasn't you" in message.body
    assert not re.search(r"(?<!\d)\d{6}(?!\d)", message.body), "no code in a notice"
    assert "token" not in message.body and "?code=" not in message.body


def test_turning_2fa_on_and_off_is_told(client, coworker, acme, outbox):
    acme.twofactor_enabled = True
    acme.save()
    verified_login(client, coworker)
    data = {"email": coworker.email, "phone": PHONE, "twofactor": "on"}
    client.post(reverse("accounts:settings"), data)
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": PHONE})
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    subjects = [m.subject for m in notices(coworker.email)]
    assert subjects == [
        "Customer Portal: two-factor authentication turned on",
        "Customer Portal: two-factor authentication turned off",
    ]
    for message in notices():
        assert_safe(message)


def test_a_new_email_address_is_told_at_the_old_and_the_new(client, coworker, acme, outbox):
    verified_login(client, coworker)

    client.post(reverse("accounts:settings"), {"email": "carl@new.example", "phone": PHONE})

    told = {tuple(m.to): m.subject for m in notices()}
    assert told == {
        ("carl@example.com",): "Customer Portal: your email address was changed",
        ("carl@new.example",): "Customer Portal: your email address was changed",
    }
    assert "c•••@new.example" in notices("carl@example.com")[0].body
    for message in notices():
        assert_safe(message)


def test_a_new_phone_number_is_told(client, coworker, acme, outbox):
    verified_login(client, coworker)

    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035550177"})

    [message] = notices(coworker.email)
    assert message.subject == "Customer Portal: your phone number was changed"
    assert mask_destination("+13035550177") in message.body
    assert "+13035550177" not in message.body
    assert_safe(message)


def test_every_administrator_is_told_when_the_account_turns_2fa_off(
    client, admin_user, coworker, make_user, acme, outbox
):
    second = make_user("bea", acme, admin=True)
    twofactor_on(acme)
    verified_login(client, admin_user)

    client.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "sms"})
    client.post(reverse("enterprise:twofactor"), {"channel": "sms"})

    for admin in (admin_user, second):
        subjects = [m.subject for m in notices(admin.email)]
        assert subjects == [
            "Customer Portal: the 2FA channel of Acme changed to SMS",
            "Customer Portal: two-factor authentication was turned off for Acme",
        ]
    assert notices(coworker.email) == []
    for message in notices():
        assert_safe(message)


def test_a_new_email_while_codes_go_by_phone_does_not_say_codes_moved(
    client, coworker, acme, outbox
):
    """The step-up went to the phone, which stays where codes go: the page
    and the audit log must not claim the codes moved."""
    from enterprise.models import AuditEvent
    from tests.code_step import page_text

    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)
    data = {"email": "carl@new.example", "phone": PHONE, "twofactor": "on"}
    client.post(reverse("accounts:settings"), data)

    response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)}, follow=True)

    assert "Your settings were saved." in page_text(response)
    assert "Codes now go to your new email or phone number" not in page_text(response)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DESTINATION_CHANGED).exists()
