"""Issue 3, acceptance 5: Redis stops while people log in. The code cannot be
queued: the person is told so with a 503 (never a 500), is not logged in,
and the event is in the audit log."""

import html
import time

import pytest
from django.test import Client

from enterprise.models import AuditEvent
from tests.delivery.parts import own_redis, web_broker
from tests.fixtures import password_step
from twofactor.models import Challenge

pytestmark = [pytest.mark.delivery, pytest.mark.django_db(transaction=True)]
MESSAGE = "We couldn't send your code right now. Try again in a minute."


def test_a_login_while_redis_is_down_answers_503_and_is_audited(
    redis_server_binary, providers, code_user
):
    user = code_user("sms")
    with own_redis(redis_server_binary) as (redis_server, url), web_broker(url, "portal-own"):
        before = password_step(Client(), user)
        assert before.status_code == 302  # Redis up: the code is queued

        redis_server.kill()
        redis_server.wait(timeout=10)
        client = Client()
        started = time.monotonic()
        response = password_step(client, user, js="1")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert MESSAGE in html.unescape(response.content.decode())
    assert elapsed < 5, f"the 503 took {elapsed:.1f} s"
    assert "_auth_user_id" not in client.session
    assert "twofactor_flow" not in client.session
    failed = AuditEvent.objects.filter(action=AuditEvent.Action.DELIVERY_FAILED, target=user)
    assert failed.count() == 1
    assert failed.get().detail == "delivery queue unavailable"
    last = Challenge.objects.filter(user=user).latest("created_at")
    assert last.delivery == Challenge.Delivery.FAILED
    assert last.status == Challenge.Status.SUPERSEDED
