"""docs/SECURITY.md: 100 consecutive failed codes (NIST SP 800-63B §5.2.2) lock
the code step until an administrator presses Unlock. The 15-minute locks do
not reset this count; a correct code does.

Before the fix, each 15-minute lock reset the count, so a patient guesser
got about 40 codes an hour, forever."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import T0, is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, log_in, password_step, wrong_code
from twofactor.models import CodeDevice

UNTIL_UNLOCKED = "until an administrator unlocks it"


def guess_patiently(client, outbox, time_machine, user):
    """Wrong codes, as a script would send them: a new code whenever one dies,
    a new login whenever one expires, a wait whenever a lock or limit says so.
    Returns the first answer that is not worth waiting out."""
    password_step(client, user)
    for _ in range(400):
        response = client.post(reverse("login_verify"), {"code": wrong_code(last_code(outbox))})
        text = page_text(response) if response.status_code != 302 else ""
        if UNTIL_UNLOCKED in text:
            return response
        if response.status_code == 302:  # the login expired: log in again
            while password_step(client, user).status_code == 429:
                time_machine.shift(timedelta(minutes=16))
        elif "locked until" in text:
            time_machine.shift(timedelta(minutes=16))
        elif "not correct" not in text or "can no longer be used" in text:
            time_machine.shift(timedelta(seconds=31))
            if client.post(reverse("login_resend")).status_code == 429:
                time_machine.shift(timedelta(minutes=16))
    raise AssertionError("400 wrong codes and still guessing")


@pytest.fixture
def guessed(client, coworker, acme, outbox, time_machine):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    device = CodeDevice.objects.get(user=coworker)
    # 99 failures behind them already, each run of ten locked for 15 minutes.
    device.throttling_failure_count = 99
    device.throttling_failure_timestamp = T0 - timedelta(hours=1)
    device.save()
    password_step(client, coworker)
    return client


def test_the_hundredth_failure_locks_until_an_administrator_unlocks(
    guessed, coworker, outbox, time_machine
):
    response = guessed.post(reverse("login_verify"), {"code": wrong_code(last_code(outbox))})

    assert response.status_code == 429
    assert UNTIL_UNLOCKED in page_text(response)
    time_machine.shift(timedelta(days=3))
    login = Client()
    later = password_step(login, coworker)
    assert later.status_code == 429 and UNTIL_UNLOCKED in page_text(later)
    assert not is_logged_in(login)
    locked = AuditEvent.objects.filter(action=AuditEvent.Action.CODE_STEP_LOCKED, target=coworker)
    assert locked.count() == 1 and "administrator" in locked.get().detail
    assert "ask your administrator" in mail.outbox[-1].body.lower()


def test_a_patient_guesser_reaches_the_long_lock(client, coworker, acme, outbox, time_machine):
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)

    response = guess_patiently(client, outbox, time_machine, coworker)

    assert UNTIL_UNLOCKED in page_text(response)
    assert CodeDevice.objects.get(user=coworker).throttling_failure_count == 100


def test_a_correct_code_resets_the_count(guessed, coworker, outbox):
    response = guessed.post(reverse("login_verify"), {"code": last_code(outbox)})

    assert response.status_code == 302 and is_logged_in(guessed)
    assert CodeDevice.objects.get(user=coworker).throttling_failure_count == 0


def test_the_administrator_unlocks_and_the_person_logs_in(
    guessed, coworker, admin_user, outbox, time_machine
):
    guessed.post(reverse("login_verify"), {"code": wrong_code(last_code(outbox))})
    admin = Client()
    twofactor_on(coworker.enterprise, admin_user)
    log_in(admin, admin_user, outbox)
    page = admin.get(reverse("enterprise:coworker", args=[coworker.pk]))
    assert "Locked" in page_text(page) and "Unlock" in page_text(page)
    mail.outbox.clear()

    response = admin.post(reverse("enterprise:unlock", args=[coworker.pk]), follow=True)

    assert "unlocked" in page_text(response)
    unlocked = AuditEvent.objects.get(action=AuditEvent.Action.CODE_STEP_UNLOCKED)
    assert (unlocked.actor, unlocked.target) == (admin_user, coworker)
    assert [m.to for m in mail.outbox] == [[coworker.email]]
    assert not is_logged_in(guessed)  # the person's sessions ended with the unlock
    fresh = Client()
    password_step(fresh, coworker)
    assert fresh.post(reverse("login_verify"), {"code": last_code(outbox)}).status_code == 302


def test_another_enterprises_administrator_cannot_unlock(
    guessed, coworker, make_enterprise, make_user, outbox
):
    guessed.post(reverse("login_verify"), {"code": wrong_code(last_code(outbox))})
    stranger = make_user("sam", make_enterprise("Other"), admin=True)
    other = Client()
    verified_login(other, stranger)

    response = other.post(reverse("enterprise:unlock", args=[coworker.pk]))

    assert response.status_code == 404
    assert CodeDevice.objects.get(user=coworker).throttling_failure_count == 100
