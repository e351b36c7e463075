"""Issue 3, acceptance 6: Twilio's status callbacks. A missing or altered
signature is refused (403); a valid one records the status once, however
often it is replayed; the pop-up shows the latest status, and what to do when
the code did not arrive.

The code is sent in-process here (locmem channel); the callbacks are what
Twilio would send for it, signed as Twilio signs them."""

import html

import pytest
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.delivery.parts import AUTH_TOKEN, STATUS_CALLBACK
from tests.fixtures import password_step
from tests.stand_ins.twilio_server import sign
from twofactor import reports
from twofactor.channels.twilio import CALL_NOT_DELIVERED, SMS_NOT_DELIVERED
from twofactor.models import Challenge, CodeDevice, DeliveryReport

URL = reverse("twofactor:twilio_status")


@pytest.fixture
def sms_login(client, settings, make_enterprise, make_user, outbox):
    """A co-worker between password and code; the SMS went out."""
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    enterprise = make_enterprise("Acme", enabled=True, channel="sms")
    user = make_user("carl", enterprise, phone="+13035551299")
    CodeDevice.objects.create(user=user, enrolled=True, confirmed=True, name="code")
    password_step(client, user, js="1")
    challenge = Challenge.objects.get(user=user)
    assert challenge.provider_id == outbox[-1]["provider_id"]
    return challenge


def fields(challenge, status, **extra):
    return {
        "AccountSid": "AC" + "0" * 32,
        "ApiVersion": "2010-04-01",
        "MessageSid": challenge.provider_id,
        "SmsSid": challenge.provider_id,
        "MessageStatus": status,
        "SmsStatus": status,
        "From": "+15005550006",
        "To": challenge.destination,
        **extra,
    }


def post(client, data, signature=None):
    headers = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}
    return client.post(URL, data, **headers)


def popup(client) -> dict:
    return client.get(reverse("twofactor:status", args=["login"])).json()


def test_it_refuses_a_callback_without_a_signature(client, sms_login):
    response = post(client, fields(sms_login, "delivered"))

    assert response.status_code == 403
    assert not DeliveryReport.objects.exists()
    assert popup(client)["delivery"] == "Sent"


def test_it_refuses_a_callback_with_an_altered_signature_or_field(client, sms_login):
    data = fields(sms_login, "delivered")
    signature = sign(AUTH_TOKEN, STATUS_CALLBACK, data)
    forged = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")

    assert post(client, data, forged).status_code == 403
    assert post(client, {**data, "MessageStatus": "failed"}, signature).status_code == 403
    assert post(client, data, sign("another-token", STATUS_CALLBACK, data)).status_code == 403
    assert not DeliveryReport.objects.exists()


def test_the_signature_covers_the_public_url_not_the_one_behind_the_proxy(client, sms_login):
    data = fields(sms_login, "delivered")
    internal = "http://testserver" + URL  # what Django sees behind a proxy

    assert post(client, data, sign(AUTH_TOKEN, internal, data)).status_code == 403
    assert post(client, data, sign(AUTH_TOKEN, STATUS_CALLBACK, data)).status_code == 204


def test_a_valid_callback_records_the_status_and_the_pop_up_shows_it(client, sms_login):
    data = fields(sms_login, "delivered")

    response = post(client, data, sign(AUTH_TOKEN, STATUS_CALLBACK, data))

    assert response.status_code == 204
    report = DeliveryReport.objects.get()
    assert (report.provider_id, report.status, report.delivery) == (
        sms_login.provider_id,
        "delivered",
        "delivered",
    )
    sms_login.refresh_from_db()
    assert sms_login.delivery == Challenge.Delivery.DELIVERED
    assert popup(client) == {"ok": True, "delivery": "Delivered", "failure": "", "fallback": False}
    assert "Delivery: Delivered" in client.get(reverse("login_verify")).content.decode()


def test_the_same_callback_twice_is_recorded_once(client, sms_login):
    data = fields(sms_login, "undelivered", ErrorCode="30003")
    signature = sign(AUTH_TOKEN, STATUS_CALLBACK, data)

    first = post(client, data, signature)
    replay = post(client, data, signature)

    assert (first.status_code, replay.status_code) == (204, 204)
    assert DeliveryReport.objects.count() == 1
    failed = AuditEvent.objects.filter(action=AuditEvent.Action.DELIVERY_FAILED)
    assert failed.count() == 1
    assert failed.get().detail == "sms: provider reported undelivered (30003)"


def test_an_undelivered_sms_tells_the_person_what_to_do(client, sms_login):
    data = fields(sms_login, "undelivered", ErrorCode="30003")

    post(client, data, sign(AUTH_TOKEN, STATUS_CALLBACK, data))

    status = popup(client)
    assert status == {
        "ok": True,
        "delivery": "Undelivered",
        "failure": SMS_NOT_DELIVERED["30003"],
        "fallback": False,  # the administrator has not allowed other channels
    }
    page = html.unescape(client.get(reverse("login_verify")).content.decode())
    assert SMS_NOT_DELIVERED["30003"] in page
    assert "Resend" in page


def test_a_late_or_out_of_order_status_never_moves_the_pop_up_back(client, sms_login):
    for status in ("sent", "delivered", "sent", "queued"):
        data = fields(sms_login, status)
        assert post(client, data, sign(AUTH_TOKEN, STATUS_CALLBACK, data)).status_code == 204

    assert DeliveryReport.objects.count() == 3
    assert popup(client)["delivery"] == "Delivered"


def test_a_report_that_beats_the_worker_is_applied_when_the_worker_catches_up(sms_login):
    provider_id = sms_login.provider_id
    Challenge.objects.filter(pk=sms_login.pk).update(
        provider_id="", delivery=Challenge.Delivery.SENDING
    )
    reports.delivery_report_record(
        provider_id=provider_id, status="delivered", delivery="delivered"
    )
    Challenge.objects.filter(pk=sms_login.pk).update(
        provider_id=provider_id, delivery=Challenge.Delivery.SENT
    )

    reports.challenge_delivery_catch_up(provider_id=provider_id)

    sms_login.refresh_from_db()
    assert sms_login.delivery == Challenge.Delivery.DELIVERED


def test_an_unanswered_call_tells_the_person_to_resend(client, sms_login):
    Challenge.objects.filter(pk=sms_login.pk).update(channel="voice", provider_id="CA" + "1" * 32)
    data = {"AccountSid": "AC" + "0" * 32, "CallSid": "CA" + "1" * 32, "CallStatus": "no-answer"}

    assert post(client, data, sign(AUTH_TOKEN, STATUS_CALLBACK, data)).status_code == 204

    assert popup(client)["failure"] == CALL_NOT_DELIVERED["no-answer"]


def test_only_post_is_allowed(client, sms_login):
    assert client.get(URL).status_code == 405
