"""docs/BEHAVIOUR.md: every decision is recorded with actor, enterprise, target user, IP
and UTC time; administrators see their own enterprise's log; no secret is
ever in it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import T0, page_text, twofactor_on
from tests.fixtures import PASSWORD, last_code, wrong_code
from twofactor.channels import BaseChannel, TransportError

A = AuditEvent.Action
IP = "203.0.113.5"


class RefusingChannel(BaseChannel):
    """A provider that says the number cannot receive messages."""

    def send_code(self, *, to, code, status_callback=None):
        raise TransportError("This number cannot receive SMS.", permanent=True)


def browser() -> Client:
    return Client(REMOTE_ADDR=IP)


def login(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def the(action) -> AuditEvent:
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, f"{action}: {len(events)} events"
    return events[0]


def assert_recorded(event, *, actor, target, enterprise, at=T0):
    assert event.actor == actor
    assert event.target == target
    assert event.enterprise_id == enterprise.pk
    assert event.ip == IP
    assert event.created_at == at


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)


def test_account_decisions_name_the_administrator(admin_user, acme):
    ada = browser()
    login(ada, admin_user)
    tab = reverse("enterprise:twofactor")

    ada.post(tab, {"status": "on", "channel": "email"})
    ada.post(tab, {"status": "on", "channel": "sms"})
    ada.post(tab, {"channel": "sms"})

    for action in (A.ACCOUNT_2FA_ENABLED, A.ACCOUNT_CHANNEL_CHANGED, A.ACCOUNT_2FA_DISABLED):
        assert_recorded(the(action), actor=admin_user, target=None, enterprise=acme)
    assert "email to sms" in the(A.ACCOUNT_CHANNEL_CHANGED).detail


def test_a_coworkers_own_decisions_and_codes(coworker, acme, outbox, time_machine):
    twofactor_on(acme)
    carl = browser()
    login(carl, coworker)
    settings_page = reverse("accounts:settings")
    later = T0 + timedelta(minutes=6)  # past the step-up: turning off needs a code

    carl.post(settings_page, {"email": coworker.email, "phone": "", "twofactor": "on"})
    carl.post(reverse("twofactor:verify"), {"code": wrong_code(last_code(outbox))})
    carl.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    time_machine.move_to(later, tick=False)
    carl.post(settings_page, {"email": coworker.email, "phone": ""})
    carl.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    recorded = dict(actor=coworker, target=coworker, enterprise=acme)
    assert_recorded(the(A.USER_2FA_ENABLED), **recorded)
    assert_recorded(the(A.CODE_REFUSED), **recorded)
    assert_recorded(the(A.USER_2FA_DISABLED), **recorded, at=later)
    for action in (A.CODE_SENT, A.CODE_ACCEPTED):
        first, second = AuditEvent.objects.filter(action=action).order_by("created_at")
        assert_recorded(first, **recorded)
        assert_recorded(second, **recorded, at=later)


def test_login_with_a_code(coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    carl = browser()

    login(carl, coworker)
    carl.post(reverse("login_verify"), {"code": last_code(outbox)})

    for action in (A.CODE_SENT, A.CODE_ACCEPTED, A.LOGIN_SUCCEEDED):
        assert_recorded(the(action), actor=coworker, target=coworker, enterprise=acme)
    assert the(A.CODE_SENT).detail == "sms to +1••••••1299"  # masked, never the number


def test_login_without_a_code(coworker, acme):
    login(browser(), coworker)

    assert_recorded(the(A.LOGIN_SUCCEEDED), actor=coworker, target=coworker, enterprise=acme)


def test_a_delivery_failure(coworker, acme, settings):
    settings.TWOFACTOR_CHANNELS = {
        **settings.TWOFACTOR_CHANNELS,
        "sms": {"BACKEND": f"{__name__}.RefusingChannel", "OPTIONS": {}},
    }
    twofactor_on(acme, coworker, channel="sms")

    login(browser(), coworker)

    failed = the(A.DELIVERY_FAILED)
    assert_recorded(failed, actor=coworker, target=coworker, enterprise=acme)
    assert "This number cannot receive SMS." in failed.detail


def test_a_locked_code_step_is_recorded(coworker, acme, outbox, time_machine):
    twofactor_on(acme, coworker)
    carl = browser()
    login(carl, coworker)
    for _ in range(5):
        carl.post(reverse("login_verify"), {"code": wrong_code(last_code(outbox))})
    time_machine.shift(timedelta(seconds=30))
    carl.post(reverse("login_resend"))
    time_machine.move_to(T0, tick=False)
    for _ in range(5):
        carl.post(reverse("login_verify"), {"code": wrong_code(last_code(outbox))})

    assert_recorded(the(A.CODE_STEP_LOCKED), actor=coworker, target=coworker, enterprise=acme)


def test_access_denied(coworker, acme):
    carl = browser()
    login(carl, coworker)

    carl.get(reverse("enterprise:twofactor"))

    assert_recorded(the(A.ACCESS_DENIED), actor=coworker, target=None, enterprise=acme)


def test_no_secret_is_ever_in_the_log(admin_user, coworker, acme, outbox):
    twofactor_on(acme, admin_user, coworker, channel="sms")
    codes = []
    for user in (admin_user, coworker):
        client = browser()
        login(client, user)
        codes.append(last_code(outbox))
        client.post(reverse("login_verify"), {"code": wrong_code(codes[-1])})
        client.post(reverse("login_verify"), {"code": codes[-1]})

    rows = [
        f"{e.action} {e.detail} {e.ip} {e.actor_id} {e.target_id}" for e in AuditEvent.objects.all()
    ]
    text = "\n".join(rows)
    assert len(rows) >= 8
    for secret in [*codes, *(wrong_code(c) for c in codes), PASSWORD]:
        assert secret not in text


def test_the_administrator_reads_the_log_with_who_what_ip_and_utc_time(
    admin_user, coworker, acme, outbox
):
    login(browser(), coworker)
    ada = browser()
    login(ada, admin_user)

    text = page_text(ada.get(reverse("enterprise:audit")))

    assert "Time (UTC)" in text
    assert f"2025-03-03 12:00:00 Login succeeded carl carl {IP}" in text
