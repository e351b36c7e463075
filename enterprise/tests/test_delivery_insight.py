"""Delivery insight on the Two-Factor Authentication tab: the last 30 days of
codes by channel (sent, delivered, failed, fallbacks), counted as they happen,
drawn as inline SVG and listed in a table. Time is frozen."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprise.insight import delivery_insight
from tests.code_step import page_text, twofactor_on, verified_login
from tests.delivery.parts import AUTH_TOKEN, STATUS_CALLBACK
from tests.fixtures import password_step
from tests.stand_ins.twilio_server import sign
from twofactor.insight import tally
from twofactor.models import Challenge, DeliveryDay

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def sms_account(acme, admin_user, coworker, settings, time_machine):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    time_machine.move_to(T0, tick=False)
    twofactor_on(acme, admin_user, coworker, channel="sms")
    acme.allow_fallback = True
    acme.save(update_fields=["allow_fallback"])
    return acme


def report(client, challenge, status, error_code=""):
    data = {"MessageSid": challenge.provider_id, "MessageStatus": status, "ErrorCode": error_code}
    client.post(
        reverse("twofactor:twilio_status"),
        data,
        HTTP_X_TWILIO_SIGNATURE=sign(AUTH_TOKEN, STATUS_CALLBACK, data),
    )


def today(acme, channel):
    return DeliveryDay.objects.filter(enterprise=acme, channel=channel, day=T0.date()).first()


def test_codes_are_counted_as_they_happen(sms_account, coworker, make_user, outbox, time_machine):
    dora = make_user("dora", sms_account, phone="+13035551288")
    twofactor_on(sms_account, dora, channel="sms")
    carl, dorab = Client(), Client()
    password_step(carl, coworker)
    password_step(dorab, dora)
    report(Client(), Challenge.objects.get(user=coworker), "delivered")
    report(Client(), Challenge.objects.get(user=dora), "undelivered", "30003")
    dorab.post(reverse("login_fallback"), {"channel": "voice"})

    sms, voice = today(sms_account, "sms"), today(sms_account, "voice")
    assert (sms.sent, sms.delivered, sms.failed, sms.fallbacks) == (2, 1, 1, 1)
    assert (voice.sent, voice.delivered, voice.failed) == (1, 0, 0)


def test_a_replayed_report_counts_once(sms_account, coworker, outbox):
    password_step(Client(), coworker)
    challenge = Challenge.objects.get(user=coworker)

    for _ in range(3):
        report(Client(), challenge, "undelivered", "30003")
    report(Client(), challenge, "delivered")

    sms = today(sms_account, "sms")
    assert (sms.sent, sms.delivered, sms.failed) == (1, 0, 1)


def test_the_tab_draws_the_last_30_days_and_lists_the_numbers(
    client, sms_account, admin_user, make_enterprise
):
    tally(enterprise_id=sms_account.pk, channel="sms", day=T0.date(), field="sent")
    tally(enterprise_id=sms_account.pk, channel="sms", day=T0.date(), field="failed")
    for _ in range(4):
        tally(
            enterprise_id=sms_account.pk,
            channel="email",
            day=T0.date() - dt.timedelta(days=29),
            field="sent",
        )
    tally(  # 30 days ago: not in the window
        enterprise_id=sms_account.pk,
        channel="voice",
        day=T0.date() - dt.timedelta(days=30),
        field="sent",
    )
    other = make_enterprise("Globex")
    tally(enterprise_id=other.pk, channel="voice", day=T0.date(), field="sent")
    verified_login(client, admin_user)

    response = client.get(reverse("enterprise:twofactor"))

    page = page_text(response)
    assert "Delivery insight" in page
    assert "Email : 4 sent, 0 delivered, 0 failed, 0 fallbacks (highest day: 4)" in page
    assert "SMS : 1 sent, 0 delivered, 1 failed, 0 fallbacks" in page
    assert "Voice : 0 sent, 0 delivered, 0 failed, 0 fallbacks" in page
    html = response.content.decode()
    assert html.count('role="img" aria-label=') >= 3
    assert "2026-12-01 SMS 1 0 1 0" in page and "2026-11-02 Email 4 0 0 0" in page
    assert "2026-11-01" not in page


def test_the_chart_reads_one_query(sms_account):
    for days_ago in range(30):
        for channel in ("email", "sms", "voice"):
            tally(
                enterprise_id=sms_account.pk,
                channel=channel,
                day=T0.date() - dt.timedelta(days=days_ago),
                field="sent",
            )

    with CaptureQueriesContext(connection) as queries:
        charts, rows, first, last = delivery_insight(sms_account.pk)

    assert len(queries) == 1
    assert len(rows) == 90 and [c.sent for c in charts] == [30, 30, 30]
    assert (first, last) == (dt.date(2026, 11, 2), dt.date(2026, 12, 1))
