"""Issue 3, acceptance 1: SMS, voice and email each arrive with the right
words, through a real worker, Redis, the Twilio stand-in and an SMTP server,
and the code in them logs the person in."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.delivery.parts import AUTH_TOKEN, FROM_NUMBER, STATUS_CALLBACK, verify_code, wait_for
from tests.fixtures import CODE_RE, password_step
from tests.stand_ins.twilio_server import sign, status_callback_fields
from twofactor.models import Challenge

pytestmark = [pytest.mark.delivery, pytest.mark.django_db(transaction=True)]


def test_it_texts_the_code_with_the_webotp_line_and_the_code_logs_in(
    client, live_delivery, providers, code_user
):
    twilio, _ = providers
    user = code_user("sms")

    response = password_step(client, user, js="1")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    [sms] = wait_for(lambda: twilio.accepted("Messages"), timeout=20, what="the SMS")
    form = sms["form"]
    assert sms["auth_ok"]
    assert form["To"] == "+13035551299"
    assert form["From"] == FROM_NUMBER
    code = CODE_RE.search(form["Body"]).group(1)
    assert form["Body"] == (
        f"Your Customer Portal verification code is {code}. It expires in 10 minutes."
        f"\n\n@127.0.0.1 #{code}"
    )
    assert form["StatusCallback"] == STATUS_CALLBACK

    # Twilio reports the SMS delivered; the pop-up says so.
    fields = status_callback_fields(sms, "delivered")
    callback = client.post(
        reverse("twofactor:twilio_status"),
        fields,
        HTTP_X_TWILIO_SIGNATURE=sign(AUTH_TOKEN, STATUS_CALLBACK, fields),
    )
    assert callback.status_code == 204
    status = wait_for(
        lambda: client.get("/twofactor/status/login/").json()["delivery"] == "Delivered",
        timeout=10,
        what="the pop-up to show Delivered",
    )
    assert status

    assert verify_code(client, code).json() == {"ok": True, "redirect": reverse("home")}
    assert int(client.session["_auth_user_id"]) == user.pk


def test_it_calls_and_reads_the_digits_twice_and_the_code_logs_in(
    client, live_delivery, providers, code_user
):
    twilio, _ = providers
    user = code_user("voice")

    password_step(client, user)

    [call] = wait_for(lambda: twilio.accepted("Calls"), timeout=20, what="the call")
    form = call["form"]
    assert call["auth_ok"]
    assert (form["To"], form["From"]) == ("+13035551299", FROM_NUMBER)
    # The TwiML travels with the call: no URL Twilio would fetch it from.
    assert "Url" not in form
    assert form["StatusCallback"] == STATUS_CALLBACK
    twiml = ET.fromstring(form["Twiml"])  # noqa: S314 (the portal's own TwiML)
    spoken = [say.text for say in twiml.iter("Say")]
    digits = [text for text in spoken if text.isdigit()]
    assert len(digits) == 12 and digits[:6] == digits[6:]
    assert all(len(digit) == 1 for digit in digits)
    code = "".join(digits[:6])

    assert verify_code(client, code).json()["ok"] is True
    assert int(client.session["_auth_user_id"]) == user.pk


def test_it_emails_the_code_over_smtp_and_the_code_logs_in(
    client, live_delivery, providers, code_user
):
    _, smtp = providers
    user = code_user("email")

    password_step(client, user)

    [email] = wait_for(lambda: smtp.to(user.email), timeout=20, what="the email")
    assert email["Subject"] == "Your Customer Portal verification code"
    assert email["From"] == "Customer Portal <codes@portal.test>"
    assert email["To"] == user.email
    body = email.get_content()
    code = CODE_RE.search(body).group(1)
    assert f"Your Customer Portal verification code is {code}." in body
    assert "It expires in 10 minutes" in body
    wait_for(
        lambda: Challenge.objects.get(user=user).delivery == Challenge.Delivery.SENT,
        timeout=10,
        what="the challenge to be marked sent",
    )

    assert verify_code(client, code).json()["ok"] is True
    assert int(client.session["_auth_user_id"]) == user.pk
