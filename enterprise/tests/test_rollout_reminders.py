"""Roll-out reminders, time frozen: 7 days and 1 day before the deadline, to
co-workers without 2FA, once each per deadline and milestone."""

import datetime as dt

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from enterprise.models import AuditEvent, RolloutReminder
from enterprise.notices import rollout_reminders_send
from tests.code_step import twofactor_on

DEADLINE = dt.date(2026, 12, 15)


@pytest.fixture
def required(acme, admin_user, coworker, make_user):
    twofactor_on(acme, admin_user)
    acme.twofactor_required, acme.twofactor_deadline = True, DEADLINE
    acme.save()
    make_user("dora", acme)
    return acme


def on(day: int, time_machine) -> int:
    time_machine.move_to(dt.datetime(2026, 12, day, 6, 0, tzinfo=dt.UTC), tick=False)
    mail.outbox.clear()
    return rollout_reminders_send()


def test_seven_days_and_one_day_before_once_each(required, coworker, time_machine):
    assert on(7, time_machine) == 0  # 8 days before: nothing yet
    assert on(8, time_machine) == 2  # 7 days before
    assert sorted(m.to[0] for m in mail.outbox) == ["carl@example.com", "dora@example.com"]
    assert "by 15 December 2026" in mail.outbox[0].subject
    assert "/account/settings/" in mail.outbox[0].body
    assert on(8, time_machine) == 0  # again the same day (a second beat, a restart)
    assert on(10, time_machine) == 0  # between milestones
    assert on(14, time_machine) == 2  # 1 day before
    assert on(14, time_machine) == 0
    assert on(15, time_machine) == 0  # the last day: the 1-day reminder went already
    assert on(16, time_machine) == 0  # after the deadline
    assert AuditEvent.objects.filter(action="reminder_sent").count() == 2


def test_who_turned_2fa_on_meanwhile_gets_no_more(required, coworker, time_machine):
    on(8, time_machine)
    twofactor_on(required, coworker)
    assert on(14, time_machine) == 1
    assert mail.outbox[0].to == ["dora@example.com"]


def test_a_deadline_set_three_days_out_gets_the_nearest_reminder(required, time_machine):
    assert on(12, time_machine) == 2
    assert set(RolloutReminder.objects.values_list("milestone", flat=True)) == {7}


def test_a_new_deadline_reminds_again(required, time_machine):
    on(8, time_machine)
    required.twofactor_deadline = dt.date(2026, 12, 22)
    required.save()
    assert on(15, time_machine) == 2


def test_nothing_goes_when_not_required(acme, coworker, time_machine):
    acme.twofactor_enabled = True
    acme.twofactor_deadline = DEADLINE
    acme.save()
    assert on(8, time_machine) == 0


def test_a_mail_server_failure_releases_the_claims(required, time_machine, settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenEmailBackend"
    time_machine.move_to(dt.datetime(2026, 12, 8, 6, 0, tzinfo=dt.UTC), tick=False)
    with pytest.raises(OSError):
        rollout_reminders_send()
    assert not RolloutReminder.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert rollout_reminders_send() == 2


class BrokenEmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise OSError("the mail server is down")


class SecondCallFails(BaseEmailBackend):
    """Delivers the first message, then the server drops the connection."""

    calls = 0

    def send_messages(self, messages):
        SecondCallFails.calls += 1
        if SecondCallFails.calls > 1:
            raise OSError("connection dropped")
        mail.outbox.extend(messages)
        return len(messages)


def test_a_mail_server_failing_part_way_never_sends_anyone_twice(required, time_machine, settings):
    time_machine.move_to(dt.datetime(2026, 12, 8, 6, 0, tzinfo=dt.UTC), tick=False)
    mail.outbox.clear()
    SecondCallFails.calls = 0
    settings.EMAIL_BACKEND = f"{__name__}.SecondCallFails"
    with pytest.raises(OSError):
        rollout_reminders_send()
    first = [m.to[0] for m in mail.outbox]
    assert len(first) == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rollout_reminders_send()
    rollout_reminders_send()
    received = [m.to[0] for m in mail.outbox]
    assert sorted(received) == ["carl@example.com", "dora@example.com"]
