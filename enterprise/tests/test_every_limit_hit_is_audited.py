"""Issue 15: every limit a person runs into is a row in the Audit Log
(LIMIT_REACHED, or CODE_STEP_LOCKED for the locks), with who and why, and
nothing is sent past it. One test per limit; time is frozen."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import T0, twofactor_on, verified_login
from tests.fixtures import PASSWORD, last_code, password_step, wrong_code
from twofactor import codes
from twofactor.destinations import Destination
from twofactor.models import Challenge

LIMIT = AuditEvent.Action.LIMIT_REACHED


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def limit_rows(user, detail: str):
    return AuditEvent.objects.filter(action=LIMIT, target=user, detail=detail)


def issue(user, address: str, *, flow=None, channel="sms"):
    return codes.challenge_issue(
        user=user,
        purpose=Challenge.Purpose.LOGIN,
        destination=Destination(channel=channel, address=address),
        flow=flow or uuid.uuid4(),
        ip="192.0.2.7",
    )


def test_the_hourly_limit_per_person(coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    for _ in range(settings.TWOFACTOR_MAX_CODES_PER_USER):
        issue(coworker, "+13035551299")

    with pytest.raises(codes.RateLimited):
        issue(coworker, "+13035551299")

    row = limit_rows(coworker, "hourly code limit").get()
    assert (row.actor, row.ip, row.enterprise_id) == (coworker, "192.0.2.7", acme.pk)
    assert len(outbox) == settings.TWOFACTOR_MAX_CODES_PER_USER


def test_the_hourly_limit_per_phone_number(coworker, make_user, acme, outbox):
    """Two people on one shared phone share its ten codes."""
    bea = make_user("bea", acme, phone="+13035551299")
    twofactor_on(acme, coworker, bea, channel="sms")
    for person in [coworker] * 5 + [bea] * 5:
        issue(person, "+13035551299")

    with pytest.raises(codes.RateLimited):
        issue(bea, "+13035551299")

    assert limit_rows(bea, "hourly code limit").count() == 1
    assert len(outbox) == settings.TWOFACTOR_MAX_CODES_PER_DESTINATION


def test_the_resend_cooldown(coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    flow = uuid.uuid4()
    issue(coworker, "+13035551299", flow=flow)

    with pytest.raises(codes.RateLimited):
        issue(coworker, "+13035551299", flow=flow)

    assert limit_rows(coworker, "resend cooldown").count() == 1
    assert len(outbox) == 1


def test_the_daily_sms_and_voice_limit(coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    acme.daily_phone_limit = 1
    acme.save(update_fields=["daily_phone_limit"])

    issue(coworker, "+13035551299")  # the last one of the day

    row = AuditEvent.objects.get(action=LIMIT, detail="daily SMS and voice limit (1) used up")
    assert row.target == coworker


def test_wrong_passwords_at_login(client, coworker):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        password_step(client, coworker, password="wrong")

    response = password_step(client, coworker, password=PASSWORD)

    assert response.status_code == 429
    assert limit_rows(coworker, "password guesses").count() == 1


def test_wrong_passwords_from_one_address_across_names(make_user, acme):
    people = [make_user(f"p{i:02d}", acme) for i in range(settings.LOGIN_MAX_FAILURES_PER_IP)]
    for person in people:
        password_step(Client(), person, password="wrong")
    last = make_user("zed", acme)

    response = password_step(Client(), last, password="wrong")

    assert response.status_code == 429
    assert limit_rows(last, "password guesses").count() == 1


def test_wrong_current_passwords_on_the_security_tab(client, coworker):
    verified_login(client, coworker)
    url = reverse("accounts:password")
    wrong = {"current_password": "wrong", "new_password": "x" * 20, "confirm_password": "x" * 20}
    for _ in range(settings.LOGIN_MAX_FAILURES):
        client.post(url, wrong)

    response = client.post(url, wrong)

    assert response.status_code == 429
    assert limit_rows(coworker, "password guesses").count() == 1


def test_ten_wrong_codes_lock_and_are_audited(client, coworker, acme, outbox, frozen):
    twofactor_on(acme, coworker)
    password_step(client, coworker)
    for attempt in range(settings.TWOFACTOR_LOCKOUT_FAILURES):
        if attempt and attempt % settings.TWOFACTOR_CODE_MAX_ATTEMPTS == 0:
            frozen.shift(timedelta(seconds=31))
            client.post(reverse("login_resend"))
        client.post(reverse("login_verify"), {"code": wrong_code(last_code(outbox))})

    row = AuditEvent.objects.get(action=AuditEvent.Action.CODE_STEP_LOCKED, target=coworker)
    assert row.detail == "for 15 minutes"
