"""Guide A3 "Tell your co-workers": Email every co-worker shows the email and
who gets it first; Send emails only the co-workers who have not turned 2FA
on, each told what they must do; the send is audited with its count."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import page_text
from tests.fixtures import log_in
from twofactor.models import CodeDevice

NOTIFY = reverse("enterprise:notify")
User = get_user_model()


def enrol(user, *, confirmed=True):
    CodeDevice.objects.update_or_create(
        user=user, defaults={"enrolled": True, "confirmed": confirmed, "name": "code"}
    )


@pytest.fixture
def team(acme, admin_user, coworker, make_user):
    """ada (administrator), carl (phone), dora (no phone), erin (2FA on),
    fred (Verification required), gus (inactive)."""
    acme.twofactor_enabled, acme.twofactor_channel = True, "sms"
    acme.save()
    make_user("dora", acme)
    enrol(make_user("erin", acme, phone="+13035551288"))
    enrol(make_user("fred", acme, phone="+13035551277"), confirmed=False)
    gus = make_user("gus", acme)
    gus.is_active = False
    gus.save()
    return acme


@pytest.fixture
def ada(client, admin_user, team):
    log_in(client, admin_user)
    return client


def test_it_previews_before_sending_anything(ada):
    response = ada.get(NOTIFY)

    text = page_text(response)
    assert response.status_code == 200
    assert "This will email 2 co-workers who have not turned on two-factor authentication." in text
    assert "1 of them has no phone number: their copy asks them to add one first" in text
    # The example is dora's copy (the one that asks for a phone number), as she reads it.
    assert "The email as dora will read it" in text
    assert "Subject: Two-factor authentication is available for your Customer Portal login" in text
    assert "To: dora@example.com" in text
    assert "add your phone number first" in text
    assert 'value="send"' in response.content.decode()
    assert "Send 2 emails" in text
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.COWORKERS_NOTIFIED).exists()


def test_the_tab_button_keeps_the_guides_name_and_needs_no_javascript(ada):
    tab = ada.get(reverse("enterprise:twofactor")).content.decode()

    # A plain GET form: the preview opens without JavaScript.
    form = f'<form method="get" action="{NOTIFY}">'
    assert form + '<button type="submit" class="secondary">Email every co-worker</button>' in tab


def test_a_post_without_the_confirmation_only_previews(ada):
    response = ada.post(NOTIFY)

    assert "This will email 2 co-workers" in page_text(response)
    assert mail.outbox == []


def test_send_reaches_only_active_coworkers_without_2fa_and_not_the_sender(ada):
    response = ada.post(NOTIFY, {"confirm": "send"}, follow=True)

    assert "A notice is on its way to 2 co-workers." in page_text(response)
    # Not ada (sends), erin (Enabled), fred (Verification required), gus (inactive).
    assert sorted(m.to[0] for m in mail.outbox) == ["carl@example.com", "dora@example.com"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.COWORKERS_NOTIFIED)
    assert event.actor.username == "ada"
    assert event.detail == "2 co-workers without two-factor authentication emailed"


def test_each_copy_says_what_that_person_must_do(ada):
    ada.post(NOTIFY, {"confirm": "send"})

    body = {m.to[0]: m.body for m in mail.outbox}
    dora, carl = body["dora@example.com"], body["carl@example.com"]
    assert "You have no phone number in the Customer Portal, and codes go by SMS" in dora
    assert "add your phone number first, then turn on two-factor authentication" in dora
    assert "In Phone number, enter your mobile number in E.164 format" in dora
    assert "no phone number" not in carl
    assert "Check that your email address and phone number are correct." in carl
    assert "Under Status, select the check box" in carl


def test_by_email_nobody_is_asked_for_a_phone_number(ada, team):
    team.twofactor_channel = "email"
    team.save()

    text = page_text(ada.get(NOTIFY))
    ada.post(NOTIFY, {"confirm": "send"})

    assert "has no phone number" not in text and "have no phone number" not in text
    assert all("You have no phone number" not in m.body for m in mail.outbox)


def test_one_recipient_reads_singular(ada):
    enrol(User.objects.get(username="carl"))  # dora is left

    text = page_text(ada.get(NOTIFY))
    response = ada.post(NOTIFY, {"confirm": "send"}, follow=True)

    assert "This will email 1 co-worker who has not turned on two-factor authentication." in text
    assert "1 of them has no phone number" in text
    assert "Send 1 email" in text and "Send 1 emails" not in text
    assert "A notice is on its way to 1 co-worker." in page_text(response)
    assert [m.to[0] for m in mail.outbox] == ["dora@example.com"]


def test_nobody_left_to_email(ada, team):
    for user in team.users.exclude(username="ada"):
        enrol(user)

    text = page_text(ada.get(NOTIFY))
    response = ada.post(NOTIFY, {"confirm": "send"}, follow=True)

    assert (
        "Nobody to email: every co-worker has turned on two-factor authentication already." in text
    )
    assert "Nobody was emailed: every co-worker has turned it on already." in page_text(response)
    assert mail.outbox == []


def test_a_coworker_cannot_preview_or_send(client, coworker, team):
    log_in(client, coworker)

    assert client.get(NOTIFY).status_code == 403
    assert client.post(NOTIFY, {"confirm": "send"}).status_code == 403
    assert mail.outbox == []
