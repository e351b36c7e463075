"""A database error in the worker (a dropped connection, a lock that timed
out) is retried like a provider's 503, instead of losing the code with the
challenge stuck at "Queued"."""

import pytest
from django.db import OperationalError

from tests.fixtures import last_code, password_step
from twofactor import delivery
from twofactor.models import Challenge, CodeDevice


@pytest.mark.django_db
def test_a_database_error_while_sending_is_retried_and_the_code_arrives(
    client, monkeypatch, make_enterprise, make_user, outbox
):
    enterprise = make_enterprise("Acme", enabled=True, channel="sms")
    user = make_user("carl", enterprise, phone="+13035551299")
    CodeDevice.objects.create(user=user, enrolled=True, confirmed=True, name="code")
    deliver, calls = delivery.challenge_deliver, []

    def hiccup_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return deliver(**kwargs)

    monkeypatch.setattr(delivery, "challenge_deliver", hiccup_once)

    password_step(client, user)  # the task runs in this process here

    assert len(calls) == 2
    assert len(outbox) == 1
    assert Challenge.objects.get(user=user).delivery == Challenge.Delivery.SENT
    client.post("/login/verify/", {"code": last_code(outbox)})
    assert int(client.session["_auth_user_id"]) == user.pk
