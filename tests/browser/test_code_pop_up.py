"""Issue 15, the code pop-up in Chromium: it says first what the code
confirms (five purposes), the change waits visibly behind it ("Not saved
yet"), Resend is disabled until its cooldown passes (the browser's clock
controlled by Playwright), Escape gives the focus back to Status, and a
locked code entry says until when (in the person's time) and whom to ask."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.people import (
    log_in,
    log_in_with_code,
    open_twofactor_tab,
    open_user_settings,
    popup,
    status_box,
    tick_status,
    verify,
)
from tests.browser.test_accessibility import check_and_capture
from tests.code_step import twofactor_on

pytestmark = pytest.mark.browser
ADA_PHONE, CARL_PHONE = "+13035551212", "+13035551299"


def purpose(dialog):
    return dialog.locator("#code-purpose")


def test_a_login_says_whose_it_is(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.coworker, channel="sms")
    page = open_browser()

    log_in(page, "carl")

    dialog = popup(page)
    expect(purpose(dialog)).to_have_text("Log in as carl")
    # Letters: our words, not the browser's "Please match the requested format".
    verify(dialog, "12a456")
    expect(dialog.get_by_role("alert")).to_have_text("Enter the 6 digits from your message")
    verify(dialog, inbox.sms_code(CARL_PHONE))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")


def test_turning_2fa_on_keeps_the_ticked_box_behind_and_escape_returns_to_it(
    open_browser, team, inbox
):
    team.enterprise.twofactor_enabled, team.enterprise.twofactor_channel = True, "sms"
    team.enterprise.save()
    page = open_browser()
    log_in(page, "carl")
    open_user_settings(page)

    tick_status(page)

    dialog = popup(page)
    expect(purpose(dialog)).to_have_text("Confirm: turn on two-factor authentication")
    # Behind the pop-up: the box as the person ticked it, not saved yet.
    expect(status_box(page)).to_be_checked()
    expect(page.get_by_text("Not saved yet")).to_be_visible()
    inbox.sms_code(CARL_PHONE)
    page.reload()  # the picture says "Sent"
    check_and_capture(page, "pop-up-turn-on", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    # Escape: nothing changes, and the keyboard is back on Status.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(status_box(page)).to_be_focused()
    expect(status_box(page)).not_to_be_checked()
    expect(page.get_by_text("Not saved yet")).to_have_count(0)


def test_turning_2fa_off(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.coworker, channel="sms")
    page = open_browser()
    log_in_with_code(page, "carl", lambda: inbox.sms_code(CARL_PHONE))
    open_user_settings(page)

    tick_status(page)

    dialog = popup(page)
    expect(purpose(dialog)).to_have_text("Confirm: turn off two-factor authentication")
    expect(status_box(page)).not_to_be_checked()
    verify(dialog, inbox.sms_code(CARL_PHONE))
    expect(status_box(page)).to_have_accessible_description("Disabled")


def test_the_administrator_turning_the_accounts_2fa_off(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, channel="sms")
    page = open_browser()
    log_in_with_code(page, "ada", lambda: inbox.sms_code(ADA_PHONE))
    open_twofactor_tab(page)

    status_box(page).uncheck()
    page.get_by_role("button", name="Save").click()

    dialog = popup(page)
    expect(purpose(dialog)).to_have_text(
        "Confirm: turn off two-factor authentication for everyone at Acme Logistics"
    )
    expect(status_box(page)).not_to_be_checked()
    page.keyboard.press("Escape")
    expect(status_box(page)).to_be_checked()


def test_the_administrator_changing_the_channel_sees_the_chosen_one_behind(
    open_browser, team, inbox
):
    twofactor_on(team.enterprise, team.admin, channel="sms")
    page = open_browser()
    log_in_with_code(page, "ada", lambda: inbox.sms_code(ADA_PHONE))
    open_twofactor_tab(page)

    page.get_by_label("Channel", exact=True).select_option(label="Voice")
    page.get_by_role("button", name="Save").click()

    dialog = popup(page)
    expect(purpose(dialog)).to_have_text("Confirm: send codes by Voice instead of SMS")
    expect(page.get_by_label("Channel", exact=True)).to_have_value("voice")
    expect(page.get_by_text("Not saved yet")).to_be_visible()
    inbox.sms_code(ADA_PHONE)
    check_and_capture(page, "pop-up-channel-change", full_page=False)


def test_a_new_phone_number(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.coworker, channel="sms")
    page = open_browser()
    log_in_with_code(page, "carl", lambda: inbox.sms_code(CARL_PHONE))
    open_user_settings(page)

    page.get_by_label("Phone number").fill("+13035550199")
    page.get_by_role("button", name="Save").click()
    dialog = popup(page)
    expect(purpose(dialog)).to_have_text("Confirm: change your phone number to +1••••••0199")
    verify(dialog, inbox.sms_code(CARL_PHONE))

    dialog = popup(page)
    expect(purpose(dialog)).to_have_text("Confirm your new phone number +1••••••0199")
    verify(dialog, inbox.sms_code("+13035550199"))
    expect(page.get_by_label("Phone number")).to_have_value("+13035550199")


def test_resend_is_disabled_until_its_cooldown_passes(open_browser, team, inbox):
    from twofactor.models import Challenge

    twofactor_on(team.enterprise, team.coworker, channel="sms")
    page = open_browser()
    page.clock.install()
    log_in(page, "carl")
    dialog = popup(page)
    inbox.sms_code(CARL_PHONE)
    # The served portal waits 0 s between codes (tests/browser/served_settings.py);
    # a code sent 30 s from now makes the server count the behaviour's 30 s.
    Challenge.objects.filter(user=team.coworker).update(
        created_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    )
    page.reload()
    resend = dialog.get_by_role("button", name="Resend")

    expect(resend).to_be_disabled()
    expect(dialog).to_contain_text(re.compile(r"You can ask for a new code in 0:[23]\d\."))
    expect(dialog).to_contain_text(re.compile(r"It expires in (10:00|9:5\d)\."))
    check_and_capture(page, "pop-up-resend-wait", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    # 31 seconds pass, for the browser and for the server.
    Challenge.objects.filter(user=team.coworker).update(created_at=dt.datetime.now(dt.UTC))
    page.clock.run_for(31_000)

    expect(resend).to_be_enabled()
    expect(dialog.get_by_text("You can ask for a new code")).to_be_hidden()
    # The browser's clock runs on meanwhile (axe, screenshots): under 9:30.
    expect(dialog).to_contain_text(re.compile(r"It expires in 9:[0-2]\d\."))
    resend.click()
    # The new code's own ten minutes.
    expect(dialog).to_contain_text(re.compile(r"It expires in (10:00|9:[345]\d)\."))
    verify(dialog, inbox.sms_code(CARL_PHONE))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")


def test_a_lock_says_until_when_and_whom_to_ask(open_browser, team, inbox):
    from twofactor.models import CodeDevice

    twofactor_on(team.enterprise, team.coworker, channel="sms")
    page = open_browser()
    log_in(page, "carl")
    dialog = popup(page)
    inbox.sms_code(CARL_PHONE)
    # Ten wrong codes in a row a moment ago (as the lock tests make them).
    CodeDevice.objects.filter(user=team.coworker).update(
        throttling_failure_count=10, throttling_failure_timestamp=dt.datetime.now(dt.UTC)
    )

    dialog.get_by_label("Verification code").fill("000000")
    dialog.get_by_role("button", name="Verify").click()

    expect(dialog).to_contain_text("Too many wrong codes. You can try again at")
    expect(dialog).to_contain_text(re.compile(r"\((14|15):\d\d left\)"))
    expect(dialog).to_contain_text(", or ask your administrator: Ada Lovelace.")
    # Written again by the browser (Intl, the person's time and way: en-US
    # says AM or PM), not the server's 24-hour "UTC".
    expect(dialog.locator("time").first).to_have_text(re.compile(r"\d\d:\d\d:\d\d [AP]M"))
    expect(dialog.get_by_role("button", name="Verify")).to_be_disabled()
    expect(dialog.get_by_role("button", name="Resend")).to_be_disabled()
    check_and_capture(page, "pop-up-locked", full_page=False)


def test_without_javascript_the_code_page_says_the_same(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.coworker, channel="sms")
    page = open_browser(java_script=False)

    log_in(page, "carl")

    expect(page).to_have_url(re.compile(r"/login/verify/$"))
    expect(page.locator("#code-purpose")).to_have_text("Log in as carl")
    expect(page.get_by_text("It expires in 10 minutes.")).to_be_visible()
    page.get_by_label("Verification code").fill("12a456")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the 6 digits from your message")
    verify(page, inbox.sms_code(CARL_PHONE))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
