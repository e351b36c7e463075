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
    assert "Nobody was emailed: every co-worker has turned it on already" in page_text(response)
    assert mail.outbox == []


def test_a_coworker_cannot_preview_or_send(client, coworker, team):
    log_in(client, coworker)

    assert client.get(NOTIFY).status_code == 403
    assert client.post(NOTIFY, {"confirm": "send"}).status_code == 403
    assert mail.outbox == []


def test_a_script_repeating_send_emails_each_coworker_once(ada):
    """Red-team finding: twenty confirmed POSTs (a double click, a stolen
    administrator session, a script) sent twenty copies to each co-worker."""
    for _ in range(20):
        ada.post(NOTIFY, {"confirm": "send"})

    copies = sorted(address for message in mail.outbox for address in message.to)
    assert copies == ["carl@example.com", "dora@example.com"]
    text = page_text(ada.get(NOTIFY))
    assert "Nobody to email now: the 2 co-workers who have not turned on two-factor" in text
    assert "were emailed in the last 24 hours" in text


def test_a_day_later_the_same_people_may_be_emailed_again(team, admin_user, time_machine):
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    def send_at(moment):
        time_machine.move_to(moment, tick=False)
        client = Client()  # a session lasts 12 hours at most
        log_in(client, admin_user)
        assert client.post(NOTIFY, {"confirm": "send"}).status_code == 302

    start = timezone.now()
    send_at(start)
    send_at(start + timedelta(hours=23))
    assert len(mail.outbox) == 2
    send_at(start + timedelta(hours=24, seconds=1))
    assert len(mail.outbox) == 4


def test_a_new_coworker_is_emailed_though_the_others_were_today(ada, acme, make_user):
    ada.post(NOTIFY, {"confirm": "send"})
    make_user("hana", acme)

    text = page_text(ada.get(NOTIFY))
    assert "This will email 1 co-worker who has not turned on two-factor authentication." in text
    assert "2 other co-workers were emailed in the last 24 hours and are not emailed again." in text
    ada.post(NOTIFY, {"confirm": "send"})
    assert [m.to for m in mail.outbox][-1] == ["hana@example.com"]


def test_an_email_says_a_name_as_it_was_typed(ada, acme, admin_user):
    """Red-team finding: plain-text emails went through HTML autoescaping, so
    "O'Brien & <Sons>" arrived as "O&#x27;Brien &amp; &lt;Sons&gt;"."""
    admin_user.first_name, admin_user.last_name = "Ada", "O'Brien & <Sons>"
    admin_user.save()
    # The preview shows the words escaped once, for the page.
    html = ada.get(NOTIFY).content.decode()
    assert "O&#x27;Brien &amp; &lt;Sons&gt;" in html and "<Sons>" not in html

    ada.post(NOTIFY, {"confirm": "send"})

    [dora] = [m for m in mail.outbox if m.to == ["dora@example.com"]]
    assert "Ada O'Brien & <Sons>" in dora.body
    assert "&#x27;" not in dora.body and "&amp;" not in dora.body
