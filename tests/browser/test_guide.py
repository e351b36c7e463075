"""The user guide (../shared/seed/000_c83e7651067efc53.txt), walked in
Chromium against the portal served for real: gunicorn, a Celery worker on
Redis, and codes read from the Twilio stand-in's texts and calls.

One test per procedure, in the order the story of the guide runs: the
administrator turns 2FA on by SMS, a co-worker turns it on for their login,
logs out and in with a texted code, the administrator moves the account to
Voice, the co-worker's next login takes the code from the call, the co-worker
turns 2FA off, the administrator turns it off for the account, and the
co-worker logs in with the password alone. Each test starts from the state
the steps before it leave, set up directly in the database."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.people import (
    log_in,
    log_in_with_code,
    log_out,
    open_twofactor_tab,
    open_user_settings,
    popup,
    status_box,
    tick_status,
    verify,
)
from tests.code_step import twofactor_on
from twofactor.models import CodeDevice

pytestmark = pytest.mark.browser


def test_the_administrator_enables_2fa_by_sms_and_sets_up_their_own_login(
    open_browser, team, inbox
):
    page = open_browser()
    # 1. Log into the Customer Portal as an administrator.
    log_in(page, "ada")
    # 2. In the left column, click Enterprise Settings, then the Two-Factor
    #    Authentication tab.
    open_twofactor_tab(page)
    expect(status_box(page)).not_to_be_checked()
    expect(status_box(page)).to_have_accessible_description("Disabled")
    # Under Status, select the check box.
    status_box(page).check()
    # From the Channel menu, select SMS. Click Save.
    page.get_by_label("Channel", exact=True).select_option(label="SMS")
    page.get_by_role("button", name="Save").click()
    # The status changes to Enabled for the account.
    expect(status_box(page)).to_be_checked()
    expect(status_box(page)).to_have_accessible_description("Enabled")
    expect(page.get_by_role("status")).to_contain_text(
        "Two-factor authentication is enabled for the account, by SMS."
    )
    # The page reminds them to tell their co-workers.
    expect(page.get_by_role("button", name="Email every co-worker")).to_be_visible()

    # 3. Set up 2FA for their own login: Click Here, at the bottom of the tab.
    page.get_by_role("link", name="Click Here").click()
    expect(page).to_have_url(re.compile(r"/account/settings/$"))
    expect(page.get_by_role("link", name="My Account")).to_have_attribute("aria-current", "page")
    # Make sure the information is correct, the phone number in E.164 format.
    expect(page.get_by_label("Email")).to_have_value("ada@acme-logistics.example")
    expect(page.get_by_label("Phone number")).to_have_value("+13035551212")
    expect(status_box(page)).to_have_accessible_description("Disabled")
    tick_status(page)
    dialog = popup(page)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("SMS")
    expect(dialog).to_contain_text("1212")
    verify(dialog, inbox.sms_code("+13035551212"))
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Save").click()
    expect(status_box(page)).to_be_checked()
    expect(status_box(page)).to_have_accessible_description("Enabled")
    inbox.nothing_more("+13035551212")


def test_a_coworker_turns_2fa_on_through_the_popup_and_logs_out(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, channel="sms")
    page = open_browser()
    # 1. Log into the Customer Portal (the password is enough for now).
    log_in(page, "carl")
    expect(popup(page)).to_have_count(0)
    # 2. At the top right of the page, click My Account > User Settings.
    open_user_settings(page)
    expect(page.get_by_role("main")).to_contain_text("Your account sends verification codes by SMS")
    # 3. On the My Account tab, under Status, select the check box.
    tick_status(page)
    # 4. On the pop-up, enter the code sent via the channel shown. Click Verify.
    dialog = popup(page)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("We sent a verification code by SMS")
    verify(dialog, inbox.sms_code("+13035551299"))
    expect(dialog).to_be_hidden()
    # 5. Click Save. The Status changes to Enabled.
    page.get_by_role("button", name="Save").click()
    expect(status_box(page)).to_be_checked()
    expect(status_box(page)).to_have_accessible_description("Enabled")
    # 6. Click the Click Here link to make any changes to the account information.
    page.get_by_role("link", name="Click Here").click()
    expect(page.get_by_role("heading", name="Account information")).to_be_visible()
    expect(page.get_by_label("Phone number")).to_have_value("+13035551299")
    expect(page.get_by_role("button", name="Save")).to_be_enabled()
    # Then they log out.
    log_out(page)
    expect(page).to_have_url(re.compile(r"/login/$"))
    inbox.nothing_more("+13035551299")


def test_the_coworker_logs_in_with_the_code_from_the_sms_after_one_resend(
    open_browser, team, inbox
):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    page = open_browser()
    # 1. Enter your username and password. Click Log In. The pop-up appears.
    log_in(page, "carl")
    dialog = popup(page)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("We sent a verification code by SMS")
    first = inbox.sms_code("+13035551299")
    # 2. If you didn't receive a code, click Resend.
    dialog.get_by_role("button", name="Resend").click()
    expect(dialog).to_contain_text("A new code is on its way. The previous code no longer works.")
    second = inbox.sms_code("+13035551299")
    # The first code is refused now, and they are not logged in.
    verify(dialog, first)
    expect(dialog.get_by_role("alert")).to_contain_text(
        re.compile(r"That code is not correct|replaced by a newer one")
    )
    expect(dialog).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/\?step=code$"))
    # Enter the code from the newest text and click Verify.
    verify(dialog, second)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    inbox.nothing_more("+13035551299")


def test_the_administrator_changes_the_channel_to_voice(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    page = open_browser()
    log_in_with_code(page, "ada", lambda: inbox.sms_code("+13035551212"))
    # 1. On the Two-Factor Authentication tab, ensure Status is selected.
    open_twofactor_tab(page)
    expect(status_box(page)).to_be_checked()
    # 2. From the Channel menu, select a different channel, and click Save.
    page.get_by_label("Channel", exact=True).select_option(label="Voice")
    page.get_by_role("button", name="Save").click()
    # Their own login uses 2FA: a code by the current channel comes first.
    dialog = popup(page)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("We sent a verification code by SMS")
    verify(dialog, inbox.sms_code("+13035551212"))
    expect(page.get_by_role("status")).to_contain_text("The channel is now Voice.")
    expect(page.get_by_label("Channel", exact=True)).to_have_value("voice")
    expect(status_box(page)).to_have_accessible_description("Enabled")
    # The co-worker who had turned 2FA on must verify on the new channel.
    carl = page.get_by_role("row", name=re.compile(r"\bcarl\b"))
    expect(carl).to_contain_text("Verification required")
    inbox.nothing_more("+13035551299")


def test_the_coworkers_next_login_takes_the_code_from_the_call(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="voice")
    # The administrator moved the account from SMS to Voice.
    CodeDevice.objects.filter(user=team.coworker).update(confirmed=False)
    page = open_browser()
    log_in(page, "carl")
    dialog = popup(page)
    expect(dialog).to_contain_text("We sent a verification code by voice call")
    verify(dialog, inbox.call_code("+13035551299"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    # They are Enabled again.
    open_user_settings(page)
    expect(status_box(page)).to_be_checked()
    expect(status_box(page)).to_have_accessible_description("Enabled")
    inbox.nothing_more("+13035551299")


def test_the_coworker_turns_2fa_off_with_a_code(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    page = open_browser()
    # 1. Log in using the verification code sent to you.
    log_in_with_code(page, "carl", lambda: inbox.sms_code("+13035551299"))
    # 2. At the top right of the page, click My Account > User Settings.
    open_user_settings(page)
    expect(status_box(page)).to_have_accessible_description("Enabled")
    # 3. On the My Account tab, under Status, clear the check box.
    tick_status(page)
    # 4. In the pop-up, enter the code sent via the channel, and click Verify.
    dialog = popup(page)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Resend")).to_be_visible()
    verify(dialog, inbox.sms_code("+13035551299"))
    expect(page.get_by_role("status")).to_contain_text(
        "Two-factor authentication is now disabled for your login."
    )
    expect(status_box(page)).not_to_be_checked()
    expect(status_box(page)).to_have_accessible_description("Disabled")
    inbox.nothing_more("+13035551299")


def test_the_administrator_disables_2fa_for_the_account_through_the_step_up_popup(
    open_browser, team, inbox
):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    page = open_browser()
    log_in_with_code(page, "ada", lambda: inbox.sms_code("+13035551212"))
    open_twofactor_tab(page)
    # 1. Under Status, clear the check box.
    status_box(page).uncheck()
    # 2. Click Save. Their login uses 2FA: the pop-up asks for a code.
    page.get_by_role("button", name="Save").click()
    dialog = popup(page)
    expect(dialog).to_be_visible()
    verify(dialog, inbox.sms_code("+13035551212"))
    expect(page.get_by_role("status")).to_contain_text(
        "Co-workers no longer need a code to log in."
    )
    expect(status_box(page)).not_to_be_checked()
    expect(status_box(page)).to_have_accessible_description("Disabled")


def test_the_coworker_logs_in_with_the_password_alone(open_browser, team, inbox):
    twofactor_on(team.enterprise, team.admin, team.coworker, channel="sms")
    # The administrator has since disabled 2FA for the account.
    team.enterprise.twofactor_enabled = False
    team.enterprise.save(update_fields=["twofactor_enabled"])
    page = open_browser()
    log_in(page, "carl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carl Jensen")
    expect(popup(page)).to_have_count(0)
    inbox.nothing_more("+13035551299")
