"""Remember this browser: after a code, that person in that browser logs in
with the password alone until the days pass. Per person and per browser,
server-side behind a signed cookie, revocable, and ended by a password
change, 2FA off, a new email or phone, a reset, or fewer days."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from twofactor.models import TrustedBrowser

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
COOKIE = settings.TWOFACTOR_TRUST_COOKIE


@pytest.fixture
def remembering(acme, coworker, time_machine):
    """Acme remembers browsers for 7 days; the co-worker has 2FA on."""
    twofactor_on(acme, coworker)
    acme.remember_browser_days = 7
    acme.save()
    time_machine.move_to(NOW, tick=False)
    return acme


def remember(client, user, outbox):
    """Log in with a code, ticking Remember this browser."""
    response = password_step(client, user)
    assert response.url == reverse("login_verify")
    page = client.get(reverse("login_verify"))
    assert "Remember this browser for 7 days" in page_text(page)
    response = client.post(reverse("login_verify"), {"code": last_code(outbox), "remember": "on"})
    assert response.status_code == 302 and is_logged_in(client)
    return response


def logged_in_with_password_alone(client, user, outbox) -> bool:
    client.post(reverse("logout"))
    sent = len(outbox)
    response = password_step(client, user)
    if response.url == reverse("login_verify"):
        assert len(outbox) == sent + 1
        return False
    assert len(outbox) == sent and is_logged_in(client)
    return True


def test_a_remembered_browser_logs_in_with_the_password_alone(
    client, remembering, coworker, outbox
):
    response = remember(client, coworker, outbox)

    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    row = TrustedBrowser.objects.get(user=coworker)
    assert row.token_hash not in cookie.value  # only a hash is stored
    assert AuditEvent.objects.filter(action="browser_trusted", target=coworker).exists()
    assert any("was remembered" in m.subject for m in mail.outbox)
    assert logged_in_with_password_alone(client, coworker, outbox)
    # The session is as good as a code's for the portal's pages.
    assert client.get(reverse("accounts:security")).status_code == 200


def test_without_the_box_ticked_nothing_is_remembered(client, remembering, coworker, outbox):
    password_step(client, coworker)
    client.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert not TrustedBrowser.objects.exists()
    assert not logged_in_with_password_alone(client, coworker, outbox)


def test_with_zero_days_the_pop_up_offers_nothing_and_a_forged_box_does_nothing(
    client, acme, coworker, outbox
):
    twofactor_on(acme, coworker)
    password_step(client, coworker)
    assert "Remember this browser" not in page_text(client.get(reverse("login_verify")))
    client.post(reverse("login_verify"), {"code": last_code(outbox), "remember": "on"})
    assert not TrustedBrowser.objects.exists()


def test_trust_ends_when_the_days_pass(client, remembering, coworker, outbox, time_machine):
    remember(client, coworker, outbox)
    time_machine.move_to(NOW + dt.timedelta(days=7, seconds=1), tick=False)
    assert not logged_in_with_password_alone(client, coworker, outbox)


def test_two_people_on_one_browser_are_separate(client, remembering, coworker, make_user, outbox):
    other = make_user("dora", remembering)
    twofactor_on(remembering, other)
    remember(client, coworker, outbox)
    client.post(reverse("logout"))

    # Dora on the same browser still needs her code; after she too is
    # remembered, both are.
    assert not logged_in_with_password_alone(client, other, outbox)
    client.post(reverse("logout"))
    remember(client, other, outbox)
    assert logged_in_with_password_alone(client, coworker, outbox)
    assert logged_in_with_password_alone(client, other, outbox)


def test_a_copied_or_forged_cookie_is_not_trust(client, remembering, coworker, make_user, outbox):
    response = remember(client, coworker, outbox)
    value = response.cookies[COOKIE].value

    # Another person's password with Carl's cookie: still a code.
    other = make_user("dora", remembering)
    twofactor_on(remembering, other)
    attacker = Client()
    attacker.cookies[COOKIE] = value
    assert not logged_in_with_password_alone(attacker, other, outbox)

    # A cookie not signed by the portal: ignored.
    forged = Client()
    forged.cookies[COOKIE] = value.rsplit(":", 1)[0] + ":AAAA"
    assert not logged_in_with_password_alone(forged, coworker, outbox)


def test_revoke_and_revoke_all_on_the_security_tab(client, remembering, coworker, outbox):
    remember(client, coworker, outbox)
    second = Client()
    remember(second, coworker, outbox)

    page = page_text(client.get(reverse("accounts:security")))
    assert "Trusted browsers" in page and "(this browser)" in page
    mine = TrustedBrowser.objects.filter(user=coworker).order_by("created_at", "pk").first()
    client.post(reverse("accounts:browser_revoke", args=[mine.pk]))
    assert TrustedBrowser.objects.filter(user=coworker).count() == 1
    assert not logged_in_with_password_alone(client, coworker, outbox)

    client.post(reverse("login_verify"), {"code": last_code(outbox)})
    response = client.post(reverse("accounts:browsers_revoke_all"), follow=True)
    assert "1 browser is no longer remembered." in page_text(response)
    assert not logged_in_with_password_alone(second, coworker, outbox)
    assert AuditEvent.objects.filter(action="browser_trust_ended", target=coworker).count() == 2


def test_nobody_revokes_another_persons_browser(client, remembering, coworker, make_user, outbox):
    remember(client, coworker, outbox)
    carl_browser = TrustedBrowser.objects.get(user=coworker)
    other = make_user("dora", remembering)
    intruder = Client()
    verified_login(intruder, other)
    intruder.post(reverse("accounts:browser_revoke", args=[carl_browser.pk]))
    assert TrustedBrowser.objects.filter(pk=carl_browser.pk).exists()


def test_a_password_change_ends_trust(client, remembering, coworker, outbox):
    remember(client, coworker, outbox)
    new = "another-long-passphrase-9"
    client.post(
        reverse("accounts:password"),
        {
            "current_password": "correct-horse-battery-7",
            "new_password": new,
            "confirm_password": new,
        },
    )
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert not TrustedBrowser.objects.filter(user=coworker).exists()


def test_turning_2fa_off_or_a_new_phone_ends_trust(client, remembering, coworker, outbox):
    remember(client, coworker, outbox)
    data = {"email": coworker.email, "phone": "+13035550123", "twofactor": "on"}
    client.post(reverse("accounts:settings"), data)
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert not TrustedBrowser.objects.filter(user=coworker).exists()

    remember(Client(), coworker, outbox)
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035550123"})
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert not TrustedBrowser.objects.filter(user=coworker).exists()


def test_the_administrator_lowering_the_days_ends_older_trust(
    client, remembering, coworker, admin_user, outbox, time_machine
):
    remember(client, coworker, outbox)
    time_machine.move_to(NOW + dt.timedelta(days=3), tick=False)
    admin = Client()
    verified_login(admin, admin_user)
    data = {"status": "on", "channel": "email", "deadline": "", "remember_days": "2"}
    admin.post(reverse("enterprise:twofactor"), data)

    assert not TrustedBrowser.objects.filter(user=coworker).exists()
    assert not logged_in_with_password_alone(client, coworker, outbox)


def test_days_lowered_then_raised_revive_nothing(
    client, remembering, coworker, admin_user, outbox, time_machine
):
    remember(client, coworker, outbox)
    time_machine.move_to(NOW + dt.timedelta(days=1), tick=False)
    admin = Client()
    verified_login(admin, admin_user)
    for days in ("2", "7"):
        data = {"status": "on", "channel": "email", "deadline": "", "remember_days": days}
        admin.post(reverse("enterprise:twofactor"), data)
        if admin.session.get("twofactor_flow"):
            admin.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    time_machine.move_to(NOW + dt.timedelta(days=2, seconds=1), tick=False)
    assert not logged_in_with_password_alone(client, coworker, outbox)


def test_operators_always_enter_a_code(client, remembering, coworker, outbox):
    coworker.is_staff = True
    coworker.save()
    password_step(client, coworker)
    assert "Remember this browser" not in page_text(client.get(reverse("login_verify")))
    client.post(reverse("login_verify"), {"code": last_code(outbox), "remember": "on"})
    assert not TrustedBrowser.objects.exists()
