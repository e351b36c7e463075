"""Require a phishing-resistant method: after the enterprise's date only a
passkey logs in (codes by the channel and recovery codes only if the
administrator allows them for recovery, and then only to add a passkey). The
software authenticator in tests/softkey.py answers the ceremonies; time is
frozen either side of the date."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from enterprise.models import AuditEvent
from enterprise.notices import rollout_reminders_send
from tests.code_step import is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, log_in, password_step
from tests.softkey import SoftKey
from twofactor import recovery
from twofactor.models import CodeDevice, Passkey

ROLLOUT_DEADLINE = dt.date(2026, 12, 10)
DATE = dt.date(2026, 12, 15)  # the last day other methods log in
BEFORE = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
LAST_MINUTE = dt.datetime(2026, 12, 15, 23, 59, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 12, 16, 9, 0, tzinfo=dt.UTC)


def policy(**overrides):
    data = {
        "status": "on",
        "channel": "email",
        "required": "on",
        "deadline": ROLLOUT_DEADLINE.isoformat(),
        "remember_days": "0",
        "allow_passkey": "on",
        "require_passkeys": "on",
        "passkeys_deadline": DATE.isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def acme_passkeys(acme, admin_user, coworker, time_machine):
    """Acme requires 2FA of everyone and, after DATE, passkeys only; both
    people have 2FA on by email. The clock is at BEFORE."""
    time_machine.move_to(BEFORE, tick=False)
    twofactor_on(acme, admin_user, coworker)
    acme.allow_passkey = True
    acme.twofactor_required, acme.twofactor_deadline = True, ROLLOUT_DEADLINE
    acme.passkeys_required, acme.passkeys_deadline = True, DATE
    acme.save()
    return acme


def recovery_allowed(acme):
    acme.passkey_recovery = True
    acme.save(update_fields=["passkey_recovery"])


def passkey_login(client, key) -> None:
    challenge = client.post(reverse("passkey_options")).json()["challenge"]
    answer = client.post(
        reverse("passkey_verify"), data=key.assert_(challenge), content_type="application/json"
    )
    assert answer.status_code == 200, answer.content


def passkey_step_up(client, key) -> None:
    challenge = client.post(reverse("twofactor:passkey_options")).json()["challenge"]
    answer = client.post(
        reverse("twofactor:passkey_verify"),
        data=key.assert_(challenge),
        content_type="application/json",
    )
    assert answer.json()["ok"] is True, answer.content


def passkey_add(client, outbox, *, name="Work laptop") -> SoftKey:
    """Add a passkey on My Account > Security: name, step-up code, ceremony."""
    key = SoftKey()
    response = client.post(reverse("accounts:passkey_add"), {"name": name})
    if response.url == reverse("twofactor:verify"):
        if "Use your passkey" in page_text(client.get(response.url)):
            # Lost: Try another way, a code by the channel.
            client.post(reverse("twofactor:resend"))
        client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    options = client.post(reverse("accounts:passkey_options")).json()
    answer = client.post(
        reverse("accounts:passkey_register"),
        data=key.register(options),
        content_type="application/json",
    )
    assert answer.json()["ok"] is True, answer.content
    return key


# --- the administrator's option ----------------------------------------------------------


def test_the_administrator_requires_passkeys_from_a_date(client, acme, admin_user, time_machine):
    time_machine.move_to(BEFORE, tick=False)
    twofactor_on(acme, admin_user)
    verified_login(client, admin_user)

    response = client.post(reverse("enterprise:twofactor"), policy(), follow=True)

    acme.refresh_from_db()
    assert acme.passkeys_required and acme.passkeys_deadline == DATE
    assert not acme.passkey_recovery
    assert "after 15 December 2026 (UTC), only a passkey logs in" in page_text(response)
    event = AuditEvent.objects.get(action="rollout_changed", detail__startswith="only passkeys")
    assert event.actor == admin_user
    assert event.detail == ("only passkeys log in after 2026-12-15; codes for recovery not allowed")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"allow_passkey": None}, "Allow Passkey (under Allowed methods) to require it."),
        ({"required": None}, "Require two-factor authentication for every co-worker (above)"),
        ({"passkeys_deadline": None}, "Choose a date: the last day other methods log in."),
        ({"passkeys_deadline": "next week"}, "Enter the date as YYYY-MM-DD."),
    ],
)
def test_it_is_refused_without_what_it_rests_on(
    client, acme, admin_user, time_machine, overrides, message
):
    time_machine.move_to(BEFORE, tick=False)
    twofactor_on(acme, admin_user)
    verified_login(client, admin_user)

    response = client.post(reverse("enterprise:twofactor"), policy(**overrides))

    assert response.status_code == 400 and message in page_text(response)
    acme.refresh_from_db()
    assert not acme.passkeys_required


@pytest.mark.parametrize(
    "loosening",
    [
        {"require_passkeys": None},
        {"passkeys_deadline": "2027-01-31"},
        {"passkey_recovery": "on"},
    ],
    ids=["no longer required", "a later date", "codes allowed for recovery"],
)
def test_loosening_it_needs_the_administrators_code(
    client, acme_passkeys, admin_user, outbox, loosening
):
    verified_login(client, admin_user)

    response = client.post(reverse("enterprise:twofactor"), policy(**loosening))

    assert response.url == reverse("twofactor:verify")
    acme_passkeys.refresh_from_db()
    assert acme_passkeys.passkeys_required and acme_passkeys.passkeys_deadline == DATE
    assert not acme_passkeys.passkey_recovery
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox, to=admin_user.email)})
    acme_passkeys.refresh_from_db()
    assert (
        acme_passkeys.passkeys_required,
        acme_passkeys.passkeys_deadline,
        acme_passkeys.passkey_recovery,
    ) != (True, DATE, False)


def test_an_earlier_date_needs_no_code(client, acme_passkeys, admin_user):
    verified_login(client, admin_user)

    client.post(reverse("enterprise:twofactor"), policy(passkeys_deadline="2026-12-12"))

    acme_passkeys.refresh_from_db()
    assert acme_passkeys.passkeys_deadline == dt.date(2026, 12, 12)


# --- before the date -----------------------------------------------------------------------


def test_before_the_date_codes_log_in_and_a_banner_asks_for_a_passkey(
    client, acme_passkeys, coworker, outbox
):
    log_in(client, coworker, outbox)

    home = page_text(client.get(reverse("home")))
    assert "Your administrator requires a passkey. Add one by 15 December 2026" in home
    assert "you will need your administrator to get back in" in home


def test_someone_with_a_passkey_sees_no_banner(client, acme_passkeys, coworker, outbox):
    log_in(client, coworker, outbox)
    passkey_add(client, outbox)

    assert "requires a passkey" not in page_text(client.get(reverse("home")))


def test_reminders_go_to_people_without_a_passkey_once(acme_passkeys, admin_user, coworker):
    SoftKey().store(admin_user)
    mail.outbox.clear()

    sent = rollout_reminders_send(today=DATE - dt.timedelta(days=7))
    again = rollout_reminders_send(today=DATE - dt.timedelta(days=6))

    assert (sent, again) == (1, 0)
    (message,) = mail.outbox
    assert message.to == [coworker.email]
    assert message.subject == "Customer Portal: add a passkey by 15 December 2026"
    assert "/account/security/" in message.body
    assert AuditEvent.objects.filter(
        action="reminder_sent",
        detail="1 co-workers reminded to add a passkey, 7 days before 2026-12-15",
    ).exists()


def test_both_reminders_go_when_both_dates_are_the_same_day(acme_passkeys, coworker):
    CodeDevice.objects.filter(user=coworker).update(enrolled=False, confirmed=False)
    acme_passkeys.twofactor_deadline = DATE
    acme_passkeys.save(update_fields=["twofactor_deadline"])
    mail.outbox.clear()

    rollout_reminders_send(today=DATE - dt.timedelta(days=1))

    subjects = sorted(m.subject for m in mail.outbox if m.to == [coworker.email])
    assert subjects == [
        "Customer Portal: add a passkey by 15 December 2026",
        "Customer Portal: turn on two-factor authentication by 15 December 2026",
    ]


# --- after the date: logging in ------------------------------------------------------------


def test_after_the_date_a_passkey_logs_in_and_nothing_else_is_offered(
    client, acme_passkeys, coworker, outbox, time_machine
):
    key = SoftKey()
    key.store(coworker)
    TOTPDevice.objects.create(user=coworker, name="Authenticator app", confirmed=True)
    acme_passkeys.allow_authenticator_app = True
    acme_passkeys.save(update_fields=["allow_authenticator_app"])
    recovery.recovery_generate(user=coworker, ip=None)
    time_machine.move_to(AFTER, tick=False)
    sent = len(outbox)

    password_step(client, coworker)
    page = page_text(client.get(reverse("login_verify")))

    assert "Use your passkey" in page
    assert "Send a code" not in page
    assert "authenticator app instead" not in page
    assert "Use a recovery code" not in page
    # What the page no longer offers is refused when posted anyway.
    assert client.post(reverse("login_resend")).status_code == 302
    assert client.post(reverse("login_app_instead")).status_code == 302
    refused = client.post(
        reverse("login_verify"), {"recovery_code": "abcd-efgh"}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 403
    assert len(outbox) == sent and not is_logged_in(client)

    passkey_login(client, key)
    assert is_logged_in(client)
    assert client.get(reverse("home")).status_code == 200


def test_after_the_date_no_code_is_sent_without_recovery(
    client, acme_passkeys, coworker, outbox, time_machine
):
    SoftKey().store(coworker)
    time_machine.move_to(AFTER, tick=False)
    password_step(client, coworker)
    sent = len(outbox)

    answer = client.post(reverse("login_resend"), HTTP_ACCEPT="application/json")

    assert answer.status_code == 403
    assert "accepts only passkeys" in answer.json()["message"]
    assert len(outbox) == sent


def test_after_the_date_someone_without_a_passkey_is_told_to_ask_for_a_reset(
    client, acme_passkeys, coworker, outbox, time_machine
):
    time_machine.move_to(AFTER, tick=False)
    sent = len(outbox)

    response = password_step(client, coworker)

    assert response.status_code == 400
    assert "accepts only passkeys to log in, and your login has none" in page_text(response)
    assert "reset your two-factor authentication" in page_text(response)
    assert len(outbox) == sent and not is_logged_in(client)


def test_a_code_sent_before_midnight_does_not_log_in_after_it(
    client, acme_passkeys, coworker, outbox, time_machine
):
    SoftKey().store(coworker)
    time_machine.move_to(LAST_MINUTE, tick=False)
    password_step(client, coworker)
    client.post(reverse("login_resend"))  # still the last day: a code is sent
    code = last_code(outbox)
    time_machine.move_to(AFTER.replace(hour=0, minute=1), tick=False)

    answer = client.post(reverse("login_verify"), {"code": code}, HTTP_ACCEPT="application/json")

    assert answer.status_code == 403 and not is_logged_in(client)


def test_an_authenticator_app_no_longer_logs_in(
    client, acme_passkeys, coworker, outbox, time_machine
):
    recovery_allowed(acme_passkeys)
    acme_passkeys.allow_authenticator_app = True
    acme_passkeys.save(update_fields=["allow_authenticator_app"])
    TOTPDevice.objects.create(user=coworker, name="Authenticator app", confirmed=True)
    time_machine.move_to(AFTER, tick=False)
    sent = len(outbox)

    password_step(client, coworker)

    # No passkey: the code by the channel (recovery), not the app.
    assert len(outbox) == sent + 1
    page = page_text(client.get(reverse("login_verify")))
    assert "We sent a verification code by email" in page
    assert "This code logs you in only to add a new passkey" in page
    refused = client.post(
        reverse("login_verify"), {"app_code": "123456"}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code in (400, 403) and not is_logged_in(client)


def test_a_remembered_browser_no_longer_skips_the_second_factor(
    client, acme_passkeys, coworker, outbox, time_machine
):
    acme_passkeys.remember_browser_days = 30
    acme_passkeys.save(update_fields=["remember_browser_days"])
    SoftKey().store(coworker)
    password_step(client, coworker)
    client.post(reverse("login_resend"))
    client.post(reverse("login_verify"), {"code": last_code(outbox), "remember": "on"})
    assert is_logged_in(client)
    client.post(reverse("logout"))
    assert password_step(client, coworker).url == "/"  # remembered, before the date
    time_machine.move_to(AFTER, tick=False)

    # The session it opened ends, and the password alone no longer logs in.
    assert client.get(reverse("home")).status_code == 302
    assert not is_logged_in(client)
    assert password_step(client, coworker).url == reverse("login_verify")
    assert "Remember this browser" not in page_text(client.get(reverse("login_verify")))


# --- after the date: recovery by the channel, and what such a session opens ----------------


def test_recovery_by_channel_logs_in_only_to_add_a_passkey(
    client, acme_passkeys, coworker, outbox, time_machine
):
    recovery_allowed(acme_passkeys)
    SoftKey().store(coworker, name="Lost phone")
    time_machine.move_to(AFTER, tick=False)
    password_step(client, coworker)
    page = page_text(client.get(reverse("login_verify")))
    assert "Send a code by email" in page

    client.post(reverse("login_resend"))
    client.post(reverse("login_verify"), {"code": last_code(outbox)})

    assert is_logged_in(client)
    kept = client.get(reverse("home"))
    assert kept.url == reverse("accounts:security")
    assert client.get(reverse("enterprise:settings")).url == reverse("accounts:security")
    json_kept = client.get(reverse("home"), HTTP_ACCEPT="application/json")
    assert json_kept.status_code == 403
    security = page_text(client.get(reverse("accounts:security")))
    assert "Your administrator now accepts only passkeys" in security

    passkey_add(client, outbox, name="New phone")

    assert client.get(reverse("home")).status_code == 200
    assert "accepts only passkeys" not in page_text(client.get(reverse("home")))


def test_a_recovery_code_too_only_opens_adding_a_passkey(
    client, acme_passkeys, coworker, time_machine
):
    recovery_allowed(acme_passkeys)
    SoftKey().store(coworker)
    codes = recovery.recovery_generate(user=coworker, ip=None)
    time_machine.move_to(AFTER, tick=False)
    password_step(client, coworker)

    client.post(reverse("login_verify"), {"recovery_code": codes[0]})

    assert is_logged_in(client)
    assert client.get(reverse("home")).url == reverse("accounts:security")


def test_a_session_opened_with_a_code_before_the_date_is_kept_to_security_after_it(
    client, acme_passkeys, coworker, outbox, time_machine
):
    time_machine.move_to(LAST_MINUTE, tick=False)
    log_in(client, coworker, outbox)
    assert client.get(reverse("home")).status_code == 200
    time_machine.move_to(LAST_MINUTE + dt.timedelta(minutes=5), tick=False)

    assert client.get(reverse("home")).url == reverse("accounts:security")
    assert client.get(reverse("accounts:security")).status_code == 200


def test_a_session_opened_with_a_passkey_is_not_kept(client, acme_passkeys, coworker, time_machine):
    key = SoftKey()
    key.store(coworker)
    time_machine.move_to(AFTER, tick=False)
    password_step(client, coworker)
    passkey_login(client, key)

    assert client.get(reverse("enterprise:settings")).status_code in (200, 403)
    assert client.get(reverse("home")).status_code == 200


# --- after the date: the last passkey and 2FA stay -----------------------------------------


def test_the_last_passkey_cannot_be_removed(client, acme_passkeys, coworker, time_machine):
    key = SoftKey()
    passkey = key.store(coworker)
    time_machine.move_to(AFTER, tick=False)
    password_step(client, coworker)
    passkey_login(client, key)

    response = client.post(reverse("accounts:passkey_remove", args=[passkey.pk]))

    assert "add another passkey before you remove this one" in page_text(response)
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_one_of_two_passkeys_can_be_removed(client, acme_passkeys, coworker, time_machine):
    key = SoftKey()
    key.store(coworker)
    spare = SoftKey().store(coworker, name="Spare")
    time_machine.move_to(AFTER, tick=False)
    password_step(client, coworker)
    passkey_login(client, key)

    asked = client.post(reverse("accounts:passkey_remove", args=[spare.pk]))
    # The step-up asks for a passkey first.
    assert asked.url == reverse("twofactor:verify")
    assert Passkey.objects.filter(pk=spare.pk).exists()
    passkey_step_up(client, key)

    assert not Passkey.objects.filter(pk=spare.pk).exists()
    assert Passkey.objects.filter(user=coworker).count() == 1


def test_two_factor_authentication_cannot_be_turned_off(
    client, acme_passkeys, coworker, time_machine
):
    key = SoftKey()
    key.store(coworker)
    time_machine.move_to(AFTER, tick=False)
    password_step(client, coworker)
    passkey_login(client, key)

    response = client.post(
        reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035551299"}
    )

    assert "two-factor authentication stays on" in page_text(response)
    assert CodeDevice.objects.get(user=coworker).enrolled
    assert Passkey.objects.filter(user=coworker).exists()


# --- the way back for someone who lost their passkey ---------------------------------------


def test_an_administrators_reset_lets_them_in_to_set_up_again(
    client, acme_passkeys, admin_user, coworker, outbox, time_machine
):
    """Without recovery by channel: locked out; the administrator resets;
    the person logs in with the password, turns 2FA on, adds a passkey."""
    admin_key = SoftKey()
    admin_key.store(admin_user)
    SoftKey().store(coworker, name="Lost phone")
    time_machine.move_to(AFTER, tick=False)
    admin = Client()
    password_step(admin, admin_user)
    passkey_login(admin, admin_key)
    reset = admin.post(
        reverse("enterprise:reset", args=[coworker.pk]),
        {"reason": "lost phone, checked by a call"},
    )
    assert reset.url == reverse("twofactor:verify")
    passkey_step_up(admin, admin_key)
    assert not Passkey.objects.filter(user=coworker).exists()

    # The password alone, then nothing but My Account.
    assert password_step(client, coworker).url == "/"
    assert client.get(reverse("home")).url == reverse("accounts:settings")
    client.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035551299", "twofactor": "on"},
    )
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox, to=coworker.email)})
    assert CodeDevice.objects.get(user=coworker).enrolled
    assert client.get(reverse("home")).url == reverse("accounts:security")
    passkey_add(client, outbox)

    assert client.get(reverse("home")).status_code == 200


# --- found by a review (docs/SECURITY.md) --------------------------------------------------


def test_a_change_begun_before_midnight_does_not_apply_in_a_kept_session(
    client, acme_passkeys, admin_user, outbox, time_machine
):
    """A Save begun at 23:59 by a session opened with a code is dropped once
    the session is kept to Security (its code no longer applies it)."""
    time_machine.move_to(LAST_MINUTE, tick=False)
    log_in(client, admin_user, outbox)
    client.post(reverse("enterprise:twofactor"), policy(require_passkeys=None))
    code = last_code(outbox, to=admin_user.email)
    time_machine.move_to(LAST_MINUTE + dt.timedelta(minutes=2), tick=False)

    answer = client.post(reverse("twofactor:verify"), {"code": code})

    assert answer.url == reverse("accounts:security")
    acme_passkeys.refresh_from_db()
    assert acme_passkeys.passkeys_required


def test_a_password_change_begun_before_midnight_does_not_apply_in_a_kept_session(
    client, acme_passkeys, coworker, outbox, time_machine
):
    from tests.fixtures import PASSWORD

    time_machine.move_to(LAST_MINUTE, tick=False)
    log_in(client, coworker, outbox)
    client.post(
        reverse("accounts:password"),
        {
            "current_password": PASSWORD,
            "new_password": "thief-chose-this-one-9",
            "confirm_password": "thief-chose-this-one-9",
        },
    )
    code = last_code(outbox)
    time_machine.move_to(LAST_MINUTE + dt.timedelta(minutes=2), tick=False)

    client.post(reverse("twofactor:verify"), {"code": code})

    coworker.refresh_from_db()
    assert coworker.check_password(PASSWORD)


def test_adding_a_passkey_begun_before_midnight_still_finishes(
    client, acme_passkeys, coworker, outbox, time_machine
):
    time_machine.move_to(LAST_MINUTE, tick=False)
    log_in(client, coworker, outbox)
    client.post(reverse("accounts:passkey_add"), {"name": "Laptop"})
    code = last_code(outbox)
    time_machine.move_to(LAST_MINUTE + dt.timedelta(minutes=2), tick=False)

    answer = client.post(reverse("twofactor:verify"), {"code": code})

    assert answer.url == reverse("accounts:passkey_new")


def test_a_date_already_past_is_refused(client, acme, admin_user, time_machine):
    """A copy of an administrator's session (tightening takes no code) must
    not lock out, at once and with no reminder, everyone without a passkey."""
    time_machine.move_to(BEFORE, tick=False)
    twofactor_on(acme, admin_user)
    verified_login(client, admin_user)

    response = client.post(reverse("enterprise:twofactor"), policy(passkeys_deadline="2026-11-30"))

    assert response.status_code == 400
    assert "Choose today or a later date (UTC)" in page_text(response)
    acme.refresh_from_db()
    assert not acme.passkeys_required


def test_a_date_already_saved_can_stay_when_it_has_passed(
    client, acme_passkeys, admin_user, time_machine
):
    key = SoftKey()
    key.store(admin_user)
    time_machine.move_to(AFTER, tick=False)
    password_step(client, admin_user)
    passkey_login(client, key)

    client.post(reverse("enterprise:twofactor"), policy(remember_days="0"))

    acme_passkeys.refresh_from_db()
    assert acme_passkeys.passkeys_deadline == DATE


def test_every_administrator_hears_when_the_rule_changes(
    client, acme, admin_user, make_user, time_machine
):
    time_machine.move_to(BEFORE, tick=False)
    other = make_user("bea", acme, admin=True)
    twofactor_on(acme, admin_user)
    verified_login(client, admin_user)
    mail.outbox.clear()

    client.post(reverse("enterprise:twofactor"), policy())

    told = [m for m in mail.outbox if "passkey requirement" in m.subject]
    assert sorted(m.to[0] for m in told) == sorted([admin_user.email, other.email])
    assert "only a passkey logs in" in told[0].body


def test_registering_a_credential_id_already_stored_is_refused_not_a_500(
    acme_passkeys, coworker, admin_user, outbox
):
    """Anyone with a co-worker's password reads their passkeys' ids in the
    login's options; registering one of them again is refused."""
    theirs = SoftKey()
    theirs.store(admin_user)
    client = Client(raise_request_exception=False)
    log_in(client, coworker, outbox)
    client.post(reverse("accounts:passkey_add"), {"name": "Mine"})
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    options = client.post(reverse("accounts:passkey_options")).json()
    mine = SoftKey()
    mine.cred_id = theirs.cred_id

    response = client.post(
        reverse("accounts:passkey_register"),
        data=mine.register(options),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert not Passkey.objects.filter(user=coworker).exists()


def test_a_passkey_session_whose_passkeys_went_is_kept_after_the_date(
    client, acme_passkeys, coworker, time_machine
):
    """The session's passkey counts only while the person still has one."""
    key = SoftKey()
    passkey = key.store(coworker)
    time_machine.move_to(LAST_MINUTE, tick=False)
    password_step(client, coworker)
    passkey_login(client, key)
    Passkey.objects.filter(pk=passkey.pk).delete()  # an administrator's reset, say
    CodeDevice.objects.filter(user=coworker).update(enrolled=True)
    time_machine.move_to(LAST_MINUTE + dt.timedelta(minutes=2), tick=False)

    assert client.get(reverse("home")).url == reverse("accounts:security")
