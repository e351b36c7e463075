"""Issue 3, acceptance 4: a worker is killed (SIGKILL) while it waits on the
provider. The task was never acknowledged (acks_late), so once a new worker
runs, Redis hands it over again and the code is sent."""

import pytest

from tests.delivery.parts import verify_code, wait_for, web_broker
from tests.fixtures import CODE_RE, password_step
from twofactor.models import Challenge

pytestmark = [pytest.mark.delivery, pytest.mark.django_db(transaction=True)]


def test_a_new_worker_sends_the_code_a_killed_worker_was_sending(
    client, providers, redis_broker, start_worker, code_user
):
    twilio, _ = providers
    broker_url, session_queue = redis_broker
    queue = f"{session_queue}-killed"  # the session's worker must not take it
    user = code_user("sms")
    first = start_worker(queue)
    twilio.latency = 5  # long enough to kill the worker mid-request

    with web_broker(broker_url, queue):
        assert password_step(client, user).status_code == 302
    wait_for(lambda: twilio.received("Messages"), timeout=20, what="the first worker to send")
    first.kill()
    twilio.latency = 0
    challenge = Challenge.objects.get(user=user)
    assert challenge.delivery == Challenge.Delivery.SENDING

    start_worker(queue)

    answered = wait_for(
        lambda: [r for r in twilio.received("Messages") if r["answered_at"]],
        timeout=30,
        what="the new worker to send the code",
    )
    assert len(answered) == 1
    challenge = wait_for(
        lambda: Challenge.objects.filter(user=user, delivery=Challenge.Delivery.SENT).first(),
        timeout=10,
        what="the challenge to be marked sent",
    )
    assert challenge.provider_id == answered[0]["sid"]
    assert not challenge.is_expired
    assert "_auth_user_id" not in client.session
    code = CODE_RE.search(answered[0]["form"]["Body"]).group(1)
    verified = verify_code(client, code).json()
    assert verified["ok"] is True, verified
    assert int(client.session["_auth_user_id"]) == user.pk
