"""Remembered browsers hold only what they were granted (found by a review
that attacked them): a recovery code never remembers a browser; a person
who must verify a new channel is never let in by one; trust is bound to the
password and to where the codes go, so an operator's reset in /admin/ ends it
too; revoking a browser ends the session it opened."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.code_step import is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import PASSWORD, last_code, password_step
from twofactor.devices import devices_require_verification
from twofactor.models import CodeDevice, TrustedBrowser

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
RECOVERY_RE = re.compile(r"<li>([a-z0-9]{4}-[a-z0-9]{4})</li>")


def generate_codes(client, outbox) -> list[str]:
    """Generate recovery codes on Security (a step-up with the sent code)."""
    response = client.post(reverse("accounts:recovery_codes"))
    if response.url == reverse("twofactor:verify"):
        response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    page = client.get(response.url)
    return RECOVERY_RE.findall(page.content.decode())


def password_only_login(client, user, outbox, password=PASSWORD) -> bool:
    """Log out, then the password alone: True if that logged in with no code sent."""
    client.post(reverse("logout"))
    sent = len(outbox)
    response = password_step(client, user, password=password)
    if response.status_code != 302 or response.url == reverse("login_verify"):
        return False
    return len(outbox) == sent and is_logged_in(client)


@pytest.fixture
def remembering(acme, coworker, time_machine):
    """Acme remembers browsers for 30 days; the co-worker has 2FA on."""
    twofactor_on(acme, coworker)
    acme.remember_browser_days = 30
    acme.save()
    time_machine.move_to(NOW, tick=False)
    return acme


def remember_with_code(client, user, outbox):
    password_step(client, user)
    response = client.post(reverse("login_verify"), {"code": last_code(outbox), "remember": "on"})
    assert response.status_code == 302 and is_logged_in(client)
    assert TrustedBrowser.objects.filter(user=user).exists()
    return response


@pytest.fixture
def operator(make_user, acme):
    """An operator (staff, superuser) with 2FA on and a code-verified session."""
    op = make_user("olga", acme, phone="+13035551277")
    op.is_staff = op.is_superuser = True
    op.save()
    return op


def operator_client(acme, op) -> Client:
    twofactor_on(acme, op)
    client = Client()
    verified_login(client, op)
    assert client.get("/admin/").status_code == 200
    return client


def test_a_recovery_code_never_remembers_a_browser(remembering, acme, coworker, outbox):
    """A password holder who has one recovery code (a photographed sheet, a
    shoulder-surfed code) ticks Remember this browser in the pop-up and gets
    30 days of password-alone logins out of a code that is meant to be
    single use. No code was ever sent to the person's phone or mailbox."""
    owner = Client()
    verified_login(owner, coworker)
    codes = generate_codes(owner, outbox)
    leaked = codes[3]

    thief = Client()
    password_step(thief, coworker)
    sent_before = len(outbox)
    response = thief.post(reverse("login_verify"), {"recovery_code": leaked, "remember": "on"})
    assert response.status_code == 302 and is_logged_in(thief)

    # Expected: a recovery code logs in once, and does not make the browser trusted.
    gained = password_only_login(thief, coworker, outbox)
    assert not gained, (
        "a single-use recovery code made the thief's browser trusted: password alone from now on"
    )
    assert len(outbox) > sent_before


def test_a_verification_required_person_is_never_let_in_by_a_browser(
    remembering, acme, coworker, outbox
):
    """The administrator moves the account from Email to SMS: every co-worker
    must prove a code by SMS (Verification required) and every remembered
    browser ends (DECISIONS: "otherwise a browser remembered under email codes
    would skip the proof the new channel asks of everyone"). A recovery code
    with Remember ticked gives back a trusted browser without any SMS code:
    the person (or whoever holds the password and a recovery code) skips the
    new channel's proof for 30 days and stays "Verification required"."""
    owner = Client()
    verified_login(owner, coworker)
    codes = generate_codes(owner, outbox)

    acme.twofactor_channel = "sms"
    acme.save()
    devices_require_verification(enterprise_id=acme.pk)

    browser = Client()
    password_step(browser, coworker)
    browser.post(reverse("login_verify"), {"recovery_code": codes[0], "remember": "on"})
    assert is_logged_in(browser)
    assert not CodeDevice.objects.get(user=coworker).confirmed

    # Days later, the password alone: expected to ask for the SMS code.
    logged_in = password_only_login(browser, coworker, outbox)
    assert not logged_in, (
        "a recovery code + Remember let a Verification-required login skip the new channel"
    )


def test_an_operators_password_reset_ends_trust(remembering, acme, coworker, operator, outbox):
    """docs/SECURITY.md: trust is "Ended by a password change". An operator
    resetting the password in /admin/ (the documented help for a compromised
    login) leaves every remembered browser: whoever holds that browser and
    learns the new password (told over the phone, reused, autofilled after
    the person re-saves it) logs in with no code."""
    thief = Client()
    remember_with_code(thief, coworker, outbox)
    ops = operator_client(acme, operator)

    new = "operator-chosen-passphrase-42"
    response = ops.post(
        f"/admin/accounts/user/{coworker.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302, page_text(response)[:500]
    coworker.refresh_from_db()
    assert coworker.check_password(new)

    gained = password_only_login(thief, coworker, outbox, password=new)
    assert not gained, "the remembered browser survived an operator's password reset"


def test_an_operator_changing_the_phone_in_admin_ends_trust(
    acme, coworker, operator, outbox, time_machine
):
    """Laptop and phone stolen together (the laptop keeps the saved password
    and the trust cookie). The operator moves the person's codes to a new
    phone in /admin/ (save_model ends sessions and confirms the new number)
    but the thief's remembered browser is not ended, as docs/SECURITY.md
    promises for "a new email or phone": the thief keeps logging in with the
    saved password and no code."""
    twofactor_on(acme, coworker, channel="sms")
    acme.remember_browser_days = 30
    acme.save()
    time_machine.move_to(NOW, tick=False)
    thief = Client()
    remember_with_code(thief, coworker, outbox)
    ops = operator_client(acme, operator)

    change_url = f"/admin/accounts/user/{coworker.pk}/change/"
    form = ops.get(change_url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or name == "password":
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
            continue
        if isinstance(value, dt.datetime):
            data[f"{name}_0"], data[f"{name}_1"] = f"{value:%Y-%m-%d}", f"{value:%H:%M:%S}"
            continue
        data[name] = getattr(value, "pk", value)
    data["phone"] = "+13035550188"
    response = ops.post(change_url, data)
    assert response.status_code == 302, page_text(response)[:1500]
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == "+13035550188"

    gained = password_only_login(thief, coworker, outbox)
    assert not gained, (
        "the remembered browser survived the operator moving the codes to a new phone"
    )


def test_revoking_a_browser_ends_the_session_it_opened(remembering, coworker, outbox):
    """The owner sees a browser they do not know on Security > Trusted
    browsers and presses Revoke. The thief's cookie stops working for the
    *next* login, but the session that browser already opened keeps going
    (up to 12 hours, 30 minutes idle, refreshed by every click): the owner
    believes the intruder is out, and must also find "Log out other
    sessions" (DECISIONS keeps the two apart)."""
    thief = Client()
    remember_with_code(thief, coworker, outbox)
    assert password_only_login(thief, coworker, outbox)  # the thief's session now

    owner = Client()
    verified_login(owner, coworker)
    row = TrustedBrowser.objects.get(user=coworker)
    owner.post(reverse("accounts:browser_revoke", args=[row.pk]))
    assert not TrustedBrowser.objects.filter(user=coworker).exists()

    assert thief.get(reverse("accounts:security")).status_code != 200, (
        "the session opened by the revoked browser still reads Security"
    )
