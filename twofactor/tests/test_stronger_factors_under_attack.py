"""Attacks on the authenticator app and passkeys, written by a review told
to break them (docs/SECURITY.md). A software passkey (tests/softkey.py)
makes real, validly signed ES256 registrations and assertions."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.code_step import is_logged_in, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from tests.softkey import SoftKey
from twofactor.models import CodeDevice, Passkey, TrustedBrowser

NOW = dt.datetime(2026, 12, 1, 9, 0, 0, tzinfo=dt.UTC)


def totp(device, *, at=None):
    g = TOTP(device.bin_key, device.step, device.t0, device.digits)
    g.time = (at or NOW).timestamp()
    return f"{g.token():06d}"


@pytest.fixture
def setup(acme, coworker, time_machine):
    twofactor_on(acme, coworker, channel="sms")
    acme.allow_authenticator_app = True
    acme.allow_passkey = True
    acme.remember_browser_days = 30
    acme.save()
    time_machine.move_to(NOW, tick=False)
    return acme


@pytest.fixture
def with_app(setup, coworker):
    return TOTPDevice.objects.create(user=coworker, name="Authenticator app", confirmed=True)


def nocrash(client):
    client.raise_request_exception = False
    return client


# ---- Remember-this-browser ---------------------------------------------------------


def test_recovery_code_at_app_stage_does_not_remember_browser(client, with_app, coworker):
    from twofactor import recovery

    codes = recovery.recovery_generate(
        user=coworker, ip=None, grant=recovery.recovery_grant(user=coworker)
    )
    assert codes
    password_step(client, coworker)
    r = client.post(reverse("login_verify"), {"recovery_code": codes[0], "remember": "on"})
    assert r.status_code == 302 and is_logged_in(client)
    assert not TrustedBrowser.objects.filter(user=coworker).exists(), "recovery code bought trust"


def test_recovery_code_at_passkey_stage_does_not_remember_browser(client, setup, coworker):
    from twofactor import recovery

    SoftKey().store(coworker)
    codes = recovery.recovery_generate(
        user=coworker, ip=None, grant=recovery.recovery_grant(user=coworker)
    )
    password_step(client, coworker)
    r = client.post(reverse("login_verify"), {"recovery_code": codes[0], "remember": "on"})
    assert r.status_code == 302 and is_logged_in(client)
    assert not TrustedBrowser.objects.filter(user=coworker).exists(), "recovery code bought trust"


def test_app_login_for_verification_required_person(client, with_app, coworker):
    CodeDevice.objects.filter(user=coworker).update(confirmed=False)
    password_step(client, coworker)
    r = client.post(reverse("login_verify"), {"code": totp(with_app), "remember": "on"})
    assert r.status_code == 302 and is_logged_in(client)
    assert not TrustedBrowser.objects.filter(user=coworker).exists()


# ---- App setup grant -----------------------------------------------------------------


def test_pending_app_setup_does_not_outlive_the_step_up(
    client, setup, coworker, outbox, time_machine
):
    verified_login(client, coworker)
    client.post(reverse("accounts:app_setup_start"))
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert TOTPDevice.objects.filter(confirmed=False).exists()
    # the owner walks away; hours later a thief with the cookie
    later = NOW + dt.timedelta(minutes=25)
    time_machine.move_to(later, tick=False)
    client.get(reverse("accounts:app_setup"))
    device = TOTPDevice.objects.get(confirmed=False)
    client.post(reverse("accounts:app_setup"), {"code": totp(device, at=later)})
    device.refresh_from_db()
    assert not device.confirmed, "app confirmed 25 min after the step-up (grant never expires)"


def test_other_persons_pending_device_in_session(client, setup, coworker, make_user):
    other = make_user("olga", setup, phone="+13035551288")
    twofactor_on(setup, other, channel="sms")
    theirs = TOTPDevice.objects.create(user=other, name="x", confirmed=False)
    verified_login(client, coworker)
    s = client.session
    s["_app_pending"] = theirs.pk
    s.save()
    r = client.post(reverse("accounts:app_setup"), {"code": totp(theirs)})
    theirs.refresh_from_db()
    assert not theirs.confirmed and r.status_code == 302


# ---- Admin turns methods off while a flow waits ----------------------------------------


def test_app_disallowed_while_login_waits(client, with_app, coworker, setup):
    password_step(client, coworker)
    setup.allow_authenticator_app = False
    setup.save()
    client.post(reverse("login_verify"), {"code": totp(with_app)})
    assert not is_logged_in(client), "disallowed app still logged in"


def test_app_disallowed_while_step_up_waits(client, with_app, coworker, setup):
    verified_login(client, coworker)
    client.post(
        reverse("accounts:password"),
        {
            "current_password": "correct-horse-battery-7",
            "new_password": "another-Good-passw0rd-99",
            "confirm_password": "another-Good-passw0rd-99",
        },
    )
    setup.allow_authenticator_app = False
    setup.save()
    client.post(reverse("twofactor:verify"), {"code": totp(with_app)})
    coworker.refresh_from_db()
    assert coworker.check_password("correct-horse-battery-7"), "disallowed app answered a step-up"


def test_passkey_disallowed_while_login_waits(client, setup, coworker):
    key = SoftKey()
    key.store(coworker)
    password_step(client, coworker)
    setup.allow_passkey = False
    setup.save()
    opts = client.post(reverse("passkey_options"))
    if opts.status_code == 200:
        client.post(
            reverse("passkey_verify"),
            data=key.assert_(opts.json()["challenge"]),
            content_type="application/json",
        )
    assert not is_logged_in(client), "disallowed passkey still logged in"


# ---- Passkey login works with soft key (sanity) and replay -------------------------------


def test_softkey_login_and_replay(client, setup, coworker):
    key = SoftKey()
    key.store(coworker)
    password_step(client, coworker)
    ch = client.post(reverse("passkey_options")).json()["challenge"]
    answer = key.assert_(ch)
    r = client.post(reverse("passkey_verify"), data=answer, content_type="application/json")
    assert is_logged_in(client), r.status_code
    # The page's script reads JSON: {"ok": true, "redirect": ...}.
    assert r.status_code == 200 and r.json()["ok"] is True
    # Replay the same assertion in another browser
    thief = Client()
    password_step(thief, coworker)
    thief.post(reverse("passkey_options"))
    r = thief.post(reverse("passkey_verify"), data=answer, content_type="application/json")
    assert r.status_code in (400, 429) and not is_logged_in(thief)


def test_passkey_remember_browser_for_verification_required(client, setup, coworker):
    key = SoftKey()
    key.store(coworker)
    CodeDevice.objects.filter(user=coworker).update(confirmed=False)
    password_step(client, coworker)
    ch = client.post(reverse("passkey_options"), {"remember": "on"}).json()["challenge"]
    r = client.post(
        reverse("passkey_verify"), data=key.assert_(ch), content_type="application/json"
    )
    assert r.status_code == 200
    assert not TrustedBrowser.objects.filter(user=coworker).exists()


# ---- Hostile bodies ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", ["[" * 15000, '{"id":' * 5000, '{"a":' + "[" * 15000], ids=["arr", "obj", "mixed"]
)
def test_deeply_nested_body_to_passkey_verify(client, setup, coworker, body):
    SoftKey().store(coworker)
    nocrash(client)
    password_step(client, coworker)
    client.post(reverse("passkey_options"))
    r = client.post(reverse("passkey_verify"), data=body, content_type="application/json")
    assert r.status_code in (400, 429), r.status_code


@pytest.mark.parametrize("body", ["[" * 15000, '{"a":' + "[" * 15000], ids=["arr", "mixed"])
def test_deeply_nested_body_to_passkey_register(client, setup, coworker, outbox, body):
    nocrash(client)
    verified_login(client, coworker)
    client.post(reverse("accounts:passkey_add"), {"name": "K"})
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert client.post(reverse("accounts:passkey_options")).status_code == 200
    r = client.post(
        reverse("accounts:passkey_register"), data=body, content_type="application/json"
    )
    assert r.status_code == 400, r.status_code


@pytest.mark.parametrize(
    "body",
    [
        '{"id":"x","rawId":"x","type":"public-key","response":{"clientDataJSON":1,"attestationObject":2}}',
        '{"id":"x","rawId":"x","type":"public-key","response":{"clientDataJSON":"eyJ9","attestationObject":"oA"}}',
        '{"id":"x","rawId":"x","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"gA"}}',
        '{"id":"x","rawId":"x","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"9w"}}',
        '{"id":"x","rawId":"x","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"ow"}}',
        '{"id":"x","rawId":"x","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"@@@"}}',
        '{"id":1,"rawId":[],"type":{},"response":[]}',
        '{"id":"x","rawId":"x","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YUA"}}',
    ],
)
def test_odd_registration_bodies(client, setup, coworker, outbox, body):
    nocrash(client)
    verified_login(client, coworker)
    client.post(reverse("accounts:passkey_add"), {"name": "K"})
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    client.post(reverse("accounts:passkey_options"))
    r = client.post(
        reverse("accounts:passkey_register"), data=body, content_type="application/json"
    )
    assert r.status_code == 400, r.status_code


@pytest.mark.parametrize(
    "resp",
    [
        {"clientDataJSON": "e30", "authenticatorData": "", "signature": ""},
        {"clientDataJSON": 5, "authenticatorData": 5, "signature": 5},
        {"clientDataJSON": "@@", "authenticatorData": "@@", "signature": "@@"},
        {
            "clientDataJSON": "e30",
            "authenticatorData": "AAAA",
            "signature": "AAAA",
            "userHandle": 7,
        },
    ],
)
def test_odd_assertion_bodies(client, setup, coworker, resp):
    key = SoftKey()
    key.store(coworker)
    nocrash(client)
    password_step(client, coworker)
    client.post(reverse("passkey_options"))
    cid = key.store.__self__ and json.loads(key.assert_("AAAA"))["id"]
    body = json.dumps({"id": cid, "rawId": cid, "type": "public-key", "response": resp})
    r = client.post(reverse("passkey_verify"), data=body, content_type="application/json")
    assert r.status_code in (400, 429), r.status_code


# ---- passkey endpoints and flow state ------------------------------------------------------


def test_passkey_options_after_login_voided_is_not_500(client, setup, coworker):
    SoftKey().store(coworker)
    nocrash(client)
    password_step(client, coworker)
    coworker.session_epoch += 1
    coworker.save(update_fields=["session_epoch"])
    r = client.post(reverse("passkey_options"))
    assert r.status_code == 400, r.status_code


def test_code_field_posted_at_passkey_stage(client, setup, coworker):
    SoftKey().store(coworker)
    nocrash(client)
    password_step(client, coworker)
    r = client.post(reverse("login_verify"), {"code": "123456"})
    assert r.status_code in (400, 429), r.status_code
    assert not is_logged_in(client)


def test_code_field_posted_at_passkey_stage_json(client, setup, coworker):
    SoftKey().store(coworker)
    nocrash(client)
    password_step(client, coworker)
    r = client.post(reverse("login_verify"), {"code": "123456"}, HTTP_ACCEPT="application/json")
    assert r.status_code in (400, 429), r.status_code


def test_passkey_verify_at_app_stage(client, with_app, coworker):
    key = SoftKey()
    key.store(coworker)  # has both: stage passkey; switch to app
    password_step(client, coworker)
    ch = client.post(reverse("passkey_options")).json()["challenge"]
    client.post(reverse("login_app_instead"))
    r = client.post(
        reverse("passkey_verify"), data=key.assert_(ch), content_type="application/json"
    )
    assert r.status_code == 400 and not is_logged_in(client)


def test_login_app_instead_without_app(client, setup, coworker):
    SoftKey().store(coworker)
    TOTPDevice.objects.create(user=coworker, name="pending", confirmed=False)
    password_step(client, coworker)
    client.post(reverse("login_app_instead"))
    assert client.session["twofactor_flow"]["stage"]["method"] == "passkey"


def test_passkey_failures_and_options_do_not_reset_lock(client, setup, coworker):
    SoftKey().store(coworker)
    nocrash(client)
    password_step(client, coworker)
    for _ in range(settings.TWOFACTOR_LOCKOUT_FAILURES + 2):
        client.post(reverse("passkey_options"))
        client.post(reverse("passkey_verify"), data='{"id":"zz"}', content_type="application/json")
    assert CodeDevice.objects.get(user=coworker).lock() is not None
    n = CodeDevice.objects.get(user=coworker).throttling_failure_count
    client.post(reverse("passkey_options"))
    assert CodeDevice.objects.get(user=coworker).throttling_failure_count == n


def test_app_failures_count(client, with_app, coworker):
    password_step(client, coworker)
    for _ in range(settings.TWOFACTOR_LOCKOUT_FAILURES):
        client.post(
            reverse("login_verify"), {"code": "000000" if totp(with_app) != "000000" else "111111"}
        )
    assert CodeDevice.objects.get(user=coworker).lock() is not None
    client.post(reverse("login_verify"), {"code": totp(with_app)})
    assert not is_logged_in(client)


# ---- TOTP replay across login and step-up ----------------------------------------------


def test_totp_replay_login_then_step_up(client, with_app, coworker):
    code = totp(with_app)
    password_step(client, coworker)
    client.post(reverse("login_verify"), {"code": code})
    assert is_logged_in(client)
    client.post(reverse("accounts:app_remove"))
    client.post(reverse("twofactor:verify"), {"code": code})
    assert TOTPDevice.objects.filter(pk=with_app.pk).exists()


def test_app_cannot_prove_new_destination(client, with_app, coworker, outbox):
    verified_login(client, coworker)
    client.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035551277", "twofactor": "on"},
    )
    # step-up by app
    client.post(reverse("twofactor:verify"), {"code": totp(with_app)})
    flow = client.session["twofactor_flow"]
    assert flow["stage"]["purpose"] == "prove"
    later = NOW + dt.timedelta(seconds=31)
    import time_machine as tm

    with tm.travel(later, tick=False):
        client.post(reverse("twofactor:verify"), {"code": totp(with_app, at=later)})
        client.post(
            reverse("twofactor:verify"),
            {"app_code": totp(with_app, at=later + dt.timedelta(seconds=30))},
        )
    coworker.refresh_from_db()
    assert str(coworker.phone) == "+13035551299"


# ---- Step-up "send a code instead" counts -------------------------------------------------


def test_send_instead_is_rate_limited(client, with_app, coworker, outbox, time_machine):
    verified_login(client, coworker)
    for i in range(15):
        client.post(reverse("accounts:app_remove"))  # new flow each time, app stage
        client.post(reverse("twofactor:resend"))
        time_machine.move_to(NOW + dt.timedelta(seconds=31 * (i + 1)), tick=False)
    assert len(outbox) <= settings.TWOFACTOR_MAX_CODES_PER_USER, len(outbox)


# ---- CSRF -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["passkey_options", "passkey_verify", "login_app_instead"])
def test_csrf_on_login_json_endpoints(setup, coworker, name):
    SoftKey().store(coworker)
    c = Client(enforce_csrf_checks=True)
    c.get(reverse("login"))
    token = c.cookies[settings.CSRF_COOKIE_NAME].value
    c.post(
        reverse("login"),
        {
            "username": coworker.username,
            "password": "correct-horse-battery-7",
            "csrfmiddlewaretoken": token,
        },
    )
    assert "twofactor_flow" in c.session
    assert c.post(reverse(name), data="{}", content_type="application/json").status_code == 403


@pytest.mark.parametrize(
    "name", ["accounts:passkey_options", "accounts:passkey_register", "accounts:app_setup"]
)
def test_csrf_on_account_endpoints(setup, coworker, name):
    c = Client(enforce_csrf_checks=True)
    verified_login(c, coworker)
    assert c.post(reverse(name), data="{}", content_type="application/json").status_code == 403


# ---- Passkey grant -------------------------------------------------------------------


def _grant(client, outbox):
    client.post(reverse("accounts:passkey_add"), {"name": "Thief"})
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})


def test_softkey_registration_works(client, setup, coworker, outbox):
    verified_login(client, coworker)
    _grant(client, outbox)
    key = SoftKey()
    opts = client.post(reverse("accounts:passkey_options")).json()
    r = client.post(
        reverse("accounts:passkey_register"),
        data=key.register(opts),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert Passkey.objects.filter(user=coworker).count() == 1
    # the grant is spent: a second one needs a new step-up
    opts = client.post(reverse("accounts:passkey_options"))
    assert opts.status_code == 400


def test_passkey_grant_reuse_two_tabs(client, setup, coworker, outbox):
    verified_login(client, coworker)
    _grant(client, outbox)
    k1, k2 = SoftKey(), SoftKey()
    o1 = client.post(reverse("accounts:passkey_options")).json()
    o2 = client.post(reverse("accounts:passkey_options")).json()
    client.post(
        reverse("accounts:passkey_register"), data=k1.register(o1), content_type="application/json"
    )
    client.post(
        reverse("accounts:passkey_register"), data=k2.register(o2), content_type="application/json"
    )
    assert Passkey.objects.filter(user=coworker).count() <= 1


def test_passkey_registered_after_2fa_turned_off(client, setup, coworker, outbox):
    verified_login(client, coworker)
    _grant(client, outbox)
    opts = client.post(reverse("accounts:passkey_options")).json()
    # 2FA turned off (step-up fresh: no code needed)
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035551299"})
    dev = CodeDevice.objects.get(user=coworker)
    assert not dev.enrolled
    key = SoftKey()
    client.post(
        reverse("accounts:passkey_register"),
        data=key.register(opts),
        content_type="application/json",
    )
    assert not Passkey.objects.filter(user=coworker).exists(), "passkey added with 2FA off"


def test_app_confirmed_after_2fa_off_and_on_again(client, setup, coworker, outbox):
    """pending app survives? (2FA off removes all TOTPDevices)"""
    verified_login(client, coworker)
    client.post(reverse("accounts:app_setup_start"))
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    client.post(reverse("accounts:settings"), {"email": coworker.email, "phone": "+13035551299"})
    assert not TOTPDevice.objects.exists()


def test_passkey_login_with_uv_false_refused(client, setup, coworker):
    key = SoftKey()
    key.store(coworker)
    password_step(client, coworker)
    ch = client.post(reverse("passkey_options")).json()["challenge"]
    client.post(
        reverse("passkey_verify"), data=key.assert_(ch, uv=False), content_type="application/json"
    )
    assert not is_logged_in(client)


def test_other_persons_passkey_assertion(client, setup, coworker, make_user):
    other = make_user("olga", setup, phone="+13035551288")
    twofactor_on(setup, other, channel="sms")
    key = SoftKey()
    key.store(other)
    SoftKey().store(coworker)
    password_step(client, coworker)
    ch = client.post(reverse("passkey_options")).json()["challenge"]
    client.post(reverse("passkey_verify"), data=key.assert_(ch), content_type="application/json")
    assert not is_logged_in(client)


def test_remove_other_persons_passkey(client, setup, coworker, make_user):
    other = make_user("olga", setup, phone="+13035551288")
    pk = SoftKey().store(other)
    verified_login(client, coworker)
    s = client.session
    from django.utils import timezone

    s["twofactor_step_up"] = {
        "user_id": coworker.pk,
        "at": timezone.now().isoformat(),
        "channel": "sms",
        "address": "+13035551299",
    }
    s.save()
    client.post(reverse("accounts:passkey_remove", args=[pk.pk]))
    assert Passkey.objects.filter(pk=pk.pk).exists()
