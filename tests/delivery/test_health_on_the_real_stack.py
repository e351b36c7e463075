"""/health/ready on the real stack: a real worker's heartbeat and a real
beat's tick make it 200; once the worker stops, it turns 503 within a minute
(the heartbeat ages past HEALTH_WORKER_MAX_AGE, 60 s, as in production). On
a Redis database of its own, so no other test's worker keeps it alive."""

import subprocess
import time

import pytest

from tests.delivery.parts import BASE_DIR, CELERY, REDIS_HOST, REDIS_PORT, wait_for
from tests.stand_ins.processes import stop

pytestmark = [pytest.mark.delivery, pytest.mark.django_db(transaction=True)]
BROKER = f"redis://{REDIS_HOST}:{REDIS_PORT}/11"


def test_ready_follows_the_worker(client, settings, worker_env, worker_logs, start_worker):
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    settings.CELERY_BROKER_URL = BROKER
    queue = "portal-health-test"
    env = {"CELERY_BROKER_URL": BROKER}
    worker = start_worker(queue, extra_env=env)
    log = open(worker_logs / "health-beat.log", "w")  # noqa: SIM115 (closed below)
    beat = subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "portal",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(worker_logs / "health-beat-schedule"),
        ],
        cwd=BASE_DIR,
        env={**worker_env, **env, "PORTAL_TEST_QUEUE": queue},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        ready = wait_for(
            lambda: client.get("/health/ready").status_code == 200,
            timeout=30,
            what="/health/ready to answer 200 with the worker and beat running",
        )
        assert ready
        body = client.get("/health/ready").json()
        assert body["checks"]["worker"]["heartbeat_age_s"] <= settings.HEALTH_HEARTBEAT_EVERY

        worker.stop()
        stopped = time.monotonic()
        wait_for(
            lambda: client.get("/health/ready").status_code == 503,
            timeout=65,
            interval=1,
            what="/health/ready to turn 503 after the worker stopped",
        )
        assert time.monotonic() - stopped <= 61
        failing = client.get("/health/ready").json()["checks"]
        assert failing["worker"]["ok"] is False and failing["database"]["ok"] is True
    finally:
        stop(beat)
        log.close()
        # Shown by pytest only when the test failed.
        print(client.get("/health/ready").json())
        redis.Redis.from_url(BROKER).flushdb()
