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

    # Remove it (a step-up: the passkey itself, nothing sent), and the next
    # login asks for a code.
    open_security_tab(page)
    page.get_by_role("button", name="Remove Work laptop").click()
    step_up = popup(page)
    expect(step_up).to_contain_text("Use your passkey")
    step_up.get_by_role("button", name="Use your passkey").click()
    expect(page.get_by_role("status")).to_contain_text("The passkey was removed.")
    log_out(page)
    log_in_with_code(page, "carl", lambda: inbox.sms_code(CARL_PHONE))


def test_only_passkeys_after_the_date_and_a_lost_one_replaced(open_browser, team, inbox):
    """The administrator requires passkeys from a date (with codes by channel
    for recovery); after it, a co-worker who lost their passkey logs in with
    a code, is kept to Security, adds a new passkey, and the portal opens."""
    from datetime import timedelta

    from enterprise.models import Enterprise
    from enterprise.rollout import today_utc
    from twofactor.models import Passkey

    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    team.enterprise.allow_passkey = True
    team.enterprise.twofactor_required = True
    team.enterprise.twofactor_deadline = today_utc() + timedelta(days=7)
    team.enterprise.save()
    date = today_utc() + timedelta(days=14)
    page = open_browser()
    log_in_with_code(page, "ada", lambda: inbox.sms_code("+13035551212"))
    page.goto("/enterprise/settings/two-factor/")
    only = page.get_by_role("group", name="Passkeys only")
    only.get_by_role("checkbox", name="Require a phishing-resistant method").check()
    only.get_by_label("Last day for other methods").fill(date.isoformat())
    only.get_by_role("checkbox", name="Allow codes for recovery").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"after {date.day} {date:%B %Y} (UTC), only a passkey logs in"
    )
    expect(only.get_by_role("checkbox", name="Require a phishing-resistant method")).to_be_checked()
    check_and_capture(page, "passkeys-only-settings")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The date passes (the served portal reads it at each request); Carl's
    # only passkey was on the phone he lost.
    Enterprise.objects.filter(pk=team.enterprise.pk).update(
        passkeys_deadline=today_utc() - timedelta(days=1)
    )
    Passkey.objects.create(
        user=team.coworker, name="Lost phone", credential_id="AAAA", public_key=b"\x00"
    )
    carl = open_browser()
    virtual_authenticator(carl)
    log_in(carl, "carl")
    dialog = popup(carl)
    expect(dialog).to_contain_text("Use your passkey")
    expect(dialog).not_to_contain_text("authenticator app")
    dialog.get_by_role("button", name=re.compile(r"^Send a code by SMS")).click()
    verify(carl, inbox.sms_code(CARL_PHONE))
    # Kept to Security until a new passkey is added.
    expect(carl).to_have_url(re.compile(r"/account/security/$"))
    expect(carl.get_by_role("region", name="Passkey required")).to_contain_text(
        "Your administrator now accepts only passkeys"
    )
    carl.goto("/")
    expect(carl).to_have_url(re.compile(r"/account/security/$"))
    check_and_capture(carl, "passkeys-only-kept")
    carl.set_viewport_size({"width": 1280, "height": 900})
    carl.get_by_label("Name").fill("New phone")
    carl.get_by_role("button", name="Add a passkey").click()
    # The step-up asks for a passkey first; his is lost: Try another way.
    step_up = popup(carl)
    expect(step_up).to_contain_text("Use your passkey")
    step_up.get_by_role("button", name=re.compile(r"^Send a code by SMS")).click()
    verify(carl, inbox.sms_code(CARL_PHONE))
    carl.get_by_role("button", name="Create passkey").click()
    expect(carl.get_by_role("status")).to_contain_text("Your passkey “New phone” is added.")
    carl.goto("/")
    expect(carl.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")

    # The next login: the new passkey, nothing sent.
    log_out(carl)
    log_in(carl, "carl")
    popup(carl).get_by_role("button", name="Use your passkey").click()
    expect(carl.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    inbox.nothing_more(CARL_PHONE)
