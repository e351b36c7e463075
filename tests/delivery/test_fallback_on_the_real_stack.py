"""Allow other channels when a code does not arrive, on the real stack: a real
worker sends the SMS through the Twilio SDK to the stand-in; the stand-in's
status callback (signed as Twilio signs it) reports it undelivered; the
pop-up then offers Call me instead, and the call's code logs the person in.
A worker outage while the fallback is asked for loses nothing: the call's
task waits in Redis for the next worker."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.delivery.parts import AUTH_TOKEN, STATUS_CALLBACK, verify_code, wait_for, web_broker
from tests.fixtures import password_step
from tests.stand_ins.twilio_server import sign, status_callback_fields

pytestmark = [pytest.mark.delivery, pytest.mark.django_db(transaction=True)]


def fallback_user(code_user):
    user = code_user("sms")
    user.enterprise.allow_fallback = True
    user.enterprise.save(update_fields=["allow_fallback"])
    return user


def report(client, record, status: str, error_code: str = "") -> None:
    fields = status_callback_fields(record, status, error_code=error_code)
    answer = client.post(
        reverse("twofactor:twilio_status"),
        fields,
        HTTP_X_TWILIO_SIGNATURE=sign(AUTH_TOKEN, STATUS_CALLBACK, fields),
    )
    assert answer.status_code == 204


def pop_up(client) -> dict:
    return client.get(reverse("twofactor:status", args=["login"])).json()


def spoken_code(call) -> str:
    twiml = ET.fromstring(call["form"]["Twiml"])  # noqa: S314 (the portal's own TwiML)
    digits = [say.text for say in twiml.iter("Say") if say.text and say.text.isdigit()]
    return "".join(digits[:6])


def test_an_undelivered_sms_leads_to_a_call_whose_code_logs_in(
    client, live_delivery, providers, code_user
):
    twilio, _ = providers
    user = fallback_user(code_user)
    password_step(client, user, js="1")
    [sms] = wait_for(lambda: twilio.accepted("Messages"), timeout=20, what="the SMS")
    assert pop_up(client)["fallback"] is False

    report(client, sms, "undelivered", error_code="30003")

    status = wait_for(lambda: pop_up(client), timeout=10, what="the pop-up")
    assert status["delivery"] == "Undelivered" and status["fallback"] is True
    page = client.get(reverse("login_verify")).content.decode()
    assert "Call me instead" in page
    asked = client.post(reverse("login_fallback"), {"channel": "voice"})
    assert asked.status_code == 302
    [call] = wait_for(lambda: twilio.accepted("Calls"), timeout=20, what="the call")
    assert call["form"]["To"] == "+13035551299"

    assert verify_code(client, spoken_code(call)).json()["ok"] is True
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_worker_outage_does_not_lose_the_fallback(
    client, providers, redis_broker, start_worker, code_user
):
    twilio, _ = providers
    broker_url, session_queue = redis_broker
    queue = f"{session_queue}-fallback"  # the session's worker must not take it
    user = fallback_user(code_user)
    worker = start_worker(queue)
    with web_broker(broker_url, queue):
        password_step(client, user)
        [sms] = wait_for(lambda: twilio.accepted("Messages"), timeout=20, what="the SMS")
        worker.stop()  # the worker goes away
        report(client, sms, "failed", error_code="30008")
        assert client.post(reverse("login_fallback"), {"channel": "voice"}).status_code == 302
        assert twilio.accepted("Calls") == []

        start_worker(queue)  # a worker is back

        [call] = wait_for(lambda: twilio.accepted("Calls"), timeout=30, what="the call")
    assert verify_code(client, spoken_code(call)).json()["ok"] is True
    assert int(client.session["_auth_user_id"]) == user.pk
