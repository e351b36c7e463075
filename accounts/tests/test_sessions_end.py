"""docs/SECURITY.md: sessions end after 30 minutes idle and 12 hours in all;
turning your own 2FA off, changing a destination or the password end the
person's other sessions; My Account > Security lists them and logs out the
others.

Before the fix, sessions lived 14 days with no idle limit and survived 2FA
changes made in other sessions."""

from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.code_step import T0, is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, log_in


def test_thirty_idle_minutes_end_a_session(client, coworker, time_machine):
    time_machine.move_to(T0, tick=False)
    log_in(client, coworker)
    time_machine.shift(timedelta(minutes=29))
    assert client.get(reverse("home")).status_code == 200

    time_machine.shift(timedelta(minutes=30, seconds=1))
    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "logged out after 30 minutes without activity" in page_text(response)
    assert not is_logged_in(client)


def test_twelve_hours_end_even_a_busy_session(client, coworker, time_machine):
    time_machine.move_to(T0, tick=False)
    log_in(client, coworker)
    for _ in range(12 * 3 - 1):
        time_machine.shift(timedelta(minutes=20))
        assert client.get(reverse("home")).status_code == 200

    time_machine.shift(timedelta(minutes=20))
    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "Please log in again" in page_text(response)


def test_turning_2fa_off_ends_the_other_sessions(coworker, acme, outbox):
    twofactor_on(acme, coworker)
    mine, stolen = Client(), Client()
    log_in(mine, coworker, outbox)
    log_in(stolen, coworker, outbox)

    mine.post(reverse("accounts:settings"), {"email": coworker.email})
    mine.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    assert is_logged_in(mine)
    assert mine.get(reverse("home")).status_code == 200
    assert stolen.get(reverse("home")).status_code == 302


def test_the_security_tab_lists_sessions_and_logs_out_the_others(coworker, time_machine):
    time_machine.move_to(T0, tick=False)
    mine, other = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"), Client()
    log_in(other, coworker)
    log_in(mine, coworker)

    page = page_text(mine.get(reverse("accounts:security")))
    assert "Active sessions" in page and "This session" in page
    assert "Chrome on Linux" in page and page.count("127.0.0.1") == 2

    response = mine.post(reverse("accounts:sessions_end_others"), follow=True)

    assert "Your other sessions were logged out." in page_text(response)
    assert mine.get(reverse("home")).status_code == 200
    assert other.get(reverse("home")).status_code == 302
    assert page_text(mine.get(reverse("accounts:security"))).count("127.0.0.1") == 1
    assert mail.outbox[-1].subject == "Customer Portal: your other sessions were logged out"


def test_a_login_waiting_for_its_code_ends_with_the_other_sessions(coworker, acme, outbox):
    """An attacker with a phished password is at the code step. Carl changes
    his password: the waiting login dies too, and the code (relayed by the
    phishing page) logs nobody in (found by a red-team review)."""
    from tests.fixtures import PASSWORD, password_step

    twofactor_on(acme, coworker)
    attacker = Client()
    password_step(attacker, coworker)
    relayed = last_code(outbox)
    carl = Client()
    log_in(carl, coworker, outbox)
    new = "a-much-longer-passphrase-42"
    carl.post(
        reverse("accounts:password"),
        {"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )
    carl.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    response = attacker.post(reverse("login_verify"), {"code": relayed}, follow=True)

    assert not is_logged_in(attacker)
    assert "Please log in again" in page_text(response)


def test_log_out_other_sessions_ends_a_waiting_login_too(coworker, acme, outbox):
    from tests.fixtures import password_step

    twofactor_on(acme, coworker)
    attacker = Client()
    password_step(attacker, coworker)
    relayed = last_code(outbox)
    carl = Client()
    verified_login(carl, coworker)

    carl.post(reverse("accounts:sessions_end_others"))

    attacker.post(reverse("login_verify"), {"code": relayed})
    assert not is_logged_in(attacker)


def test_log_out_other_sessions_kills_a_copy_of_this_session_too(coworker):
    """A thief's copy of this very cookie was "this session": it now dies
    with the others, as this session moves to a new key (found by a second
    red-team review)."""
    owner = Client()
    log_in(owner, coworker)
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = owner.cookies[settings.SESSION_COOKIE_NAME].value

    owner.post(reverse("accounts:sessions_end_others"))

    assert owner.get(reverse("home")).status_code == 200
    assert thief.get(reverse("home")).status_code == 302


def test_the_pop_ups_polling_is_not_activity(client, coworker, acme, outbox, time_machine):
    """A pop-up left open polls its delivery status every few seconds; that
    is not a person, and the session still ends after 30 idle minutes
    (found by a second red-team review)."""
    twofactor_on(acme, coworker)
    time_machine.move_to(T0, tick=False)
    log_in(client, coworker, outbox)
    client.post(reverse("accounts:settings"), {"email": coworker.email, "js": "1"})
    for _ in range(31):
        time_machine.shift(timedelta(minutes=1))
        client.get(reverse("twofactor:status", args=["change"]))

    assert client.get(reverse("home")).status_code == 302
    assert not is_logged_in(client)


def test_a_login_finished_while_the_sessions_end_is_refused_at_once(
    coworker, acme, outbox, monkeypatch
):
    """Carl ends his sessions at the very moment a phisher's relayed code is
    being checked: the session that login makes is refused at its first
    request (found by a second red-team review)."""
    from accounts.sessions import sessions_end
    from tests.fixtures import password_step
    from twofactor import codes

    twofactor_on(acme, coworker)
    phisher = Client()
    password_step(phisher, coworker)
    relayed = last_code(outbox)
    check = codes.code_verify

    def racing(**kwargs):
        challenge = check(**kwargs)
        sessions_end(user=coworker)  # carl, in another request, at this instant
        return challenge

    monkeypatch.setattr(codes, "code_verify", racing)
    phisher.post(reverse("login_verify"), {"code": relayed})
    monkeypatch.undo()

    assert phisher.get(reverse("home")).status_code == 302
    assert not is_logged_in(phisher)


def test_turning_2fa_on_ends_the_sessions_made_with_the_password_alone(coworker, acme, outbox):
    """Found by a second red-team review: a thief logged in with the password
    while 2FA was off kept their session after the owner turned it on."""
    from tests.fixtures import password_step

    acme.twofactor_enabled = True
    acme.save()
    thief, owner = Client(), Client()
    password_step(thief, coworker)
    password_step(owner, coworker)

    owner.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035551299", "twofactor": "on"},
    )
    owner.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    assert owner.get(reverse("accounts:settings")).status_code == 200
    response = thief.get(reverse("accounts:settings"), follow=True)
    assert "please log in again with your code" in page_text(response)
    assert not is_logged_in(thief)


def test_an_operators_password_reset_voids_a_waiting_login(coworker, acme, outbox):
    """Found by a second red-team review: the relayed code of a phished
    password still logged in after an operator reset the password."""
    from tests.fixtures import password_step

    twofactor_on(acme, coworker)
    phisher = Client()
    password_step(phisher, coworker)
    relayed = last_code(outbox)
    coworker.set_password("a-brand-new-passphrase-91")  # what /admin/ does
    coworker.save()

    phisher.post(reverse("login_verify"), {"code": relayed})

    assert not is_logged_in(phisher)


def test_a_login_begun_before_a_channel_change_must_start_again(coworker, acme, outbox):
    """Found by a second red-team review: a code by the old channel confirmed
    the new one, skipping its "Verification required"."""
    from tests.fixtures import password_step
    from twofactor.devices import devices_require_verification
    from twofactor.models import CodeDevice

    twofactor_on(acme, coworker, channel="email")
    login = Client()
    password_step(login, coworker)
    code = last_code(outbox)
    acme.twofactor_channel = "sms"
    acme.save()
    devices_require_verification(enterprise_id=acme.pk)

    response = login.post(reverse("login_verify"), {"code": code}, follow=True)

    assert not is_logged_in(login)
    assert "Please log in again" in page_text(response)
    assert not CodeDevice.objects.get(user=coworker).confirmed


def test_a_thiefs_request_in_flight_does_not_rejoin_the_new_generation(
    coworker, acme, outbox, monkeypatch
):
    """A thief's no-op Save is between the middleware and its end when carl's
    password change ends every other session: the thief's request must not
    bring its session back into the new generation (found by a third
    red-team review)."""
    from tests.fixtures import PASSWORD
    from twofactor.flows import change

    twofactor_on(acme, coworker)
    owner, thief = Client(), Client()
    verified_login(owner, coworker)
    verified_login(thief, coworker)
    new = "a-brand-new-passphrase-91"
    owner.post(
        reverse("accounts:password"),
        {"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )
    owner_code = last_code(outbox)
    thief_key = thief.session.session_key
    keep = change.session_keep
    raced = []

    def while_the_thief_saves(request, ended):
        # The thief's change is applied; its session is about to be kept.
        if not raced and request.session.session_key == thief_key:
            raced.append(owner.post(reverse("twofactor:verify"), {"code": owner_code}))
        return keep(request, ended)

    monkeypatch.setattr(change, "session_keep", while_the_thief_saves)
    thief.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035551299", "twofactor": "on"},
    )
    monkeypatch.undo()

    assert raced and raced[0].status_code == 302
    assert thief.get(reverse("accounts:security")).status_code == 302
    assert not is_logged_in(thief)
    assert owner.get(reverse("accounts:security")).status_code == 200


def test_a_password_only_session_ends_when_2fa_comes_back_with_a_new_channel(
    coworker, admin_user, acme, outbox
):
    """Carl's 2FA was on; the account turned it off and a thief logged in
    with the password alone. When the account turns 2FA back on with another
    channel, that session ends (found by a third red-team review: carl's
    device was "Verification required", which the rule did not count)."""
    from tests.fixtures import password_step

    twofactor_on(acme, coworker, admin_user)
    acme.twofactor_enabled = False
    acme.save()
    thief = Client()
    password_step(thief, coworker)
    assert is_logged_in(thief)
    admin = Client()
    verified_login(admin, admin_user)

    admin.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "sms"})

    assert thief.get(reverse("accounts:settings")).status_code == 302
    assert not is_logged_in(thief)


def test_a_channel_change_does_not_log_out_sessions_made_with_a_code(
    coworker, admin_user, acme, outbox
):
    twofactor_on(acme, coworker, admin_user)
    carl, admin = Client(), Client()
    log_in(carl, coworker, outbox)
    verified_login(admin, admin_user)

    response = admin.post(reverse("enterprise:twofactor"), {"status": "on", "channel": "sms"})

    assert response.status_code == 302
    assert admin.get(reverse("enterprise:twofactor")).status_code == 200
    assert carl.get(reverse("accounts:settings")).status_code == 200
