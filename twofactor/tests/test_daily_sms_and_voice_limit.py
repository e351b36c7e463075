"""The Daily SMS and voice limit (docs/BEHAVIOUR.md, "Reaching people"): the
tab shows "Today: N of M"; administrators are emailed once at 80%; at 100%
codes go by email for the rest of the UTC day and the pop-up says why; it
starts again at midnight UTC; the operator's ceiling holds across every
enterprise. Time is frozen."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import page_text, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from twofactor.models import Challenge

MORNING = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
LAST_MINUTE = dt.datetime(2026, 12, 1, 23, 59, 30, tzinfo=dt.UTC)
NEXT_DAY = dt.datetime(2026, 12, 2, 0, 0, 30, tzinfo=dt.UTC)
LIMIT = 5  # 80%: the 4th code


@pytest.fixture
def people(acme, admin_user, make_user, time_machine):
    """Acme sends by SMS with a limit of LIMIT a day; seven co-workers with
    2FA on and their own phones (one login each is one SMS)."""
    time_machine.move_to(MORNING, tick=False)
    coworkers = [make_user(f"cw{i}", acme, phone=f"+1303555{1300 + i:04d}") for i in range(7)]
    twofactor_on(acme, admin_user, *coworkers, channel="sms")
    acme.daily_phone_limit = LIMIT
    acme.save(update_fields=["daily_phone_limit"])
    mail.outbox.clear()
    return coworkers


def logins(people, count: int) -> list[Client]:
    browsers = []
    for person in people[:count]:
        browser = Client()
        password_step(browser, person)
        browsers.append(browser)
    return browsers


def sms_sent(outbox) -> int:
    return sum(1 for message in outbox if message["channel"] == "sms")


def warnings_sent() -> list:
    return [m for m in mail.outbox if "SMS and voice codes today" in m.subject]


def test_the_tab_shows_todays_count(client, people, admin_user):
    logins(people, 2)
    verified_login(client, admin_user)

    page = page_text(client.get(reverse("enterprise:twofactor")))

    assert "Daily SMS and voice limit" in page and "Today: 2 of 5" in page


def test_administrators_are_emailed_once_at_80_percent(people, outbox, admin_user, make_user):
    second_admin = make_user("bea", people[0].enterprise, admin=True)
    logins(people, 3)
    assert warnings_sent() == []

    logins(people[3:], 2)  # the 4th (80%) and the 5th

    assert sorted(m.to[0] for m in warnings_sent()) == sorted(
        [admin_user.email, second_admin.email]
    )
    message = warnings_sent()[0]
    assert message.subject == "Customer Portal: Acme has used 4 of its 5 SMS and voice codes today"
    assert "Acme has sent 4 of the 5 verification codes by SMS and voice" in message.body


def test_past_the_limit_codes_go_by_email_and_the_pop_up_says_why(people, outbox):
    logins(people, LIMIT)
    assert sms_sent(outbox) == LIMIT

    (late,) = logins(people[LIMIT:], 1)

    assert sms_sent(outbox) == LIMIT
    assert outbox[-1]["channel"] == "email" and outbox[-1]["to"] == people[LIMIT].email
    page = page_text(late.get(reverse("login_verify")))
    assert "it has sent all the SMS and voice codes its administrator allows today" in page
    late.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert late.get(reverse("home")).status_code == 200
    assert (
        AuditEvent.objects.filter(
            action="limit_reached", detail="daily SMS and voice limit (5) used up"
        ).count()
        == 1
    )


def test_it_starts_again_at_midnight_utc(people, outbox, time_machine):
    time_machine.move_to(LAST_MINUTE, tick=False)
    logins(people, LIMIT + 1)
    assert outbox[-1]["channel"] == "email"

    time_machine.move_to(NEXT_DAY, tick=False)
    logins(people[LIMIT + 1 :], 1)

    assert outbox[-1]["channel"] == "sms"


def test_a_login_waiting_for_an_sms_when_the_limit_is_reached_starts_again_by_email(
    people, outbox, time_machine
):
    (early,) = logins(people, 1)
    logins(people[1:], LIMIT - 1)
    time_machine.move_to(MORNING + dt.timedelta(minutes=1), tick=False)

    early.post(reverse("login_resend"))

    # Its codes go elsewhere now: like any move of where codes go, the
    # waiting login ends, and the next one is by email.
    assert sms_sent(outbox) == LIMIT
    assert password_step(early, people[0]).status_code == 302
    assert outbox[-1]["channel"] == "email" and outbox[-1]["to"] == people[0].email


def test_a_new_phone_cannot_be_confirmed_past_the_limit(client, people, outbox):
    person = people[0]
    logins(people[1:], LIMIT)
    verified_login(client, person)

    client.post(
        reverse("accounts:settings"),
        {"email": person.email, "phone": "+13035550199", "twofactor": "on"},
    )
    # The step-up goes by email (SMS is used up); then the new phone's own code.
    assert outbox[-1]["channel"] == "email"
    response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    assert response.status_code == 400
    assert "sent all the SMS and voice codes its administrator allows today" in page_text(response)
    assert not [m for m in outbox if m["to"] == "+13035550199"]
    person.refresh_from_db()
    assert person.phone.as_e164 != "+13035550199"


def test_the_operators_ceiling_holds_across_enterprises(
    people, outbox, make_enterprise, make_user, settings
):
    settings.TWOFACTOR_PORTAL_DAILY_PHONE_LIMIT = 3
    other = make_enterprise("Globex")
    dora = make_user("dora", other, phone="+13035550111")
    twofactor_on(other, dora, channel="sms")
    logins(people, 3)

    password_step(Client(), dora)

    assert sms_sent(outbox) == 3
    assert outbox[-1]["channel"] == "email" and outbox[-1]["to"] == dora.email


def test_raising_the_limit_needs_the_administrators_code_lowering_does_not(
    client, people, admin_user, outbox
):
    verified_login(client, admin_user)
    form = {"status": "on", "channel": "sms", "remember_days": "0"}

    client.post(reverse("enterprise:twofactor"), {**form, "daily_limit": "3"})
    people[0].enterprise.refresh_from_db()
    assert people[0].enterprise.daily_phone_limit == 3

    asked = client.post(reverse("enterprise:twofactor"), {**form, "daily_limit": "5000"})
    assert asked.url == reverse("twofactor:verify")
    people[0].enterprise.refresh_from_db()
    assert people[0].enterprise.daily_phone_limit == 3
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    people[0].enterprise.refresh_from_db()
    assert people[0].enterprise.daily_phone_limit == 5000
    assert AuditEvent.objects.filter(detail="daily SMS and voice limit 3 to 5000").exists()


@pytest.mark.parametrize(
    "value, message",
    [
        ("-1", "Enter 0 (codes go by email only) or more."),
        ("100001", "Enter at most 100,000."),
        ("lots", "Enter a whole number of codes."),
    ],
)
def test_a_bad_limit_is_refused_and_changes_nothing(client, people, admin_user, value, message):
    verified_login(client, admin_user)

    response = client.post(
        reverse("enterprise:twofactor"),
        {"status": "on", "channel": "sms", "remember_days": "0", "daily_limit": value},
    )

    assert response.status_code == 400 and message in page_text(response)
    people[0].enterprise.refresh_from_db()
    assert people[0].enterprise.daily_phone_limit == LIMIT


def test_zero_sends_every_code_by_email(people, outbox):
    acme = people[0].enterprise
    acme.daily_phone_limit = 0
    acme.save(update_fields=["daily_phone_limit"])

    logins(people, 2)

    assert sms_sent(outbox) == 0
    assert not Challenge.objects.filter(channel="sms").exists()
