"""My Account > Security and an administrator's Unlock, in Chromium against
the portal served for real (docs/SECURITY.md): a password changed after a
step-up code in the pop-up, other sessions listed and logged out, and a
co-worker locked out by 100 wrong codes unlocked by their administrator.
axe-core checks each page at both widths; the pictures go to docs/."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.people import (
    log_in,
    log_in_with_code,
    open_security_tab,
    open_twofactor_tab,
    popup,
    verify,
)
from tests.browser.test_accessibility import check_and_capture
from tests.code_step import twofactor_on
from tests.fixtures import PASSWORD
from twofactor.models import CodeDevice

pytestmark = pytest.mark.browser
NEW_PASSWORD = "a-longer-passphrase-for-carl-7"
CARL_PHONE, ADA_PHONE = "+13035551299", "+13035551212"


@pytest.fixture
def sms_team(team):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    return team


def test_a_coworker_changes_their_password_with_a_code(open_browser, sms_team, inbox):
    page = open_browser()
    log_in_with_code(page, "carl", lambda: inbox.sms_code(CARL_PHONE))
    open_security_tab(page)

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    # With 2FA on, a step-up first: the pop-up asks for the code texted now.
    dialog = popup(page)
    expect(dialog).to_contain_text("by SMS")
    verify(dialog, inbox.sms_code(CARL_PHONE))

    expect(page.get_by_role("status")).to_contain_text("Your password was changed.")
    expect(page).to_have_url(re.compile(r"/account/security/$"))
    assert "Customer Portal: your password was changed" in inbox.notices(
        "carl@acme-logistics.example"
    )
    other = open_browser()
    log_in(other, "carl", NEW_PASSWORD)
    expect(popup(other)).to_be_visible()


def test_a_coworker_sees_their_sessions_and_logs_out_the_others(open_browser, sms_team, inbox):
    laptop, phone = open_browser(), open_browser(width=390, height=844)
    log_in_with_code(phone, "carl", lambda: inbox.sms_code(CARL_PHONE))
    log_in_with_code(laptop, "carl", lambda: inbox.sms_code(CARL_PHONE))
    open_security_tab(laptop)
    sessions = laptop.get_by_role("table")
    expect(sessions.get_by_role("row")).to_have_count(3)  # the header and two sessions
    expect(sessions).to_contain_text("This session")
    check_and_capture(laptop, "security")

    laptop.get_by_role("button", name="Log out other sessions").click()

    expect(laptop.get_by_role("status")).to_contain_text("Your other sessions were logged out.")
    expect(laptop.get_by_role("table").get_by_role("row")).to_have_count(2)
    phone.reload()
    expect(phone.get_by_role("button", name="Log In")).to_be_visible()


def test_an_administrator_unlocks_a_coworker_locked_out_by_wrong_codes(
    open_browser, sms_team, inbox
):
    CodeDevice.objects.filter(user=sms_team.coworker).update(throttling_failure_count=100)
    carl = open_browser()
    log_in(carl, "carl")
    expect(carl.get_by_role("alert")).to_contain_text("until an administrator unlocks it")

    page = open_browser()
    log_in_with_code(page, "ada", lambda: inbox.sms_code(ADA_PHONE))
    open_twofactor_tab(page)
    page.get_by_role("table", name="Co-workers").get_by_role("link", name="carl").click()
    expect(page.get_by_role("status")).to_contain_text("Locked until an administrator unlocks it")
    check_and_capture(page, "coworker-locked")
    page.get_by_role("button", name="Unlock").click()

    expect(page.get_by_role("status")).to_contain_text("Carl Jensen is unlocked")
    assert "Customer Portal: an administrator unlocked your verification codes" in inbox.notices(
        "carl@acme-logistics.example"
    )
    log_in_with_code(carl, "carl", lambda: inbox.sms_code(CARL_PHONE))


@pytest.mark.parametrize("java_script", [True, False], ids=["pop-up", "without JS"])
def test_a_coworker_moves_their_codes_to_a_new_phone(open_browser, sms_team, inbox, java_script):
    """Two codes, in order: one to the phone in use now (it is you), then one
    to the new phone (it is yours). The pop-up says which step it is."""
    new_phone = "+13035550177"
    page = open_browser(java_script=java_script)
    log_in(page, "carl")
    verify(popup(page) if java_script else page, inbox.sms_code(CARL_PHONE))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Welcome"))
    page.goto("/account/settings/")
    page.get_by_label("Phone number").fill(new_phone)
    page.get_by_role("button", name="Save").click()

    step = popup(page) if java_script else page.get_by_role("main")
    expect(step).to_contain_text("Step 1 of 2")
    expect(step).to_contain_text("+1••••••1299")
    verify(step, inbox.sms_code(CARL_PHONE))
    step = popup(page) if java_script else page.get_by_role("main")
    expect(step).to_contain_text("Step 2 of 2")
    expect(step).to_contain_text("+1••••••0177")
    verify(step, inbox.sms_code(new_phone))

    expect(page.get_by_role("status")).to_contain_text(
        "Codes now go to your new email or phone number."
    )
    expect(page.get_by_label("Phone number")).to_have_value(new_phone)
    inbox.nothing_more(CARL_PHONE)
