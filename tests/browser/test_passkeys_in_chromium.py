"""Passkeys in Chromium against the portal served for real, with Chromium's
virtual authenticator (Chrome DevTools Protocol, WebAuthn domain): a
co-worker adds a passkey after a step-up, logs in with it (no message
sent), and removes it; the next login asks for a code again. axe-core
checks the new pages at both widths."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.people import (
    log_in,
    log_in_with_code,
    log_out,
    open_security_tab,
    popup,
    verify,
)
from tests.browser.test_accessibility import check_and_capture
from tests.code_step import twofactor_on

pytestmark = pytest.mark.browser
CARL_PHONE = "+13035551299"


def virtual_authenticator(page: Page) -> None:
    """A platform authenticator that verifies its user (as a fingerprint would)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_a_coworker_adds_a_passkey_logs_in_with_it_and_removes_it(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    team.enterprise.allow_passkey = True
    team.enterprise.save(update_fields=["allow_passkey"])
    page = open_browser()
    virtual_authenticator(page)
    log_in_with_code(page, "carl", lambda: inbox.sms_code(CARL_PHONE))

    open_security_tab(page)
    page.get_by_label("Name").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()
    verify(popup(page), inbox.sms_code(CARL_PHONE))  # a step-up first
    expect(page).to_have_url(re.compile(r"/account/security/passkeys/new/$"))
    page.get_by_role("button", name="Create passkey").click()
    expect(page.get_by_role("status")).to_contain_text("Your passkey “Work laptop” is added.")
    expect(page.get_by_role("region", name="Passkeys").first).to_contain_text("Work laptop")
    check_and_capture(page, "security-passkeys")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_out(page)

    # The next login asks for the passkey first; nothing is sent.
    log_in(page, "carl")
    dialog = popup(page)
    expect(dialog).to_contain_text("Use your passkey")
    check_and_capture(page, "login-passkey", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    popup(page).get_by_role("button", name="Use your passkey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    inbox.nothing_more(CARL_PHONE)

    # Remove it (a step-up by a code), and the next login asks for a code.
    open_security_tab(page)
    page.get_by_role("button", name="Remove Work laptop").click()
    verify(popup(page), inbox.sms_code(CARL_PHONE))
    expect(page.get_by_role("status")).to_contain_text("The passkey was removed.")
    log_out(page)
    log_in_with_code(page, "carl", lambda: inbox.sms_code(CARL_PHONE))
