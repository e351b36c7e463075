"""Retention: what has aged out is deleted, in batches, and nothing younger.
Row counts before and after, with the clock at a fixed day."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Session
from enterprise.models import AuditEvent
from portal.retention import retention_run
from twofactor.models import Challenge, DailyUsage, DeliveryReport, PasswordFailure

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def challenge(user, expires_at):
    return Challenge(
        user=user,
        purpose="login",
        channel="sms",
        destination="+13035551299",
        created_at=expires_at - dt.timedelta(minutes=10),
        expires_at=expires_at,
    )


@pytest.fixture
def aged(coworker, acme, time_machine, settings):
    """Rows either side of each line, and a batch smaller than the work."""
    settings.RETENTION_BATCH = 3
    time_machine.move_to(NOW, tick=False)
    day = dt.timedelta(days=1)
    Challenge.objects.bulk_create(
        [challenge(coworker, NOW - day - dt.timedelta(hours=1)) for _ in range(7)]
        + [challenge(coworker, NOW - dt.timedelta(hours=2)) for _ in range(2)]
    )
    for i, age in enumerate([day * 2, day * 2, dt.timedelta(hours=1)]):
        report = DeliveryReport.objects.create(provider_id=f"SM{i}", status="sent", delivery="sent")
        DeliveryReport.objects.filter(pk=report.pk).update(received_at=NOW - age)
    for i, expires in enumerate([NOW - dt.timedelta(minutes=1), NOW + dt.timedelta(hours=1)]):
        Session.objects.create(session_key=f"key{i:036d}", session_data="", expire_date=expires)
    for age in [day * 2, dt.timedelta(minutes=5)]:
        row = PasswordFailure.objects.create(subject="x", ip="127.0.0.1")
        PasswordFailure.objects.filter(pk=row.pk).update(created_at=NOW - age)
    DailyUsage.objects.create(scope="portal", day=(NOW - dt.timedelta(days=41)).date())
    DailyUsage.objects.create(scope="portal", day=NOW.date())
    for age_days in [401, 402, 399, 1]:
        event = AuditEvent.objects.create(action="login_succeeded", enterprise=acme)
        AuditEvent.objects.filter(pk=event.pk).update(created_at=NOW - dt.timedelta(days=age_days))


def counts():
    return {
        "challenges": Challenge.objects.count(),
        "delivery reports": DeliveryReport.objects.count(),
        "sessions": Session.objects.count(),
        "password failures": PasswordFailure.objects.count(),
        "daily counters": DailyUsage.objects.count(),
        "audit events": AuditEvent.objects.count(),
    }


def test_what_aged_out_goes_and_nothing_younger(aged):
    before = counts()

    deleted = retention_run()

    after = counts()
    assert before == {
        "challenges": 9,
        "delivery reports": 3,
        "sessions": 2,
        "password failures": 2,
        "daily counters": 2,
        "audit events": 4,
    }
    assert deleted == {
        "challenges": 7,
        "delivery reports": 2,
        "sessions": 1,
        "password failures": 1,
        "daily counters": 1,
        "audit events": 2,
    }
    assert after == {key: before[key] - deleted[key] for key in before}
    assert Session.objects.get().expire_date > timezone.now()


def test_a_second_run_finds_nothing(aged):
    retention_run()

    assert set(retention_run().values()) == {0}


def test_the_audit_retention_is_a_setting(aged, settings):
    settings.AUDIT_RETENTION_DAYS = 30

    assert retention_run()["audit events"] == 3
