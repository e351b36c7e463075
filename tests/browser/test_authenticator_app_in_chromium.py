"""The authenticator app in Chromium against the portal served for real: the
administrator allows it; a co-worker sets it up from the secret shown beside
the QR code (a step-up first), and logs in with a code computed from it; no
message is sent at that login. axe-core checks the new pages at both widths."""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser.people import (
    log_in,
    log_in_with_code,
    log_out,
    open_security_tab,
    open_twofactor_tab,
    popup,
    verify,
)
from tests.browser.test_accessibility import check_and_capture
from tests.code_step import twofactor_on

pytestmark = pytest.mark.browser
ADA_PHONE, CARL_PHONE = "+13035551212", "+13035551299"


def app_code(secret: str, *, steps: int = 0) -> str:
    """What an authenticator app shows for `secret` (as the page prints it)."""
    key = b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    generator = TOTP(key, 30, 0, 6)
    generator.time = time.time() + 30 * steps
    return f"{generator.token():06d}"


def test_the_administrator_allows_it_and_a_coworker_logs_in_with_it(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    admin = open_browser()
    log_in_with_code(admin, "ada", lambda: inbox.sms_code(ADA_PHONE))
    open_twofactor_tab(admin)
    admin.get_by_role("checkbox", name="Authenticator app").check()
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("status")).to_contain_text("Settings saved.")
    expect(admin.get_by_role("checkbox", name="Authenticator app")).to_be_checked()

    page = open_browser()
    log_in_with_code(page, "carl", lambda: inbox.sms_code(CARL_PHONE))
    open_security_tab(page)
    page.get_by_role("button", name="Set up authenticator app").click()
    # A step-up first: a stolen session must not add the thief's app.
    verify(popup(page), inbox.sms_code(CARL_PHONE))
    expect(page).to_have_url(re.compile(r"/account/security/app/setup/$"))
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    check_and_capture(page, "authenticator-app-setup")
    page.set_viewport_size({"width": 1280, "height": 900})
    secret = page.get_by_label("Secret", exact=True).inner_text()
    page.get_by_label("Verification code").fill(app_code(secret))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text("Your authenticator app is active.")
    log_out(page)

    # The next login asks for the app's code first, and sends nothing.
    log_in(page, "carl")
    dialog = popup(page)
    expect(dialog).to_contain_text("Open your authenticator app")
    expect(dialog.get_by_role("button", name=re.compile("Send a code by SMS"))).to_be_visible()
    check_and_capture(page, "login-authenticator-app", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    verify(popup(page), app_code(secret, steps=1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    inbox.nothing_more(CARL_PHONE)
