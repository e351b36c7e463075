"""docs/BEHAVIOUR.md: 10 consecutive failures for one user lock the code step for 15
minutes; the user is emailed and the event is audited."""

from datetime import timedelta

from django.core import mail
from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import T0, is_logged_in, page_text, twofactor_on
from tests.fixtures import last_code, password_step, wrong_code
from twofactor.models import CodeDevice

LOCKED = "Too many wrong codes. Verification is locked until 12:16:00 UTC."
# The tenth failure is at 12:01:00 (see fail_ten_times); 15 minutes later it unlocks.
UNLOCKS = T0 + timedelta(minutes=16)


def fail(client, outbox, times):
    code = last_code(outbox)
    for _ in range(times):
        response = client.post(reverse("login_verify"), {"code": wrong_code(code)})
    return response


def fail_ten_times(client, outbox, time_machine):
    """Five wrong on the first code (it dies), Resend, five wrong on the next."""
    fail(client, outbox, 5)
    time_machine.shift(timedelta(minutes=1))
    client.post(reverse("login_resend"))
    return fail(client, outbox, 5)


def test_the_tenth_failure_locks_and_says_until_when(waiting, outbox, time_machine):
    response = fail_ten_times(waiting, outbox, time_machine)

    assert response.status_code == 429
    assert LOCKED in page_text(response)
    device = CodeDevice.objects.get(user__username="carl")
    assert device.throttling_failure_count == 10


def test_the_user_is_emailed_and_the_lock_is_audited(waiting, coworker, outbox, time_machine):
    fail_ten_times(waiting, outbox, time_machine)

    assert [m.to for m in mail.outbox] == [[coworker.email]]
    assert "too many wrong verification codes" in mail.outbox[0].subject
    locked = AuditEvent.objects.get(action=AuditEvent.Action.CODE_STEP_LOCKED)
    assert (locked.actor, locked.target, locked.enterprise_id) == (
        coworker,
        coworker,
        coworker.enterprise_id,
    )
    assert locked.ip == "127.0.0.1"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CODE_REFUSED).count() == 10


def test_while_locked_nothing_is_sent_and_no_code_is_accepted(
    waiting, coworker, outbox, time_machine
):
    # A second login was already waiting with a good code before the lock.
    other = Client()
    password_step(other, coworker)
    good_code = last_code(outbox)
    fail_ten_times(waiting, outbox, time_machine)
    sent = len(outbox)
    time_machine.shift(timedelta(minutes=5))

    right = other.post(reverse("login_verify"), {"code": good_code})
    resend = waiting.post(reverse("login_resend"))
    new_login = password_step(Client(), coworker)

    assert right.status_code == 429 and not is_logged_in(other)
    assert resend.status_code == 429 and LOCKED in page_text(resend)
    assert new_login.status_code == 429 and LOCKED in page_text(new_login)
    assert len(outbox) == sent


def test_it_unlocks_after_fifteen_minutes(waiting, coworker, outbox, time_machine):
    fail_ten_times(waiting, outbox, time_machine)
    time_machine.move_to(UNLOCKS - timedelta(seconds=1), tick=False)
    assert password_step(Client(), coworker).status_code == 429

    time_machine.move_to(UNLOCKS, tick=False)
    client = Client()
    response = password_step(client, coworker)
    assert response.status_code == 302
    response = client.post(reverse("login_verify"), {"code": last_code(outbox)})

    assert response.status_code == 302 and is_logged_in(client)


def test_after_the_lock_a_new_run_of_failures_starts_at_zero(
    waiting, coworker, outbox, time_machine
):
    fail_ten_times(waiting, outbox, time_machine)
    time_machine.move_to(UNLOCKS, tick=False)
    client = Client()
    password_step(client, coworker)

    response = fail(client, outbox, 1)

    assert response.status_code == 400
    assert "4 tries left for this code" in page_text(response)


def test_only_consecutive_failures_count(client, coworker, acme, outbox, time_machine):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    password_step(client, coworker)
    fail(client, outbox, 4)
    time_machine.shift(timedelta(minutes=1))
    client.post(reverse("login_resend"))
    fail(client, outbox, 4)
    client.post(reverse("login_verify"), {"code": last_code(outbox)})  # right: resets
    client.post(reverse("logout"))

    time_machine.shift(timedelta(minutes=1))
    password_step(client, coworker)
    response = fail(client, outbox, 4)

    assert response.status_code == 400
    assert CodeDevice.objects.get(user=coworker).throttling_failure_count == 4
    assert mail.outbox == []
