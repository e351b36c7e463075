"""docs/BEHAVIOUR.md: every code sent, first or resend, counts toward at most 10 codes per
user per hour and 10 per destination per hour. Past a limit the person is
told when they can try again (HTTP 429), and nothing is sent."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse

from tests.code_step import T0, is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from twofactor.models import Challenge

COOLDOWN = timedelta(seconds=30)
TRY_AGAIN = "Too many codes were sent in the last hour. Try again at 13:00:00 UTC."


def ten_codes(client, user, time_machine, *, first=1):
    """A login and Resends until the user has had codes number first..10."""
    password_step(client, user)
    for _ in range(first, 10):
        time_machine.shift(COOLDOWN)
        assert client.post(reverse("login_resend")).status_code == 302


def test_the_eleventh_code_in_an_hour_is_refused(client, coworker, acme, outbox, time_machine):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    ten_codes(client, coworker, time_machine)
    assert len(outbox) == 10
    time_machine.shift(COOLDOWN)

    resend = client.post(reverse("login_resend"))
    json = client.post(reverse("login_resend"), HTTP_ACCEPT="application/json")
    new_login = password_step(Client(), coworker)

    assert resend.status_code == 429 and TRY_AGAIN in page_text(resend)
    assert json.status_code == 429 and json.json()["message"] == TRY_AGAIN
    assert new_login.status_code == 429 and TRY_AGAIN in page_text(new_login)
    assert len(outbox) == 10
    assert Challenge.objects.count() == 10


def test_the_last_code_sent_still_works_past_the_limit(
    client, coworker, acme, outbox, time_machine
):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    ten_codes(client, coworker, time_machine)
    time_machine.shift(COOLDOWN)
    client.post(reverse("login_resend"))

    response = client.post(reverse("login_verify"), {"code": last_code(outbox)})

    assert response.status_code == 302 and is_logged_in(client)


def test_a_code_can_be_sent_again_when_the_first_leaves_the_hour(
    client, coworker, acme, outbox, time_machine
):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    ten_codes(client, coworker, time_machine)
    time_machine.move_to(T0 + timedelta(hours=1) - timedelta(seconds=1), tick=False)
    assert password_step(Client(), coworker).status_code == 429

    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    again = Client()
    response = password_step(again, coworker)

    assert response.status_code == 302 and len(outbox) == 11
    assert again.post(reverse("login_verify"), {"code": last_code(outbox)}).status_code == 302


def test_the_users_ten_count_codes_to_every_destination(coworker, acme, outbox, time_machine):
    twofactor_on(acme, coworker, channel="email")
    time_machine.move_to(T0, tick=False)
    ten_codes(Client(), coworker, time_machine, first=5)  # 6 codes by email
    acme.twofactor_channel = "sms"  # the administrator changes the channel
    acme.save()
    by_sms = Client()
    ten_codes(by_sms, coworker, time_machine, first=7)  # 4 codes by SMS
    assert [m["channel"] for m in outbox] == ["email"] * 6 + ["sms"] * 4
    time_machine.shift(COOLDOWN)

    resend = by_sms.post(reverse("login_resend"))

    # Neither destination had 10 codes: it is the user who reached the limit.
    assert resend.status_code == 429 and TRY_AGAIN in page_text(resend)
    assert len(outbox) == 10


def test_two_users_sharing_a_phone_share_its_ten_codes(make_user, acme, outbox, time_machine):
    ana = make_user("ana", acme, phone="+13035550100")
    ben = make_user("ben", acme, phone="+13035550100")
    twofactor_on(acme, ana, ben, channel="sms")
    time_machine.move_to(T0, tick=False)
    ten_codes(Client(), ana, time_machine, first=5)  # 6 codes for ana
    ben_client = Client()
    ten_codes(ben_client, ben, time_machine, first=7)  # 4 codes for ben
    assert len(outbox) == 10 and {m["to"] for m in outbox} == {"+13035550100"}
    time_machine.shift(COOLDOWN)

    ben_resend = ben_client.post(reverse("login_resend"))
    ana_login = password_step(Client(), ana)

    # Ben has had only 4 codes: it is the phone number that reached its limit.
    assert ben_resend.status_code == 429 and TRY_AGAIN in page_text(ben_resend)
    assert ana_login.status_code == 429 and TRY_AGAIN in page_text(ana_login)
    assert len(outbox) == 10


def test_another_users_codes_to_another_destination_do_not_count(
    make_user, acme, outbox, time_machine
):
    ana = make_user("ana", acme, phone="+13035550100")
    ben = make_user("ben", acme, phone="+13035550101")
    twofactor_on(acme, ana, ben, channel="sms")
    time_machine.move_to(T0, tick=False)
    ten_codes(Client(), ana, time_machine)

    response = password_step(Client(), ben)

    assert response.status_code == 302
    assert outbox[-1]["to"] == "+13035550101"


def test_codes_for_changes_count_toward_the_same_limit(
    client, coworker, acme, outbox, time_machine
):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    ten_codes(Client(), coworker, time_machine, first=2)  # 9 login codes
    verified_login(client, coworker)
    time_machine.shift(COOLDOWN)
    first = client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": ""})
    time_machine.shift(COOLDOWN)

    second = client.post(reverse("twofactor:resend"))

    assert first.status_code == 302 and len(outbox) == 10
    assert second.status_code == 429 and TRY_AGAIN in page_text(second)
    assert len(outbox) == 10


def test_a_change_past_the_limit_is_refused_on_its_own_page(
    client, coworker, acme, outbox, time_machine
):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    ten_codes(Client(), coworker, time_machine)
    verified_login(client, coworker)

    response = client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": ""})

    assert response.status_code == 429
    assert TRY_AGAIN in page_text(response)
    assert len(outbox) == 10
    coworker.twofactor_device.refresh_from_db()
    assert coworker.twofactor_device.enrolled is True
