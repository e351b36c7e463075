"""Fixtures for the delivery tests: Redis from the machine, a real
`celery -A portal worker` process on the test database, an SMTP server and a
Twilio stand-in of ours on 127.0.0.1 (see parts.py)."""

import shutil
import uuid

import pytest

from tests.delivery.parts import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CELERY,
    REDIS_DB,
    REDIS_HOST,
    REDIS_PORT,
    Worker,
    delivery_env,
    queue_idle,
    real_part_missing,
    wait_for,
    web_broker,
)
from tests.stand_ins.twilio_server import TwilioStandIn


@pytest.fixture(scope="session")
def redis_broker():
    """(broker URL, queue name) on the machine's Redis."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        real_part_missing(f"Redis at {REDIS_HOST}:{REDIS_PORT} ({type(exc).__name__})")
    queue = f"portal-test-{uuid.uuid4().hex[:12]}"
    yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}", queue
    for key in client.scan_iter(f"*{queue}*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="session")
def redis_client(redis_broker):
    import redis

    client = redis.Redis.from_url(redis_broker[0])
    yield client
    client.close()


@pytest.fixture(scope="session")
def redis_server_binary():
    path = shutil.which("redis-server")
    if path is None:
        real_part_missing("the redis-server program (for a Redis of the test's own)")
    return path


@pytest.fixture(scope="session")
def twilio_stand_in():
    server = TwilioStandIn(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_stand_in():
    try:
        from tests.stand_ins.smtp_server import SMTPStandIn
    except ImportError as exc:
        real_part_missing(f"aiosmtpd ({exc})")
    server = SMTPStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def providers(twilio_stand_in, smtp_stand_in, settings):
    """The stand-ins, fresh for the test. The web side checks status
    callbacks with the auth token the stand-in signs them with."""
    twilio_stand_in.reset()
    smtp_stand_in.reset()
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    yield twilio_stand_in, smtp_stand_in
    twilio_stand_in.reset()


@pytest.fixture(scope="session")
def worker_env(django_db_setup, redis_broker, twilio_stand_in, smtp_stand_in):
    """What a worker process needs to send for real through the stand-ins."""
    if not CELERY.exists():
        real_part_missing(f"the celery program ({CELERY})")
    broker_url, queue = redis_broker
    return delivery_env(
        broker_url=broker_url, queue=queue, twilio=twilio_stand_in, smtp=smtp_stand_in
    )


@pytest.fixture(scope="session")
def worker_logs(tmp_path_factory):
    return tmp_path_factory.mktemp("workers")


@pytest.fixture(scope="session")
def worker(worker_env, worker_logs, redis_broker):
    """One worker for the session, on the session's queue."""
    process = Worker(worker_env, worker_logs, queue=redis_broker[1])
    try:
        yield process.wait_ready()
    finally:
        process.stop()


@pytest.fixture
def start_worker(worker_env, worker_logs):
    """Start workers of the test's own; all are stopped after the test."""
    started: list[Worker] = []

    def start(queue: str, **options) -> Worker:
        process = Worker(worker_env, worker_logs, queue=queue, **options)
        started.append(process)
        return process.wait_ready()

    yield start
    for process in started:
        process.stop()
        # Shown by pytest only when the test failed.
        print(f"----- log of worker {process.name} -----\n{process.log()}")


@pytest.fixture
def live_delivery(worker, redis_broker, redis_client, providers, transactional_db):
    """Codes are queued on Redis and sent by the session's worker. Afterwards
    the worker is let finish before the test database is emptied."""
    log_start = len(worker.log())
    with web_broker(*redis_broker):
        yield worker
    # Shown by pytest only when the test failed.
    print(f"----- log of the session's worker -----\n{worker.log()[log_start:]}")
    wait_for(
        lambda: queue_idle(redis_client, redis_broker[1]),
        timeout=20,
        what="the worker to finish the test's tasks",
    )


@pytest.fixture
def code_user(make_enterprise, make_user):
    """A co-worker who needs a code to log in, by `channel`."""
    from twofactor.models import CodeDevice

    def make(channel: str, *, username: str = "carl", phone: str = "+13035551299"):
        enterprise = make_enterprise(f"Acme {username}", enabled=True, channel=channel)
        user = make_user(username, enterprise, phone=phone)
        CodeDevice.objects.create(user=user, enrolled=True, confirmed=True, name="code")
        return user

    return make
