"""The same login and turn-on procedures with JavaScript off in the browser:
no pop-up, the plain code pages (/login/verify/, /twofactor/verify/) instead."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.people import log_in, open_user_settings, status_box, verify
from tests.code_step import twofactor_on

pytestmark = pytest.mark.browser


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
