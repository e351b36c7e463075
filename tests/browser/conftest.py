"""The portal served for real, and Chromium driving it.

Package-scoped, started once for tests/browser: gunicorn serving the portal on
127.0.0.1 against the test database, a `celery -A portal worker` on Redis that
sends every code, the Twilio stand-in and an SMTP server (tests/stand_ins)
that receive them, and Debian's Chromium driven by Playwright.

A part that is missing (Chromium, Playwright, Redis) skips every browser test
with the reason, printed again at the end of the run; in CI
(PORTAL_REQUIRE_REAL_PARTS=1) it fails them instead."""

import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from tests.browser.people import Inbox
from tests.stand_ins.processes import database_url, free_port, stop, wait_for
from tests.stand_ins.smtp_server import SMTPStandIn
from tests.stand_ins.twilio_server import TwilioStandIn

HERE = Path(__file__).resolve().parent
BASE_DIR = Path(settings.BASE_DIR)
REQUIRE_REAL_PARTS = os.environ.get("PORTAL_REQUIRE_REAL_PARTS") == "1"
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# A database number of our own on the machine's Redis, and a queue name unique
# to this run, so neither the delivery tests nor another run take our tasks.
REDIS_DB = 12
ACCOUNT_SID = "AC" + "fedcba9876543210" * 2
AUTH_TOKEN = "browser-stand-in-auth-token-0001"
FROM_NUMBER = "+15005550006"
START_TIMEOUT = 30
# Playwright's waits: long enough for a code to travel web -> Redis -> worker
# -> stand-in on a slow CI machine, short enough that a broken step fails fast.
STEP_TIMEOUT_MS = 10_000

_skip_reason: list[str] = []


def _missing_part() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    import redis

    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {REDIS_HOST}:{REDIS_PORT} does not answer ({type(exc).__name__})"
    return None


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if HERE in Path(str(item.fspath)).parents]
    if not mine:
        return
    for item in mine:
        item.add_marker(pytest.mark.browser)
    reason = _missing_part()
    if reason is None:
        return
    if REQUIRE_REAL_PARTS:
        # Fails in the fixture below: CI must run every browser test.
        return
    _skip_reason.append(reason)
    for item in mine:
        item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


def pytest_terminal_summary(terminalreporter):
    if not _skip_reason:
        return
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "browser tests skipped" in str(report.longrepr)
    ]
    terminalreporter.write_sep("=", "browser tests SKIPPED", yellow=True, bold=True)
    terminalreporter.write_line(
        f"{len(skipped)} browser tests did not run: {_skip_reason[0]}.\n"
        "Install what is missing to run them; CI (PORTAL_REQUIRE_REAL_PARTS=1) fails instead."
    )


class Process:
    """A child process whose output goes to a log file; stopped in teardown."""

    def __init__(self, name: str, command: list[str], *, env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"{self.name} exited with {self.process.returncode}:\n{self.log()}")

    def stop(self) -> None:
        stop(self.process)
        self._log.close()


class Portal:
    """The portal as a customer reaches it: a URL, and the logs behind it."""

    def __init__(self, base_url: str, web: Process, worker: Process):
        self.base_url = base_url
        self.web = web
        self.worker = worker

    def logs(self) -> str:
        return f"--- web ---\n{self.web.log()[-4000:]}\n--- worker ---\n{self.worker.log()[-4000:]}"


@pytest.fixture(scope="package")
def real_parts():
    reason = _missing_part()
    if reason is not None:
        pytest.fail(f"real part missing: {reason} (PORTAL_REQUIRE_REAL_PARTS=1)", False)


@pytest.fixture(scope="package")
def twilio(real_parts):
    server = TwilioStandIn(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def smtp(real_parts):
    server = SMTPStandIn().start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def portal(real_parts, django_db_setup, django_db_blocker, twilio, smtp, tmp_path_factory):
    """gunicorn and a Celery worker on the test database, sending through the stand-ins."""
    import redis

    logs = tmp_path_factory.mktemp("browser-portal")
    port = free_port()
    # localhost, not 127.0.0.1: a passkey's relying party id must be a name.
    base_url = f"http://localhost:{port}"
    queue = f"portal-browser-{uuid.uuid4().hex[:12]}"
    with django_db_blocker.unblock():
        test_database = database_url()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TWILIO_", "EMAIL_", "CELERY_", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.browser.served_settings",
            "DJANGO_DEBUG": "1",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": test_database,
            "CELERY_BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            "PORTAL_TEST_QUEUE": queue,
            "PORTAL_BASE_URL": base_url,
            "PORTAL_TEST_DEV_OUTBOX": str(logs / "dev-outbox.jsonl"),
            "EMAIL_HOST": smtp.host,
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_USE_TLS": "0",
            "DEFAULT_FROM_EMAIL": "Customer Portal <codes@portal.test>",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE_URL": twilio.base_url,
        }
    )
    bin_dir = Path(sys.executable).parent
    worker = Process(
        "worker",
        [str(bin_dir / "celery"), "-A", "portal", "worker", "--pool", "threads"]
        + ["--concurrency", "4", "--queues", queue, "--hostname", f"{queue}@%h"]
        + ["--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env,
        log_dir=logs,
    )
    web = Process(
        "web",
        [str(bin_dir / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "2", "--threads", "4", "--access-logfile", "-"],
        env=env,
        log_dir=logs,
    )
    served = Portal(base_url, web, worker)

    def web_answers():
        web.check_alive()
        try:
            with urllib.request.urlopen(f"{base_url}/login/", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def worker_ready():
        worker.check_alive()
        return " ready." in worker.log()

    try:
        wait_for(web_answers, timeout=START_TIMEOUT, what="gunicorn to serve /login/")
        wait_for(worker_ready, timeout=START_TIMEOUT, what="the Celery worker to start")
        yield served
    finally:
        web.stop()
        worker.stop()
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
        for key in client.scan_iter(f"*{queue}*"):
            client.delete(key)
        client.close()


@pytest.fixture(scope="package")
def chromium(real_parts):
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, and
    # Django refuses ORM calls while one runs. The tests set up their people
    # with the ORM between browser steps, never concurrently with them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def inbox(portal, twilio, smtp):
    """Every SMS, call and email the portal sent in this test."""
    twilio.reset()
    smtp.reset()
    yield Inbox(twilio, smtp)
    twilio.reset()
    smtp.reset()


@pytest.fixture
def open_browser(chromium, portal, transactional_db, request):
    """open_browser(java_script=True, width=1280) -> a page in a fresh context
    (its own cookies: one person). All are closed after the test; a failing
    test gets the server logs in its report."""
    contexts = []

    def open_(
        *, java_script: bool = True, width: int = 1280, height: int = 900, locale: str = "en-US"
    ):
        # `locale`: the browser's language (its Accept-Language header).
        context = chromium.new_context(
            base_url=portal.base_url,
            java_script_enabled=java_script,
            viewport={"width": width, "height": height},
            reduced_motion="reduce",
            locale=locale,
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                blocked.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        return page

    blocked: list[str] = []
    yield open_
    for context in contexts:
        context.close()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(portal.logs())
    # Every page works under the portal's CSP: nothing it serves is refused.
    assert not blocked, "the Content-Security-Policy refused:\n" + "\n".join(blocked)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def team(transactional_db):
    """An enterprise with 2FA off, its administrator and one co-worker, both
    with a phone number in E.164 format."""
    from accounts.services import portal_user_create
    from enterprise.models import Enterprise
    from tests.fixtures import PASSWORD

    enterprise = Enterprise.objects.create(name="Acme Logistics")

    def person(username, first, last, phone, admin=False):
        return portal_user_create(
            username=username,
            enterprise=enterprise,
            email=f"{username}@acme-logistics.example",
            password=PASSWORD,
            phone=phone,
            admin=admin,
            first_name=first,
            last_name=last,
        )

    return SimpleNamespace(
        enterprise=enterprise,
        admin=person("ada", "Ada", "Lovelace", "+13035551212", admin=True),
        coworker=person("carl", "Carl", "Jensen", "+13035551299"),
    )
