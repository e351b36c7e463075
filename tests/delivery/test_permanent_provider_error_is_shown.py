"""Issue 3, acceptance 3: Twilio refuses the number (400, error 21211). The
code is not retried, the challenge is failed and the pop-up says what to do."""

import html

import pytest

from enterprise.models import AuditEvent
from tests.delivery.parts import wait_for
from tests.fixtures import password_step
from twofactor.channels.twilio import PERMANENT_ERRORS
from twofactor.models import Challenge

pytestmark = [pytest.mark.delivery, pytest.mark.django_db(transaction=True)]


def test_an_invalid_number_fails_the_code_and_the_pop_up_says_so(
    client, live_delivery, providers, code_user
):
    twilio, _ = providers
    user = code_user("sms", phone="+13035550100")
    twilio.errors["+13035550100"] = 21211

    response = password_step(client, user, js="1")

    challenge = wait_for(
        lambda: Challenge.objects.filter(user=user, delivery=Challenge.Delivery.FAILED).first(),
        timeout=20,
        what="the challenge to be failed",
    )
    message = PERMANENT_ERRORS[21211]
    assert challenge.delivery_detail == message
    assert [r["status"] for r in twilio.received("Messages")] == [400]
    wait_for(
        lambda: AuditEvent.objects.filter(action="delivery_failed", target=user).exists(),
        timeout=10,
        what="the failure in the audit log",
    )
    assert AuditEvent.objects.filter(action="delivery_failed", target=user).count() == 1
    assert "_auth_user_id" not in client.session

    status = client.get("/twofactor/status/login/").json()
    assert status == {"ok": True, "delivery": "Failed", "failure": message, "fallback": False}
    for page in (response.url, "/login/verify/"):
        text = html.unescape(client.get(page).content.decode())
        assert "Two-Factor Authentication" in text
        assert message in text
        assert "Delivery: Failed" in text
