"""The pop-up with the keyboard only: it opens with focus in the Verification
code field, Tab and Shift+Tab stay inside it, Enter verifies, and Escape
closes it with nothing changed."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from enterprise.models import Enterprise
from tests.browser.people import log_in, log_in_with_code, popup, status_box
from tests.code_step import twofactor_on
from tests.fixtures import PASSWORD
from twofactor.models import CodeDevice

pytestmark = pytest.mark.browser


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page: Page, target: Locator, *, limit: int = 30) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if is_focused(target):
            return
    raise AssertionError(f"{target} never got the focus in {limit} presses of Tab")


def test_logging_in_with_the_keyboard_only(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    page = open_browser()
    page.goto("/login/")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("carl")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    dialog = popup(page)
    expect(dialog).to_be_visible()
    field = dialog.get_by_label("Verification code")
    expect(field).to_be_focused()
    # Phones offer the code from the text message, on a number pad.
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_attribute("inputmode", "numeric")
    page.keyboard.type(inbox.sms_code("+13035551299"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")


def test_tab_stays_in_the_popup_and_escape_changes_nothing(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, channel="sms")
    page = open_browser()
    log_in(page, "carl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    # My Account > User Settings, from the keyboard.
    banner = page.get_by_role("banner")
    tab_to(page, banner.get_by_text("My Account", exact=True))
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(banner.get_by_role("link", name="User Settings")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/account/settings/$"))
    # Space on Status: the pop-up opens, focus in the code field.
    tab_to(page, status_box(page))
    page.keyboard.press("Space")
    dialog = popup(page)
    expect(dialog).to_be_visible()
    field = dialog.get_by_label("Verification code")
    expect(field).to_be_focused()
    # Tab goes round the pop-up's controls and comes back to the field.
    order = [
        dialog.get_by_role("button", name="Verify"),
        dialog.get_by_role("button", name="Cancel"),
        dialog.get_by_role("button", name="Resend"),
        field,
    ]
    for expected in order * 2:
        page.keyboard.press("Tab")
        expect(expected).to_be_focused()
    for expected in reversed(order[:-1]):
        page.keyboard.press("Shift+Tab")
        expect(expected).to_be_focused()
    # Escape closes it, and nothing changes.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/account/settings/$"))
    page.reload()
    expect(status_box(page)).not_to_be_checked()
    expect(status_box(page)).to_have_accessible_description("Disabled")
    assert not CodeDevice.objects.filter(user=team.coworker, enrolled=True).exists()
    inbox.sms_code("+13035551299")
    inbox.nothing_more("+13035551299")


def test_escape_on_the_step_up_popup_leaves_the_account_as_it_was(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, channel="sms")
    page = open_browser()
    log_in_with_code(page, "ada", lambda: inbox.sms_code("+13035551212"))
    page.goto("/enterprise/settings/two-factor/")
    status_box(page).uncheck()
    page.get_by_role("button", name="Save").click()
    dialog = popup(page)
    expect(dialog.get_by_label("Verification code")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.reload()
    expect(status_box(page)).to_be_checked()
    expect(status_box(page)).to_have_accessible_description("Enabled")
    assert Enterprise.objects.get(pk=team.enterprise.pk).twofactor_enabled
