"""The guide's "Click the Click Here link ... to make any changes to your
account information", in Chromium: the names save at once; a new phone
number takes a code on the phone in use, then one on the new phone; axe-core
at 1280 and 390 px, and the picture in docs/screenshots/ for the README."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.people import log_in_with_code, open_user_settings, popup, verify
from tests.browser.test_accessibility import check_and_capture
from tests.code_step import twofactor_on

pytestmark = pytest.mark.browser

CARL_PHONE = "+13035551299"
NEW_PHONE = "+13035550177"


def test_a_coworker_edits_and_saves_account_information(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    page = open_browser()
    log_in_with_code(page, "carl", lambda: inbox.sms_code(CARL_PHONE))
    open_user_settings(page)
    # 6. Click the Click Here link to make any changes to the account information.
    page.get_by_role("link", name="Click Here").click()
    expect(page).to_have_url(re.compile(r"/account/profile/$"))
    expect(page.get_by_role("heading", name="Account information")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Carl")
    check_and_capture(page, "account-information")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The names: saved at once, no code.
    page.get_by_label("First name").fill("Carlos")
    page.get_by_label("Last name").fill("Jensen-Ruiz")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your account information was saved.")
    expect(page.get_by_label("Last name")).to_have_value("Jensen-Ruiz")
    inbox.nothing_more(CARL_PHONE)

    # A near miss gets a suggestion; nothing is lost.
    page.get_by_label("Phone number").fill("303-555-0177")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("main")).to_contain_text("Did you mean +13035550177?")
    expect(page.get_by_label("Phone number")).to_have_value("303-555-0177")

    # A new phone number: first a code where codes go now, then on the new phone.
    page.get_by_label("Phone number").fill(NEW_PHONE)
    page.get_by_role("button", name="Save").click()
    dialog = popup(page)
    expect(dialog).to_contain_text("+1••••••1299")
    verify(dialog, inbox.sms_code(CARL_PHONE))
    dialog = popup(page)
    expect(dialog).to_contain_text("+1••••••0177")
    verify(dialog, inbox.sms_code(NEW_PHONE))

    expect(page.get_by_role("status")).to_contain_text(
        "Codes now go to your new email or phone number."
    )
    expect(page).to_have_url(re.compile(r"/account/profile/"))
    expect(page.get_by_label("Phone number")).to_have_value(NEW_PHONE)
    expect(page.get_by_label("First name")).to_have_value("Carlos")
