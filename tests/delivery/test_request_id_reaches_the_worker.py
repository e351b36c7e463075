"""The request id of a login reaches the worker that sends its code: the
worker's log lines for that task carry it (LOG_FORMAT=json here: one JSON
object per line), and none of them holds the code or the full phone number."""

import json
import re

import pytest
from django.urls import reverse

from tests.delivery.parts import wait_for, web_broker
from tests.fixtures import CODE_RE, PASSWORD

pytestmark = [pytest.mark.delivery, pytest.mark.django_db(transaction=True)]
REQUEST_ID = "lb-7d1f00c0ffee42"


def test_the_worker_logs_the_logins_request_id(
    client, providers, redis_broker, start_worker, code_user
):
    twilio, _ = providers
    broker_url, session_queue = redis_broker
    queue = f"{session_queue}-logs"
    worker = start_worker(queue, extra_env={"LOG_FORMAT": "json"})
    user = code_user("sms")

    with web_broker(broker_url, queue):
        response = client.post(
            reverse("login"),
            {"username": user.username, "password": PASSWORD},
            HTTP_X_REQUEST_ID=REQUEST_ID,
        )
    assert response["X-Request-ID"] == REQUEST_ID
    [sms] = wait_for(lambda: twilio.accepted("Messages"), timeout=20, what="the SMS")
    code = CODE_RE.search(sms["form"]["Body"]).group(1)

    def task_lines():
        lines = [json.loads(line) for line in worker.log().splitlines() if line.startswith("{")]
        return [entry for entry in lines if entry.get("request_id") == REQUEST_ID]

    mine = wait_for(
        lambda: [e for e in task_lines() if "succeeded" in e["message"]],
        timeout=20,
        what="the task's log lines with the request id",
    )
    assert mine[0]["logger"].startswith("celery")
    log = worker.log()
    assert code not in re.sub(r"\[[0-9a-f-]{36}\]", "", log)
    assert "+13035551299" not in log
