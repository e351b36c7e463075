"""The real parts the delivery tests run, and helpers to wait on them.

A part that is missing skips the tests that need it, saying which; in CI
(PORTAL_REQUIRE_REAL_PARTS=1) it fails them instead, so nothing is quietly
left untested."""

import json
import os
import signal
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.stand_ins.processes import database_url, free_port, stop, wait_for

BASE_DIR = Path(settings.BASE_DIR)
REQUIRE_REAL_PARTS = os.environ.get("PORTAL_REQUIRE_REAL_PARTS") == "1"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# A database number of our own on the machine's Redis, and a queue name
# unique to each test session, so no other user of that Redis interferes.
REDIS_DB = 13
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "stand-in-auth-token-0123456789ab"
FROM_NUMBER = "+15005550006"
STATUS_CALLBACK = f"{settings.PORTAL_BASE_URL}/twofactor/twilio/status/"
WORKER_READY_TIMEOUT = 30
CELERY = Path(sys.executable).parent / "celery"


def real_part_missing(what: str) -> None:
    message = f"real part missing: {what}"
    if REQUIRE_REAL_PARTS:
        pytest.fail(f"{message} (PORTAL_REQUIRE_REAL_PARTS=1: CI must run every test)", False)
    pytest.skip(f"{message}; set it up (see .ci/run) to run the delivery tests")


def delivery_env(*, broker_url: str, queue: str, twilio, smtp) -> dict:
    """The environment of a process that sends for real through the stand-ins
    (a worker, beat, a served portal): the test database, `broker_url` and
    `queue`, the tests' secret key (the worker hashes the codes it draws; the
    web side checks them with the same key), SMTP and Twilio."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.delivery.worker_settings",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "DEBUG",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "PORTAL_TEST_QUEUE": queue,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "PORTAL_BASE_URL": settings.PORTAL_BASE_URL,
        "EMAIL_HOST": smtp.host,
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "DEFAULT_FROM_EMAIL": "Customer Portal <codes@portal.test>",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_MESSAGING_SERVICE_SID": "",
        "TWILIO_API_BASE_URL": twilio.base_url,
    }


def verify_code(client, code: str):
    """Enter the code in the pop-up, as its script does."""
    return client.post(reverse("login_verify"), {"code": code}, HTTP_ACCEPT="application/json")


# --- Redis ---------------------------------------------------------------------------


@contextmanager
def own_redis(binary: str):
    """A redis-server of the test's own on a free port; yields (process, URL)."""
    import redis

    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def answers():
        try:
            return redis.Redis(port=port, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    try:
        wait_for(answers, timeout=10, what="the test's own redis-server")
        yield process, f"redis://127.0.0.1:{port}/0"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


@contextmanager
def web_broker(url: str, queue: str):
    """The web side (this test process) queues to `url`, as it does when
    CELERY_BROKER_URL is set, instead of running tasks in-process."""
    from kombu import pools

    from portal.celery import app

    def drop_connections():
        # Connection and producer pools are made once per broker URL and kept
        # (by kombu, and by the app); a test's own Redis leaves them dead.
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    saved = {
        key: app.conf[key]
        for key in ("broker_url", "broker_write_url", "task_default_queue", "task_always_eager")
    }
    drop_connections()
    app.conf.broker_url = url
    app.conf.broker_write_url = None
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        drop_connections()
        app.conf.update(saved)


def queue_idle(client, queue: str) -> bool:
    """No task of `queue` waits in Redis or runs unacknowledged (acks_late:
    a task is acknowledged after its last write), so the database can be
    emptied for the next test without pulling it from under a worker."""
    if any(client.llen(key) for key in client.scan_iter(f"{queue}*", _type="list")):
        return False
    for raw in client.hvals("unacked"):
        _message, _exchange, routing_key = json.loads(raw)
        if routing_key == queue:
            return False
    return True


# --- the worker ----------------------------------------------------------------------


class Worker:
    """A `celery -A portal worker` process, started as production starts it
    (the pool and the flags of the Procfile), on `queue`."""

    def __init__(
        self,
        env: dict,
        log_dir: Path,
        *,
        queue: str,
        concurrency: int = 4,
        loglevel="DEBUG",
        extra_env: dict | None = None,
    ):
        self.queue = queue
        self.name = f"delivery-{uuid.uuid4().hex[:8]}"
        self.log_path = log_dir / f"{self.name}.log"
        command = [
            str(CELERY),
            "-A",
            "portal",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            str(concurrency),
            "--queues",
            queue,
            "--hostname",
            f"{self.name}@%h",
            "--loglevel",
            loglevel,
            # Remote control and neighbour discovery are not needed here and
            # slow the start down.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env={**env, "PORTAL_TEST_QUEUE": queue, "LOG_LEVEL": loglevel, **(extra_env or {})},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self) -> "Worker":
        def ready():
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited with {self.process.returncode}:\n{self.log()}")
            return " ready." in self.log()

        wait_for(ready, timeout=WORKER_READY_TIMEOUT, interval=0.1, what="the worker to start")
        return self

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no chance to acknowledge or give back."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        stop(self.process)
        self._log.close()
