"""The authenticator app (TOTP, RFC 6238; django-otp's TOTPDevice): allowed
by the administrator, set up after a step-up from a QR code or its secret,
active after its first code, asked for first at login (no message sent),
with django-otp's drift and replay rules, failures counted in the same locks,
a step-up answer (never the proof of a new destination), removed after a
step-up."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from enterprise.models import AuditEvent
from tests.code_step import is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from twofactor.models import CodeDevice

NOW = dt.datetime(2026, 12, 1, 9, 0, 0, tzinfo=dt.UTC)


def totp(device: TOTPDevice, *, steps: int = 0) -> str:
    """What the person's app shows now (or `steps` of 30 s away)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits)
    generator.time = NOW.timestamp() + 30 * steps
    return f"{generator.token():06d}"


@pytest.fixture
def allowed(acme, coworker, time_machine):
    twofactor_on(acme, coworker, channel="sms")
    acme.allow_authenticator_app = True
    acme.save()
    time_machine.move_to(NOW, tick=False)
    return acme


def set_up(client, outbox) -> TOTPDevice:
    """Security > Set up authenticator app: the step-up, the QR page, Verify."""
    response = client.post(reverse("accounts:app_setup_start"))
    if response.url == reverse("twofactor:verify"):
        response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert response.url == reverse("accounts:app_setup")
    page = client.get(response.url)
    assert "<svg" in page.content.decode() and "type this secret instead" in page_text(page)
    device = TOTPDevice.objects.get(confirmed=False)
    done = client.post(reverse("accounts:app_setup"), {"code": totp(device)}, follow=True)
    assert "Your authenticator app is active." in page_text(done)
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_off_by_default_and_the_security_tab_says_nothing_of_it(client, acme, coworker):
    twofactor_on(acme, coworker)
    verified_login(client, coworker)
    assert "Authenticator app" not in page_text(client.get(reverse("accounts:security")))
    assert client.post(reverse("accounts:app_setup_start")).status_code == 400
    assert not TOTPDevice.objects.exists()


def test_the_administrator_allows_it_on_the_two_factor_tab(client, acme, admin_user):
    twofactor_on(acme, admin_user)
    verified_login(client, admin_user)
    data = {"status": "on", "channel": "email", "allow_app": "on", "remember_days": "0"}
    client.post(reverse("enterprise:twofactor"), data)
    acme.refresh_from_db()
    assert acme.allow_authenticator_app
    assert AuditEvent.objects.filter(detail="authenticator apps allowed").exists()


def test_setting_it_up_needs_a_step_up_and_its_first_code(client, allowed, coworker, outbox):
    verified_login(client, coworker)
    response = client.post(reverse("accounts:app_setup_start"))
    assert response.url == reverse("twofactor:verify")  # the step-up first
    assert not TOTPDevice.objects.exists()
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    device = TOTPDevice.objects.get(user=coworker)
    assert not device.confirmed

    wrong = client.post(reverse("accounts:app_setup"), {"code": "000000"})
    assert wrong.status_code == 400 and "not correct" in page_text(wrong)
    client.post(reverse("accounts:app_setup"), {"code": totp(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="factor_added", target=coworker).exists()
    assert any("An authenticator app was added" in m.body for m in mail.outbox)


def test_login_asks_for_the_app_first_and_sends_nothing(client, allowed, coworker, outbox):
    verified_login(client, coworker)
    device = set_up(client, outbox)
    browser = Client()
    sent = len(outbox)

    password_step(browser, coworker)
    page = page_text(browser.get(reverse("login_verify")))
    assert "Open your authenticator app" in page and "Try another way" in page
    assert len(outbox) == sent
    browser.post(reverse("login_verify"), {"code": totp(device, steps=1)})
    assert is_logged_in(browser)


def test_a_code_is_accepted_once_and_drift_is_one_step(
    client, allowed, coworker, outbox, time_machine
):
    verified_login(client, coworker)
    device = set_up(client, outbox)

    # Replay: the code just used for setting up logs nobody in.
    replay = Client()
    password_step(replay, coworker)
    assert replay.post(reverse("login_verify"), {"code": totp(device)}).status_code == 400
    assert not is_logged_in(replay)
    # Two steps ahead of the server's clock: refused; one step: accepted.
    time_machine.move_to(NOW + dt.timedelta(seconds=90), tick=False)
    assert replay.post(reverse("login_verify"), {"code": totp(device, steps=5)}).status_code == 400
    replay.post(reverse("login_verify"), {"code": totp(device, steps=4)})
    assert is_logged_in(replay)


def test_wrong_app_codes_count_toward_the_same_lock(client, allowed, coworker, outbox):
    verified_login(client, coworker)
    device = set_up(client, outbox)
    attacker = Client()
    password_step(attacker, coworker)
    for _ in range(settings.TWOFACTOR_LOCKOUT_FAILURES):
        attacker.post(reverse("login_verify"), {"code": "123456"})
    assert CodeDevice.objects.get(user=coworker).lock() is not None
    response = attacker.post(reverse("login_verify"), {"code": totp(device, steps=1)})
    assert response.status_code == 429 and not is_logged_in(attacker)


def test_try_another_way_sends_a_code_by_the_channel(client, allowed, coworker, outbox):
    verified_login(client, coworker)
    set_up(client, outbox)
    browser = Client()
    password_step(browser, coworker)
    page = page_text(browser.get(reverse("login_verify")))
    assert "Send a code by SMS to +1••••••1299 instead" in page

    browser.post(reverse("login_resend"))
    assert outbox[-1]["channel"] == "sms"
    browser.post(reverse("login_verify"), {"code": last_code(outbox)})
    assert is_logged_in(browser)


def test_the_app_answers_a_step_up_but_never_proves_a_new_phone(client, allowed, coworker, outbox):
    verified_login(client, coworker)
    device = set_up(client, outbox)
    fresh = Client()
    verified_login(fresh, coworker)
    sent = len(outbox)
    fresh.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035550177", "twofactor": "on"},
    )
    # The step-up asks for the app first, and sends nothing.
    assert "Open your authenticator app" in page_text(fresh.get(reverse("twofactor:verify")))
    assert len(outbox) == sent
    fresh.post(reverse("twofactor:verify"), {"code": totp(device, steps=1)})
    # Step 2, the new phone's own code: the app is not offered, nor accepted.
    assert "Use your authenticator app" not in page_text(fresh.get(reverse("twofactor:verify")))
    refused = fresh.post(reverse("twofactor:verify"), {"app_code": totp(device, steps=1)})
    assert refused.status_code == 400
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == "+13035551299"


def test_removing_it_needs_a_step_up_and_its_codes_stop_working(client, allowed, coworker, outbox):
    verified_login(client, coworker)
    device = set_up(client, outbox)
    thief = Client()
    verified_login(thief, coworker)  # a copy of the session, no fresh step-up
    assert thief.post(reverse("accounts:app_remove")).url == reverse("twofactor:verify")
    assert TOTPDevice.objects.filter(user=coworker).exists()

    client.post(reverse("accounts:app_remove"))  # this session's step-up is fresh
    assert not TOTPDevice.objects.filter(user=coworker).exists()
    browser = Client()
    sent = len(outbox)
    password_step(browser, coworker)
    assert len(outbox) == sent + 1  # a code by SMS again
    assert browser.post(reverse("login_verify"), {"code": totp(device, steps=1)}).status_code == 400


def test_the_administrator_disallowing_it_puts_logins_back_on_the_channel(
    client, allowed, coworker, outbox
):
    verified_login(client, coworker)
    set_up(client, outbox)
    allowed.allow_authenticator_app = False
    allowed.save()
    browser = Client()
    sent = len(outbox)
    password_step(browser, coworker)
    assert len(outbox) == sent + 1
    assert "Authenticator app" not in page_text(client.get(reverse("accounts:security")))


def test_turning_2fa_off_or_a_reset_removes_the_app(client, allowed, coworker, admin_user, outbox):
    verified_login(client, coworker)
    set_up(client, outbox)
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035551299"})
    assert not TOTPDevice.objects.filter(user=coworker).exists()

    client.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035551299", "twofactor": "on"},
    )
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    set_up(client, outbox)
    twofactor_on(allowed, admin_user)
    admin = Client()
    verified_login(admin, admin_user)
    admin.post(
        reverse("enterprise:reset", args=[coworker.pk]), {"reason": "lost phone, called them"}
    )
    admin.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert not TOTPDevice.objects.filter(user=coworker).exists()


def test_the_coworker_table_and_csv_show_each_persons_methods(
    client, allowed, coworker, admin_user, outbox
):
    verified_login(client, coworker)
    set_up(client, outbox)
    twofactor_on(allowed, admin_user, channel="sms")
    admin = Client()
    verified_login(admin, admin_user)

    table = page_text(admin.get(reverse("enterprise:twofactor")))
    assert "Authenticator app, code by SMS" in table and "Code by SMS" in table
    export = b"".join(admin.get(reverse("enterprise:coworkers_export")).streaming_content)
    lines = export.decode().splitlines()
    assert lines[0].endswith("2FA,Methods")
    carl = next(line for line in lines if line.startswith("carl,"))
    assert carl.endswith('"Authenticator app, code by SMS"')


def test_a_step_up_can_still_send_a_code_instead(client, allowed, coworker, outbox):
    verified_login(client, coworker)
    set_up(client, outbox)
    fresh = Client()
    verified_login(fresh, coworker)
    fresh.post(reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035551299"})
    page = page_text(fresh.get(reverse("twofactor:verify")))
    assert "Send a code by SMS to +1••••••1299 instead" in page

    fresh.post(reverse("twofactor:resend"))
    assert outbox[-1]["channel"] == "sms"
    fresh.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert not CodeDevice.objects.get(user=coworker).enrolled  # 2FA off, after the code
