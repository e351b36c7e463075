"""Issue 3, acceptance 2: the provider answers 503 three times; the worker
retries with backoff and the code still arrives, once, while it is valid."""

import pytest

from tests.delivery.parts import verify_code, wait_for
from tests.fixtures import CODE_RE, password_step
from twofactor.models import Challenge

pytestmark = [pytest.mark.delivery, pytest.mark.django_db(transaction=True)]


def test_it_retries_until_the_provider_accepts_one_message(
    client, live_delivery, providers, code_user
):
    twilio, _ = providers
    twilio.fail_first = 3
    user = code_user("sms")

    password_step(client, user)

    challenge = wait_for(
        lambda: Challenge.objects.filter(user=user, delivery=Challenge.Delivery.SENT).first(),
        timeout=20,
        what="the code to be sent after the 503s",
    )
    assert [r["status"] for r in twilio.received("Messages")] == [503, 503, 503, 201]
    [accepted] = twilio.accepted("Messages")
    assert accepted["sid"] == challenge.provider_id
    assert challenge.created_at.timestamp() < accepted["received_wall"]
    assert accepted["received_wall"] < challenge.expires_at.timestamp()

    assert verify_code(client, CODE_RE.search(accepted["form"]["Body"]).group(1)).json()["ok"]
    assert int(client.session["_auth_user_id"]) == user.pk
