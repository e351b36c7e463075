"""The same login and turn-on procedures with JavaScript off in the browser:
no pop-up, the plain code pages (/login/verify/, /twofactor/verify/) instead."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.people import log_in, log_out, open_user_settings, status_box, verify
from tests.code_step import twofactor_on

pytestmark = pytest.mark.browser
SERVED_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"


def test_logging_in_with_a_code_on_the_plain_page(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    page = open_browser(java_script=False)
    log_in(page, "carl")
    expect(page).to_have_url(re.compile(r"/login/verify/$"))
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("We sent a verification code by SMS")
    first = inbox.sms_code("+13035551299")
    # If you didn't receive a code, click Resend.
    page.get_by_role("button", name="Resend").click()
    expect(page.get_by_role("status")).to_contain_text("A new code is on its way.")
    second = inbox.sms_code("+13035551299")
    verify(page, first)
    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"That code is not correct|replaced by a newer one")
    )
    verify(page, second)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")


def test_turning_2fa_on_through_the_plain_code_page(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, channel="sms")
    page = open_browser(java_script=False)
    log_in(page, "carl")
    open_user_settings(page)
    # Without JS, ticking Status does nothing until Save.
    status_box(page).check()
    expect(page).to_have_url(re.compile(r"/account/settings/$"))
    page.get_by_role("button", name="Save").click()
    # Save leads to a code page, and Verify back to the tab.
    expect(page).to_have_url(re.compile(r"/twofactor/verify/$"))
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    verify(page, inbox.sms_code("+13035551299"))
    expect(page).to_have_url(re.compile(r"/account/settings/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Two-factor authentication is now enabled for your login."
    )
    expect(status_box(page)).to_be_checked()
    expect(status_box(page)).to_have_accessible_description("Enabled")
    inbox.nothing_more("+13035551299")


def test_remember_this_browser_and_a_recovery_code_on_the_plain_page(open_browser, team, inbox):
    """Without JS: the plain code page offers Remember this browser, and its
    Use a recovery code opens the Recovery code field (a <details>)."""
    from django.test import override_settings

    from twofactor.recovery import recovery_generate

    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    team.enterprise.remember_browser_days = 7
    team.enterprise.save()
    # Hashed with the served portal's key (DJANGO_DEBUG=1: the development key).
    with override_settings(SECRET_KEY=SERVED_SECRET_KEY):
        codes = recovery_generate(user=team.coworker, ip=None)
    page = open_browser(java_script=False)
    log_in(page, "carl")
    expect(page).to_have_url(re.compile(r"/login/verify/$"))
    inbox.sms_code("+13035551299")

    page.get_by_text("Use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0].upper())
    page.get_by_role("button", name="Use this recovery code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")

    # Next time, a sent code with Remember ticked; then the password alone.
    log_out(page)
    log_in(page, "carl")
    expect(page).to_have_url(re.compile(r"/login/verify/$"))
    page.get_by_label("Remember this browser for 7 days").check()
    verify(page, inbox.sms_code("+13035551299"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    log_out(page)
    log_in(page, "carl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    inbox.nothing_more("+13035551299")
