"""Requests at the same moment (real threads, each with its own PostgreSQL
connection): a code logs in once, wrong guesses never pass a limit, and a
change verified twice at once applies once.

SQLite takes one writer at a time, so there is no race to lose there: these
run on PostgreSQL (CI), and say why they are skipped elsewhere."""

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import twofactor_on, verified_login
from tests.fixtures import PASSWORD, last_code, password_step, wrong_code
from twofactor.models import Challenge, CodeDevice, PasswordFailure

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="races need PostgreSQL (DATABASE_URL)"
    ),
]
PARALLEL = 20


def at_once(requests: list) -> list:
    """Run each callable in its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(i, request):
        try:
            barrier.wait()
            results[i] = request()
        except Exception as exc:  # reported by the caller's assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def copies(client, count: int) -> list[Client]:
    """The same browser session, `count` times (one request each)."""
    clones = []
    for _ in range(count):
        clone = Client()
        clone.cookies = client.cookies.__class__(client.cookies)
        clones.append(clone)
    return clones


def statuses(results) -> Counter:
    assert not [r for r in results if isinstance(r, Exception)], results
    return Counter(r.status_code for r in results)


def test_twenty_verifies_of_one_code_log_in_once(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    password_step(client, coworker)
    code = last_code(outbox)

    results = at_once(
        [
            lambda c=c: c.post(reverse("login_verify"), {"code": code})
            for c in copies(client, PARALLEL)
        ]
    )

    answered = statuses(results)
    assert answered[302] == 1 and answered[400] == PARALLEL - 1, answered
    logins = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_SUCCEEDED, target=coworker)
    assert logins.count() == 1
    assert Challenge.objects.get().status == Challenge.Status.USED


def test_parallel_wrong_codes_count_exactly_up_to_the_limits(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    password_step(client, coworker)
    wrong = wrong_code(last_code(outbox))

    results = at_once(
        [
            lambda c=c: c.post(reverse("login_verify"), {"code": wrong})
            for c in copies(client, PARALLEL)
        ]
    )

    statuses(results)
    challenge = Challenge.objects.get()
    assert challenge.failed_attempts == settings.TWOFACTOR_CODE_MAX_ATTEMPTS
    assert challenge.status == Challenge.Status.KILLED
    device = CodeDevice.objects.get(user=coworker)
    assert device.throttling_failure_count == settings.TWOFACTOR_CODE_MAX_ATTEMPTS
    refused = AuditEvent.objects.filter(action=AuditEvent.Action.CODE_REFUSED).count()
    assert refused == settings.TWOFACTOR_CODE_MAX_ATTEMPTS


def test_parallel_logins_never_send_more_than_the_hourly_codes(coworker, acme, outbox):
    twofactor_on(acme, coworker)

    # From twenty addresses: each password attempt counts until it is found
    # right, so twenty at once from one address would meet the password
    # limit first (the test below).
    results = at_once(
        [
            lambda i=i: password_step(Client(REMOTE_ADDR=f"198.51.100.{i}"), coworker)
            for i in range(PARALLEL)
        ]
    )

    answered = statuses(results)
    assert answered[302] == settings.TWOFACTOR_MAX_CODES_PER_USER, answered
    assert answered[429] == PARALLEL - settings.TWOFACTOR_MAX_CODES_PER_USER
    assert Challenge.objects.filter(user=coworker).count() == settings.TWOFACTOR_MAX_CODES_PER_USER


def test_parallel_wrong_passwords_never_pass_the_limit(coworker):
    results = at_once(
        [lambda: password_step(Client(), coworker, password="wrong") for _ in range(PARALLEL)]
    )

    answered = statuses(results)
    # Of twenty guesses at once, at most ten had their password checked (a
    # guess counts from the moment it starts, so some are refused early; on
    # a loaded machine all twenty may start before any is checked, and then
    # none is: refusing too many is safe, checking more than ten is not).
    assert answered[400] <= settings.LOGIN_MAX_FAILURES, answered
    assert answered[400] + answered[429] == PARALLEL
    assert PasswordFailure.objects.count() == answered[400]


def test_a_change_verified_twice_at_once_applies_once(client, coworker, acme, outbox):
    twofactor_on(acme, coworker)
    verified_login(client, coworker)
    client.post(reverse("accounts:settings"), {"email": coworker.email})  # turn 2FA off
    code = last_code(outbox)

    results = at_once(
        [
            lambda c=c: c.post(reverse("twofactor:verify"), {"code": code})
            for c in copies(client, PARALLEL)
        ]
    )

    answered = statuses(results)
    assert answered[302] == 1, answered
    disabled = AuditEvent.objects.filter(action=AuditEvent.Action.USER_2FA_DISABLED)
    assert disabled.count() == 1
    assert not CodeDevice.objects.get(user=coworker).enrolled


def test_the_right_password_still_logs_in_after_a_race(coworker):
    """The limit above is not a lock-out of the right password from
    elsewhere: another address logs in at once."""
    at_once([lambda: password_step(Client(), coworker, password="wrong") for _ in range(5)])

    elsewhere = Client(REMOTE_ADDR="192.0.2.44")
    response = elsewhere.post(
        reverse("login"), {"username": coworker.username, "password": PASSWORD}
    )

    assert response.status_code == 302


def test_logins_at_the_daily_limit_send_no_sms_past_it(acme, make_user, outbox):
    """Twenty people log in at once with one SMS left today: one gets it."""
    people = [make_user(f"p{i}", acme, phone=f"+1303555{1400 + i:04d}") for i in range(PARALLEL)]
    twofactor_on(acme, *people, channel="sms")
    acme.daily_phone_limit = 1
    acme.save(update_fields=["daily_phone_limit"])

    results = at_once([lambda p=p: password_step(Client(), p) for p in people])

    assert statuses(results) == Counter({302: PARALLEL})
    channels = Counter(Challenge.objects.values_list("channel", flat=True))
    assert channels == Counter({"sms": 1, "email": PARALLEL - 1})
