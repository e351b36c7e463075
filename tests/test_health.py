"""Health endpoints (docs/OPERATIONS.md) through the test client: /health/live
answers; /health/ready checks the database, and, with a broker, Redis, a
worker's heartbeat and beat's tick; 503 when one fails; never a secret. The
real worker and beat: tests/delivery/test_health_on_the_real_stack.py."""

import json
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

REDIS = "redis://127.0.0.1:6379/14"


@pytest.fixture
def broker(settings):
    import redis

    settings.CELERY_BROKER_URL = REDIS
    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis at 127.0.0.1:6379 does not answer")
    client.flushdb()
    yield client
    client.flushdb()


def test_live_answers(client, db):
    answer = client.get("/health/live")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_ready_without_a_broker_asks_only_the_database(client, db, settings):
    settings.CELERY_BROKER_URL = ""

    answer = client.get("/health/ready")

    assert answer.status_code == 200
    checks = answer.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["worker"]["detail"] == "not used: tasks run in-process"


def test_ready_with_a_fresh_worker_and_beat(client, db, broker):
    broker.set("portal:health:worker:w1@host", time.time())
    broker.set("portal:health:beat", time.time())

    answer = client.get("/health/ready")

    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "ok"


def test_a_stale_heartbeat_is_a_503(client, db, broker, settings):
    broker.set("portal:health:worker:w1@host", time.time() - settings.HEALTH_WORKER_MAX_AGE - 1)
    broker.set("portal:health:beat", time.time())

    answer = client.get("/health/ready")

    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "fail" and body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["heartbeat_age_s"] >= settings.HEALTH_WORKER_MAX_AGE


def test_no_beat_tick_is_a_503(client, db, broker):
    broker.set("portal:health:worker:w1@host", time.time())

    answer = client.get("/health/ready")

    assert answer.status_code == 503 and answer.json()["checks"]["beat"]["ok"] is False


def test_redis_away_is_a_503_without_its_address(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://:s3cret@127.0.0.1:9/0"

    answer = client.get("/health/ready")

    assert answer.status_code == 503
    text = answer.content.decode()
    assert "s3cret" not in text and "127.0.0.1" not in text and "redis://" not in text
    assert answer.json()["checks"]["redis"] == {"ok": False, "error": "ConnectionError"}


def test_the_command_prints_the_same_and_fails_when_not_ready(db, broker):
    out = StringIO()
    with pytest.raises(CommandError, match="not ready"):
        call_command("health", stdout=out)
    assert json.loads(out.getvalue())["checks"]["worker"]["ok"] is False

    broker.set("portal:health:worker:w1@host", time.time())
    broker.set("portal:health:beat", time.time())
    out = StringIO()
    call_command("health", stdout=out)
    assert json.loads(out.getvalue())["status"] == "ok"
