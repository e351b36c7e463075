"""/metrics (docs/OPERATIONS.md, "Metrics") through the test client: only
with the bearer token or from an allowed network, else the 404 of any
unknown page; the exposition parses; counters move as a code is typed
wrong, then right; no phone number, code, name or address reaches it; the
worker's port keeps the same gate. gunicorn's many processes and a real
worker: tests/delivery/test_metrics_on_the_real_stack.py."""

import urllib.error
import urllib.request

import pytest
from django.test import override_settings
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from portal.scrape import scrape_allowed, worker_serve
from tests.code_step import T0, twofactor_on
from tests.fixtures import last_code, password_step, wrong_code
from tests.stand_ins.processes import free_port
from twofactor import signals
from twofactor.models import Challenge, CodeDevice
from twofactor.vocabulary import Channel

TOKEN = "metrics-token-0123456789abcdef"
BEARER = f"Bearer {TOKEN}"


@pytest.fixture
def gate(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return settings


def scrape(client, **headers) -> str:
    answer = client.get("/metrics", HTTP_AUTHORIZATION=BEARER, **headers)
    assert answer.status_code == 200
    return answer.content.decode()


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- who may read it -------------------------------------------------------------------


def test_it_is_a_404_like_any_unknown_page_without_the_token(client, db, gate):
    unknown = client.get("/no-such-page")

    for headers in (
        {},
        {"HTTP_AUTHORIZATION": "Bearer wrong"},
        {"HTTP_AUTHORIZATION": TOKEN},  # no scheme
        {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
        {"HTTP_X_FORWARDED_FOR": "127.0.0.1"},
    ):
        answer = client.get("/metrics", **headers)
        assert answer.status_code == 404, headers
        assert answer["Content-Type"] == unknown["Content-Type"]
        assert answer.content == unknown.content.replace(b"no-such-page", b"metrics")


def test_it_answers_the_bearer_token(client, db, gate):
    answer = client.get("/metrics", HTTP_AUTHORIZATION=BEARER)

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    assert "no-store" in answer["Cache-Control"]
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"bearer  {TOKEN} ").status_code == 200


def test_no_token_set_lets_no_bearer_in(client, db, gate):
    gate.METRICS_TOKEN = ""

    for header in ("Bearer ", "Bearer", "", "Bearer None"):
        assert client.get("/metrics", HTTP_AUTHORIZATION=header).status_code == 404


def test_an_allowed_network_needs_no_token(client, db, gate):
    gate.METRICS_ALLOWED_NETWORKS = ["10.1.0.0/16", "2001:db8::/32"]

    def status(address: str, **headers) -> int:
        return client.get("/metrics", REMOTE_ADDR=address, **headers).status_code

    assert status("10.1.2.3") == 200
    assert status("::ffff:10.1.2.3") == 200  # IPv4 on a dual-stack socket
    assert status("2001:db8::7") == 200
    assert status("10.2.0.1") == 404
    assert status("not an address") == 404
    # REMOTE_ADDR only: a forwarded-for header is the caller's to write.
    assert status("203.0.113.9", HTTP_X_FORWARDED_FOR="10.1.2.3") == 404
    assert status("203.0.113.9", HTTP_X_REAL_IP="10.1.2.3") == 404


def test_a_request_relayed_by_a_proxy_inside_the_allowed_network_is_refused(client, db, gate):
    """Red-team finding: behind a proxy or load balancer whose own address is
    allowed, every internet client arrives with the proxy's REMOTE_ADDR. A
    relayed request says so in its headers; a scraper connects itself."""
    gate.METRICS_ALLOWED_NETWORKS = ["10.1.0.0/16"]

    for header in ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP"):
        relayed = client.get("/metrics", REMOTE_ADDR="10.1.2.3", **{header: "203.0.113.9"})
        assert relayed.status_code == 404, header
    # The token still opens it through a proxy.
    token = client.get(
        "/metrics",
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_AUTHORIZATION=f"Bearer {gate.METRICS_TOKEN}",
    )
    assert token.status_code == 200


def near_misses():
    """Headers one step away from the right one."""
    return st.one_of(
        st.integers(0, len(TOKEN) - 1).map(lambda i: f"Bearer {TOKEN[:i]}"),
        st.text(min_size=1).map(lambda extra: f"Bearer {TOKEN}x{extra}"),
        st.tuples(st.integers(0, len(TOKEN) - 1), st.characters()).map(
            lambda change: f"Bearer {TOKEN[: change[0]]}{change[1]}{TOKEN[change[0] + 1 :]}"
        ),
        st.sampled_from([f"Bearer{TOKEN}", f"Bearer:{TOKEN}", f"Token {TOKEN}", TOKEN.upper()]),
    )


@given(header=st.one_of(st.text(), st.binary().map(lambda b: b.decode("latin-1")), near_misses()))
@example(header="Bearer \x00")
@example(header="Bearer \ud800")
@example(header=f"Bearer {TOKEN}\x00")
@example(header="Bearer " + "é" * len(TOKEN))
def test_no_hostile_authorization_header_opens_it(header):
    if header.strip().partition(" ")[2].strip() == TOKEN:
        return  # a spelling of the right header (scheme case, spaces)
    with override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_NETWORKS=[]):
        assert scrape_allowed(authorization=header, remote_addr="203.0.113.9") is False


@given(header=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255)))
def test_no_hostile_header_opens_it_through_the_page(header):
    from django.test import Client

    with override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_NETWORKS=[]):
        if header.strip().partition(" ")[2].strip() == TOKEN:
            return
        assert Client().get("/metrics", HTTP_AUTHORIZATION=header).status_code == 404


# --- what it says --------------------------------------------------------------------


def test_the_exposition_parses_and_names_every_metric(client, db, gate):
    families = {f.name: f for f in text_string_to_metric_families(scrape(client))}

    for name in (
        "portal_codes_requested",
        "portal_codes_sent",
        "portal_codes_delivered",
        "portal_codes_failed",
        "portal_codes_fallback",
        "portal_code_verifications",
        "portal_code_step_lockouts",
        "portal_logins",
        "portal_worker_heartbeats",
    ):
        assert families[name].type == "counter", name
    for name in (
        "portal_code_queued_to_accepted_seconds",
        "portal_login_password_to_verified_seconds",
        "portal_worker_task_seconds",
    ):
        assert families[name].type == "histogram", name
    # Every pair exists from the start, at zero: a ratio has both sides.
    channels = {
        s.labels["channel"]
        for s in families["portal_codes_failed"].samples
        if "channel" in s.labels
    }
    assert channels == set(Channel.values)


def test_a_code_typed_wrong_then_right_moves_the_counters(client, coworker, acme, outbox, gate):
    twofactor_on(acme, coworker)
    before = {
        "requested": value("portal_codes_requested_total", channel="email"),
        "sent": value("portal_codes_sent_total", channel="email"),
        "wrong": value("portal_code_verifications_total", outcome="wrong"),
        "ok": value("portal_code_verifications_total", outcome="ok"),
        "login": value("portal_logins_total", result="succeeded", factor="code"),
        "waited": value("portal_login_password_to_verified_seconds_count"),
        "accepted": value("portal_code_queued_to_accepted_seconds_count", channel="email"),
        "task": value(
            "portal_worker_task_seconds_count",
            task="twofactor.tasks.challenge_deliver",
            state="SUCCESS",
        ),
    }

    password_step(client, coworker)
    client.post(reverse("login_verify"), {"code": wrong_code(last_code(outbox))})
    client.post(reverse("login_verify"), {"code": last_code(outbox)})

    def moved(key: str, name: str, **labels) -> float:
        return value(name, **labels) - before[key]

    assert moved("requested", "portal_codes_requested_total", channel="email") == 1
    assert moved("sent", "portal_codes_sent_total", channel="email") == 1
    assert moved("accepted", "portal_code_queued_to_accepted_seconds_count", channel="email") == 1
    assert moved("wrong", "portal_code_verifications_total", outcome="wrong") == 1
    assert moved("ok", "portal_code_verifications_total", outcome="ok") == 1
    assert moved("login", "portal_logins_total", result="succeeded", factor="code") == 1
    assert moved("waited", "portal_login_password_to_verified_seconds_count") == 1
    # The tests run tasks in-process (eager): timed all the same.
    assert (
        moved(
            "task",
            "portal_worker_task_seconds_count",
            task="twofactor.tasks.challenge_deliver",
            state="SUCCESS",
        )
        == 1
    )


def test_an_expired_code_and_a_lockout_are_counted(waiting, coworker, outbox, time_machine):
    expired = value("portal_code_verifications_total", outcome="expired")
    locks = value("portal_code_step_lockouts_total", until="duration")

    time_machine.move_to(T0.replace(minute=9, second=59), tick=False)
    CodeDevice.objects.filter(user=coworker).update(throttling_failure_count=9)
    waiting.post(reverse("login_verify"), {"code": wrong_code(last_code(outbox))})
    assert value("portal_code_step_lockouts_total", until="duration") == locks + 1
    locked = value("portal_code_verifications_total", outcome="locked")
    waiting.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert value("portal_code_verifications_total", outcome="locked") == locked + 1

    CodeDevice.objects.filter(user=coworker).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    # The login waits as long as its code lives: a code that ran out first.
    Challenge.objects.filter(user=coworker).update(expires_at=T0.replace(minute=9))
    waiting.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert value("portal_code_verifications_total", outcome="expired") == expired + 1


def test_wrong_passwords_are_counted_by_result(client, coworker, gate):
    refused = value("portal_logins_total", result="refused", factor="none")
    succeeded = value("portal_logins_total", result="succeeded", factor="password")

    password_step(client, coworker, password="not the password")
    password_step(client, coworker)

    assert value("portal_logins_total", result="refused", factor="none") == refused + 1
    assert value("portal_logins_total", result="succeeded", factor="password") == succeeded + 1


def test_no_phone_number_code_or_name_reaches_it(client, make_enterprise, make_user, outbox, gate):
    enterprise = make_enterprise("Umbrella Pharmaceuticals", enabled=True, channel="sms")
    person = make_user("wesker", enterprise, phone="+13035550147", email="albert@umbrella.test")
    CodeDevice.objects.create(user=person, enrolled=True, confirmed=True, name="code")
    password_step(client, person)
    code = last_code(outbox)
    client.post(reverse("login_verify"), {"code": wrong_code(code)})
    client.post(reverse("login_verify"), {"code": code})

    text = scrape(client)

    for secret in ("3035550147", "0147", code, wrong_code(code), "wesker", "albert", "Umbrella"):
        assert secret not in text, secret
    # Every label value is one of a fixed set: nothing a person typed or is.
    from portal.celery import app

    allowed = {
        "channel": set(Channel.values),
        "outcome": set(signals.VERIFY_OUTCOMES),
        "until": set(signals.LOCK_KINDS),
        "result": set(signals.LOGIN_RESULTS),
        "factor": set(signals.LOGIN_FACTORS),
        "task": set(app.tasks),
        "state": {"SUCCESS", "FAILURE", "RETRY", "IGNORED", "REJECTED", "REVOKED"},
    }
    for family in text_string_to_metric_families(text):
        if not family.name.startswith("portal_"):
            continue
        for sample in family.samples:
            for label, label_value in sample.labels.items():
                if label == "le":
                    continue
                assert label_value in allowed[label], (family.name, label, label_value)


# --- the worker's port ---------------------------------------------------------------


def test_the_workers_port_keeps_the_same_gate(gate):
    port = free_port()
    server = worker_serve(port)
    try:

        def get(path: str, **headers) -> tuple[int, str]:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    return answer.status, answer.read().decode()
            except urllib.error.HTTPError as refused:
                return refused.code, ""

        assert get("/metrics")[0] == 404
        assert get("/metrics", Authorization="Bearer wrong")[0] == 404
        assert get("/", Authorization=BEARER)[0] == 404
        status, text = get("/metrics", Authorization=BEARER)
        assert status == 200
        names = {f.name for f in text_string_to_metric_families(text)}
        assert "portal_worker_task_seconds" in names
        gate.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
        assert get("/metrics")[0] == 200
    finally:
        server.shutdown()
        server.server_close()
