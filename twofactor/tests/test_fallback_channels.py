"""Allow other channels when a code does not arrive (docs/BEHAVIOUR.md,
"Reaching people"): when the provider reports an SMS undelivered (a signed
Twilio status callback), or 30 seconds pass with no code entered, the login
pop-up offers Call me instead and Email me instead. Using one sends a fresh
code by that channel (the earlier one dies), counts toward the same limits,
and is audited. Without the option nothing changes. Time is frozen."""

import datetime as dt

import pytest
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import is_logged_in, page_text, twofactor_on, verified_login
from tests.delivery.parts import AUTH_TOKEN, STATUS_CALLBACK
from tests.fixtures import last_code, password_step
from tests.stand_ins.twilio_server import sign
from twofactor.models import Challenge

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
PHONE = "+13035551299"


@pytest.fixture
def sms_login(client, acme, coworker, outbox, settings, time_machine):
    """Acme sends by SMS and allows other channels; Carl's password was
    accepted at T0 and his SMS went out."""
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    time_machine.move_to(T0, tick=False)
    twofactor_on(acme, coworker, channel="sms")
    acme.allow_fallback = True
    acme.save(update_fields=["allow_fallback"])
    password_step(client, coworker)
    assert outbox[-1]["channel"] == "sms"
    return Challenge.objects.get(user=coworker)


def report_undelivered(client, challenge):
    data = {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": challenge.provider_id,
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
        "To": challenge.destination,
    }
    answer = client.post(
        reverse("twofactor:twilio_status"),
        data,
        HTTP_X_TWILIO_SIGNATURE=sign(AUTH_TOKEN, STATUS_CALLBACK, data),
    )
    assert answer.status_code == 204


def status(client) -> dict:
    return client.get(reverse("twofactor:status", args=["login"])).json()


def another_way(client, channel: str, **extra):
    return client.post(reverse("login_fallback"), {"channel": channel, **extra})


def test_an_undelivered_sms_offers_a_call_whose_code_logs_in(client, sms_login, coworker, outbox):
    assert status(client)["fallback"] is False
    assert "data-fallbacks hidden" in client.get(reverse("login_verify")).content.decode()

    report_undelivered(client, sms_login)

    assert status(client)["fallback"] is True
    page = client.get(reverse("login_verify")).content.decode()
    assert "Call me instead" in page and "Email me instead" in page
    assert "data-fallbacks hidden" not in page
    answer = another_way(client, "voice")  # no need to wait: the provider said so
    assert answer.url == reverse("login_verify")
    assert outbox[-1]["channel"] == "voice" and outbox[-1]["to"] == PHONE
    old = Challenge.objects.get(pk=sms_login.pk)
    assert old.status == Challenge.Status.SUPERSEDED
    client.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert is_logged_in(client)
    assert AuditEvent.objects.filter(
        action="code_fallback", target=coworker, detail="login code by voice instead"
    ).exists()


def test_after_30_seconds_with_no_code_email_me_instead_works(
    client, sms_login, coworker, outbox, time_machine
):
    time_machine.move_to(T0 + dt.timedelta(seconds=29), tick=False)
    assert status(client)["fallback"] is False
    refused = another_way(client, "email")
    assert refused.url == reverse("login_verify")
    assert outbox[-1]["channel"] == "sms"

    time_machine.move_to(T0 + dt.timedelta(seconds=31), tick=False)
    assert status(client)["fallback"] is True
    another_way(client, "email")

    assert outbox[-1]["channel"] == "email" and outbox[-1]["to"] == coworker.email
    page = page_text(client.get(reverse("login_verify")))
    assert "We sent a verification code by email" in page
    client.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert is_logged_in(client)


def test_the_earlier_code_dies(client, sms_login, outbox, time_machine):
    sms_code = last_code(outbox)
    time_machine.move_to(T0 + dt.timedelta(seconds=31), tick=False)
    another_way(client, "voice")

    refused = client.post(reverse("login_verify"), {"code": sms_code})

    assert refused.status_code == 400 and not is_logged_in(client)


def test_it_counts_toward_the_same_hourly_limit(
    client, sms_login, coworker, outbox, time_machine, settings
):
    now = T0
    for _ in range(settings.TWOFACTOR_MAX_CODES_PER_USER - 1):
        now += dt.timedelta(seconds=31)
        time_machine.move_to(now, tick=False)
        another_way(client, "email" if outbox[-1]["channel"] != "email" else "voice")
    sent = len(outbox)
    time_machine.move_to(now + dt.timedelta(seconds=31), tick=False)

    answer = client.post(
        reverse("login_fallback"), {"channel": "voice"}, HTTP_ACCEPT="application/json"
    )

    assert answer.status_code == 429 and "Too many codes" in answer.json()["message"]
    assert len(outbox) == sent


def test_without_the_option_nothing_changes(client, sms_login, outbox, time_machine):
    sms_login.user.enterprise.allow_fallback = False
    sms_login.user.enterprise.save(update_fields=["allow_fallback"])
    report_undelivered(client, sms_login)
    time_machine.move_to(T0 + dt.timedelta(minutes=1), tick=False)

    page = page_text(client.get(reverse("login_verify")))
    another_way(client, "voice")

    assert "Call me instead" not in page and status(client)["fallback"] is False
    assert outbox[-1]["channel"] == "sms"


def test_a_pop_up_for_another_step_is_refused(client, sms_login, outbox, time_machine):
    time_machine.move_to(T0 + dt.timedelta(seconds=31), tick=False)

    answer = client.post(
        reverse("login_fallback"),
        {"channel": "voice", "flow": "not-this-one"},
        HTTP_ACCEPT="application/json",
    )

    assert answer.status_code == 409 and outbox[-1]["channel"] == "sms"


def test_a_call_is_not_offered_to_a_country_not_allowed(client, sms_login, outbox, time_machine):
    enterprise = sms_login.user.enterprise
    enterprise.sms_countries = ["US"]
    enterprise.save(update_fields=["sms_countries"])
    sms_login.user.phone = "+33612345678"
    sms_login.user.save(update_fields=["phone"])
    time_machine.move_to(T0 + dt.timedelta(seconds=31), tick=False)

    another_way(client, "voice")

    assert not [m for m in outbox if m["to"] == "+33612345678"]


def test_turning_it_on_needs_the_administrators_code(client, acme, admin_user, outbox):
    twofactor_on(acme, admin_user, channel="sms")
    verified_login(client, admin_user)

    asked = client.post(
        reverse("enterprise:twofactor"),
        {"status": "on", "channel": "sms", "remember_days": "0", "allow_fallback": "on"},
    )

    assert asked.url == reverse("twofactor:verify")
    acme.refresh_from_db()
    assert not acme.allow_fallback
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    acme.refresh_from_db()
    assert acme.allow_fallback
