"""Metrics on the real stack (issue 14, acceptance 4): gunicorn with two
workers (gunicorn.conf.py: prometheus-client's multiprocess mode), a real
Celery worker serving its own metrics on METRICS_WORKER_PORT, and the Twilio
stand-in. Three people log in through gunicorn; the worker sends their SMS;
the stand-in's signed status callbacks, answered by whichever gunicorn
worker takes them, report one delivered and one undelivered, and the
stand-in refuses the third number outright. Web /metrics counts the
delivered and the failed code, the worker's port the codes it sent and the
one the provider refused; the delivered code logs in and is counted too.
Neither says a phone number, a code or a name, and both are 404 without the
token. On Redis database 8, a queue of its own."""

import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from tests.delivery.parts import (
    AUTH_TOKEN,
    BASE_DIR,
    CELERY,
    REDIS_HOST,
    REDIS_PORT,
    STATUS_CALLBACK,
    wait_for,
)
from tests.fixtures import CODE_RE, PASSWORD
from tests.stand_ins.processes import free_port, stop
from tests.stand_ins.twilio_server import sign, status_callback_fields

pytestmark = [pytest.mark.delivery, pytest.mark.django_db(transaction=True)]
BROKER = f"redis://{REDIS_HOST}:{REDIS_PORT}/8"
TOKEN = "real-stack-metrics-token-0123456789"
GUNICORN = CELERY.parent / "gunicorn"
PHONES = {"dana": "+13035550111", "erin": "+13035550122", "finn": "+13035550133"}


class Browser:
    """Just enough of a browser for gunicorn behind a TLS proxy: cookies
    (the portal's are Secure, so kept here by hand), the CSRF token, and
    X-Forwarded-Proto as the proxy sets it."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None, **headers):
        headers = {
            "X-Forwarded-Proto": "https",
            "Origin": settings.PORTAL_BASE_URL,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **headers,
        }
        data = None
        if fields is not None:
            data = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("__Host-csrftoken", "")
        request = urllib.request.Request(self.base_url + path, data, headers, method=method)
        opener = urllib.request.build_opener(NoRedirects)
        try:
            answer = opener.open(request, timeout=20)
        except urllib.error.HTTPError as error:
            answer = error
        with answer:
            for cookie in answer.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return answer.status, answer.read().decode()


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def scrape(url: str, token: str | None = TOKEN) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as a:
            return a.status, a.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, ""


def sample(text: str, name: str, **labels) -> float:
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


@pytest.fixture
def stack(worker_env, worker_logs, start_worker, providers):
    """gunicorn as the Procfile starts it (gunicorn.conf.py), two workers,
    and a Celery worker, both on Redis database 8 and a queue of their own."""
    import redis

    queue = f"portal-metrics-{free_port()}"
    web_port, worker_port = free_port(), free_port()
    env = {
        **worker_env,
        "CELERY_BROKER_URL": BROKER,
        "PORTAL_TEST_QUEUE": queue,
        "METRICS_TOKEN": TOKEN,
        "LOG_LEVEL": "INFO",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # gunicorn.conf.py makes its own
    worker = start_worker(
        queue, extra_env={**env, "METRICS_WORKER_PORT": str(worker_port)}, loglevel="INFO"
    )
    log = open(worker_logs / f"metrics-web-{web_port}.log", "w")  # noqa: SIM115 (closed below)
    web = subprocess.Popen(
        [str(GUNICORN), "portal.wsgi", "-c", "gunicorn.conf.py"]
        + ["--bind", f"127.0.0.1:{web_port}", "--workers", "2"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{web_port}"

    def web_answers():
        if web.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{Path(log.name).read_text()}")
        try:
            return scrape(f"{base_url}/health/live", None)[0] == 200
        except urllib.error.URLError:
            return False  # not listening yet

    try:
        wait_for(web_answers, timeout=30, interval=0.2, what="gunicorn to answer")
        yield base_url, f"http://127.0.0.1:{worker_port}/metrics", worker
    finally:
        stop(web)
        log.close()
        print(Path(log.name).read_text()[-4000:])  # shown only when the test failed
        client = redis.Redis.from_url(BROKER)
        for key in client.scan_iter(f"*{queue}*"):
            client.delete(key)
        client.close()


def test_a_delivered_and_a_failed_code_are_counted(stack, providers, code_user, settings):
    twilio, _ = providers
    base_url, worker_metrics, worker = stack
    # The served portal checks passwords with its own hashers, not the tests' MD5.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    people = {name: code_user("sms", username=name, phone=phone) for name, phone in PHONES.items()}
    twilio.errors[PHONES["finn"]] = 21211  # the provider refuses this number

    browsers = {}
    for name, person in people.items():
        browser = browsers[name] = Browser(base_url)
        assert browser.request("GET", "/login/")[0] == 200
        status, _ = browser.request(
            "POST", "/login/", {"username": person.username, "password": PASSWORD}
        )
        assert status == 302, name
    sent = wait_for(
        lambda: len(twilio.accepted("Messages")) == 2 and twilio.accepted("Messages"),
        timeout=20,
        what="two SMS accepted by the stand-in",
    )
    by_phone = {record["form"]["To"]: record for record in sent}

    def report(phone: str, status: str, error_code: str = "") -> None:
        fields = status_callback_fields(by_phone[phone], status, error_code=error_code)
        answer = Browser(base_url).request(
            "POST",
            "/twofactor/twilio/status/",
            fields,
            **{"X-Twilio-Signature": sign(AUTH_TOKEN, STATUS_CALLBACK, fields)},
        )
        assert answer[0] == 204

    report(PHONES["dana"], "delivered")
    report(PHONES["erin"], "undelivered", error_code="30003")
    code = CODE_RE.search(by_phone[PHONES["dana"]]["form"]["Body"]).group(1)
    status, body = browsers["dana"].request(
        "POST", "/login/verify/", {"code": code}, Accept="application/json"
    )
    assert status == 200 and '"ok": true' in body, body

    def web_counts() -> str | None:
        status, text = scrape(f"{base_url}/metrics")
        assert status == 200
        done = sample(text, "portal_codes_delivered_total", channel="sms") == 1
        return text if done and sample(text, "portal_logins_total", factor="code") == 1 else None

    web = wait_for(web_counts, timeout=10, what="web /metrics to count the reports")
    # The sum over gunicorn's workers (multiprocess mode), not one worker's own.
    assert "process_cpu_seconds_total" not in web
    assert sample(web, "portal_codes_requested_total", channel="sms") == 3
    assert sample(web, "portal_codes_delivered_total", channel="sms") == 1
    assert sample(web, "portal_codes_failed_total", channel="sms") == 1  # the undelivered one
    assert sample(web, "portal_code_verifications_total", outcome="ok") == 1
    assert sample(web, "portal_logins_total", result="succeeded", factor="code") == 1
    assert sample(web, "portal_login_password_to_verified_seconds_count") == 1

    def worker_counts() -> str | None:
        status, text = scrape(worker_metrics)
        assert status == 200
        return text if sample(text, "portal_codes_failed_total", channel="sms") == 1 else None

    sender = wait_for(worker_counts, timeout=10, what="the worker's metrics")
    assert sample(sender, "portal_codes_sent_total", channel="sms") == 2
    assert sample(sender, "portal_codes_failed_total", channel="sms") == 1  # refused: 21211
    assert sample(sender, "portal_code_queued_to_accepted_seconds_count", channel="sms") == 2
    assert sample(sender, "portal_code_queued_to_accepted_seconds_sum", channel="sms") < 20
    task = {"task": "twofactor.tasks.challenge_deliver", "state": "SUCCESS"}
    assert sample(sender, "portal_worker_task_seconds_count", **task) == 3
    assert sample(sender, "portal_worker_heartbeats_total") >= 1

    # Together: one delivered and two failed, however many processes counted them.
    failed = sample(web, "portal_codes_failed_total", channel="sms") + sample(
        sender, "portal_codes_failed_total", channel="sms"
    )
    assert failed == 2
    for text in (web, sender):
        for secret in [*PHONES.values(), *(p[-7:] for p in PHONES.values()), code, *PHONES]:
            assert secret not in text, secret
        assert not re.search(r"(?<!\d)\d{6}(?!\d)", re.sub(r"[0-9.e+-]+$", "", text, flags=re.M))
    # Without the token: nothing to see, on either.
    assert scrape(f"{base_url}/metrics", None)[0] == 404
    assert scrape(f"{base_url}/metrics", "wrong")[0] == 404
    assert scrape(worker_metrics, None)[0] == 404
